/** Syntax rules for slugs, Gitea logins, repo names, dates and entry paths. */

const SLUG_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
// Gitea's username rules (models/user: validUsernamePatternWithDots, invalidUsernamePattern).
const LOGIN_RE = /^[\da-zA-Z][-.\w]*$/;
const LOGIN_BAD_RE = /[-._]{2,}|[-._]$/;
const REPO_NAME_RE = /^[-.\w]+$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const ENTRY_PATH_RE = /^rfcs\/([^/]+)\.md$/;

/** True when `s` is a valid entry slug: `^[a-z0-9][a-z0-9-]{0,62}$`. */
export function isValidSlug(s: string): boolean {
  return typeof s === 'string' && SLUG_RE.test(s);
}

/** The meta-repo path of an entry: `rfcs/<slug>.md`. Throws on an invalid slug. */
export function entryPath(slug: string): string {
  if (!isValidSlug(slug)) {
    throw new Error(
      `invalid slug "${slug}": use 1-63 lowercase letters, digits and dashes, starting with a letter or digit`,
    );
  }
  return `rfcs/${slug}.md`;
}

/** The slug of a meta-repo path `rfcs/<slug>.md`, or null when the path is not an entry path. */
export function slugFromPath(path: string): string | null {
  const m = ENTRY_PATH_RE.exec(path);
  if (!m || !isValidSlug(m[1]!)) return null;
  return m[1]!;
}

/** True when `s` is a valid Gitea login (at most 40 characters). */
export function isValidLogin(s: string): boolean {
  return typeof s === 'string' && s.length <= 40 && LOGIN_RE.test(s) && !LOGIN_BAD_RE.test(s);
}

/** True when `s` is `owner/name` with a valid Gitea owner and repository name. */
export function isValidRepo(s: string): boolean {
  if (typeof s !== 'string') return false;
  const parts = s.split('/');
  if (parts.length !== 2) return false;
  const [owner, name] = parts as [string, string];
  return (
    isValidLogin(owner) && name.length <= 100 && REPO_NAME_RE.test(name) && name !== '.' && name !== '..'
  );
}

function isRealDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** True when `s` is an ISO date `YYYY-MM-DD` or an ISO date-time with a zone (`Z` or `±hh:mm`). */
export function isValidDate(s: string): boolean {
  if (typeof s !== 'string') return false;
  const m = DATE_RE.exec(s) ?? DATE_TIME_RE.exec(s);
  if (!m) return false;
  return isRealDay(Number(m[1]), Number(m[2]), Number(m[3]));
}
