/** Escaping and Gitea URL helpers shared by the page templates. */

/** An absolute http(s) URL with no characters a browser would strip or reinterpret (fast path). */
const PLAIN_HTTP = /^https?:\/\/[a-z0-9.-]+(:\d+)?(\/[\w.~:/?#@!$&'()*+,;=%-]*)?$/i;
const SURROGATE = /[\ud800-\udfff]/;
const NEEDS_ESCAPE = /[&<>"']/;
const MAYBE_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;
const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** A valid surrogate pair (kept), or a character XML 1.0 forbids: C0 controls except tab/LF/CR, lone surrogates, U+FFFE/FFFF. */
const PAIR_OR_INVALID =
  /[\ud800-\udbff][\udc00-\udfff]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/g;

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = stripInvalid(String(value));
  return NEEDS_ESCAPE.test(s) ? s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!) : s;
}

/** Removes characters that are not allowed in XML 1.0, keeping valid surrogate pairs. */
export function stripInvalid(value: string): string {
  if (!MAYBE_INVALID.test(value)) return value;
  return value.replace(PAIR_OR_INVALID, (m) => (m.length === 2 ? m : ''));
}

/** The Gitea base URL when it is an absolute http(s) URL, without a trailing slash; throws otherwise. */
export function checkGiteaUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new Error(
      `artifact "meta.json" field "giteaUrl" is not a URL: "${raw}"; fix the reconciler's --gitea-url`,
      {
        cause,
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`artifact "meta.json" field "giteaUrl" must be http(s), got "${raw}"`);
  }
  return url.href.replace(/\/+$/, '');
}

/** `value` when it is an absolute http(s) URL, else `fallback` (URLs in the artifact are untrusted). */
export function safeHttp(value: string | null | undefined, fallback: string): string {
  if (!value) return fallback;
  if (PLAIN_HTTP.test(value)) return value;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : fallback;
  } catch {
    return fallback;
  }
}

/** `encodeURIComponent` that never throws: lone surrogates become U+FFFD first. */
export function encode(value: string): string {
  if (!SURROGATE.test(value)) return encodeURIComponent(value);
  return encodeURIComponent(
    value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

function segs(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .map(encode)
    .join('/');
}

/**
 * Links into Gitea's web UI. Routes (go-gitea/gitea routers/web/web.go): `/{owner}/{repo}/src/branch/{branch}/{path}`,
 * `/raw/branch/...`, `/_edit/{branch}/{path}` (the web editor, which offers "propose a PR" to non-writers),
 * `/pulls/{n}`, `/pulls`, `/compare/{base}...{head}`, and `/issues/new?title=&body=` (routers/web/repo/issue.go
 * reads the `title` and `body` query values into the new-issue form).
 */
export class GiteaLinks {
  constructor(
    readonly base: string,
    readonly branch: string,
  ) {}
  private readonly repos = new Map<string, string>();
  repo(repo: string): string {
    let url = this.repos.get(repo);
    if (url === undefined) {
      url = `${this.base}/${segs(repo)}`;
      this.repos.set(repo, url);
    }
    return url;
  }
  src(repo: string, path: string, branch = this.branch): string {
    const p = segs(path);
    return `${this.repo(repo)}/src/branch/${segs(branch)}${p ? `/${p}` : ''}`;
  }
  raw(repo: string, path: string, branch = this.branch): string {
    return `${this.repo(repo)}/raw/branch/${segs(branch)}/${segs(path)}`;
  }
  edit(repo: string, path: string, branch = this.branch): string {
    return `${this.repo(repo)}/_edit/${segs(branch)}/${segs(path)}`;
  }
  pull(repo: string, n: number): string {
    return `${this.repo(repo)}/pulls/${encode(String(n))}`;
  }
  pulls(repo: string): string {
    return `${this.repo(repo)}/pulls`;
  }
  compare(repo: string, base: string, head: string): string {
    return `${this.repo(repo)}/compare/${segs(base)}...${segs(head)}`;
  }
  newIssue(repo: string, title: string, body: string): string {
    return `${this.repo(repo)}/issues/new?title=${encode(title)}&body=${encode(body)}`;
  }
}

/** The date part (`YYYY-MM-DD`) of an ISO string, or the string itself when it has none. */
export function day(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^\d{4}-\d{2}-\d{2}/.exec(iso);
  return m ? m[0] : iso;
}

/** Byte-wise string order (locale-independent, deterministic). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
