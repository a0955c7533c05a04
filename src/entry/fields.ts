/** Field rules shared by the parser (raw YAML data) and `validateEntry` (entries built in code). */
import {
  ENTRY_KEYS,
  ENTRY_STATES,
  type Entry,
  type EntryKey,
  type EntryProblem,
  type EntryState,
} from './model.ts';
import { isValidDate, isValidLogin, isValidRepo, isValidSlug } from './syntax.ts';

/** Where the raw values came from: the file for problems, and line/source lookups when parsed. */
export interface FieldContext {
  file: string;
  /** 1-based line of a top-level key, when known */
  lineOf(key: string): number | null;
  /** the original text of a top-level scalar value, when known */
  sourceOf(key: string): string | null;
}

const KNOWN = new Set<string>(ENTRY_KEYS);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  return `${typeof value} ${String(value)}`;
}

/** Folds a YAML timestamp back to the text the author wrote (or a canonical ISO form). */
function dateText(value: Date, source: string | null): string {
  if (source !== null && isValidDate(source.trim())) return source.trim();
  const iso = value.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** Extracts the file name stem of `path` (`rfcs/foo.md` -> `foo`), or null when it is not a `.md` file. */
export function fileStem(path: string): string | null {
  const base = path.split(/[\\/]/).pop() ?? '';
  return base.endsWith('.md') ? base.slice(0, -3) : null;
}

/**
 * Checks every known field of `raw`, collects every problem, and builds the entry (fields that
 * failed get a neutral value; the entry is only meaningful when no problem was reported).
 */
export function checkFields(
  raw: Record<string, unknown>,
  ctx: FieldContext,
): { fields: Omit<Entry, 'body'>; problems: EntryProblem[] } {
  const problems: EntryProblem[] = [];
  const report = (field: EntryKey | string | null, message: string, line?: number | null): void => {
    problems.push({
      file: ctx.file,
      field,
      line: line !== undefined ? line : field === null ? null : ctx.lineOf(field),
      message,
    });
  };
  const has = (k: string): boolean => Object.hasOwn(raw, k) && raw[k] !== undefined;

  const requiredString = (k: EntryKey): string | null => {
    if (!has(k) || raw[k] === null) {
      report(k, `missing required field "${k}"; add it to the frontmatter`);
      return null;
    }
    const v = raw[k];
    if (typeof v !== 'string') {
      report(k, `"${k}" must be a string, not ${describe(v)}; quote the value`);
      return null;
    }
    return v;
  };

  const slugValue = requiredString('slug');
  let slug = '';
  if (slugValue !== null) {
    if (!isValidSlug(slugValue)) {
      report(
        'slug',
        `slug ${describe(slugValue)} is invalid: use 1-63 lowercase letters, digits and dashes, starting with a letter or digit (no "/", "..", spaces or upper case)`,
      );
    } else {
      slug = slugValue;
      const stem = fileStem(ctx.file);
      if (stem !== null && stem !== slugValue) {
        report(
          'slug',
          `slug "${slugValue}" differs from the file name "${stem}.md"; rename the file to "rfcs/${slugValue}.md" or fix the slug`,
        );
      }
    }
  }
  const stem = fileStem(ctx.file);
  if (stem === null) report(null, `entry file "${ctx.file}" must be named rfcs/<slug>.md`, null);

  const titleValue = requiredString('title');
  let title = '';
  if (titleValue !== null) {
    if (titleValue.trim() === '') report('title', '"title" is empty; give the RFC a title');
    else title = titleValue;
  }

  const stateValue = requiredString('state');
  let state: EntryState = 'super-draft';
  if (stateValue !== null) {
    if ((ENTRY_STATES as readonly string[]).includes(stateValue)) state = stateValue as EntryState;
    else
      report(
        'state',
        `unknown state ${describe(stateValue)}; use one of ${ENTRY_STATES.map((s) => `"${s}"`).join(', ')}`,
      );
  }

  let id: number | null = null;
  if (has('id') && raw.id !== null) {
    const v = raw.id;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) id = v;
    else report('id', `"id" must be a positive integer, not ${describe(v)}`);
  }

  let repo: string | null = null;
  if (has('repo') && raw.repo !== null) {
    const v = raw.repo;
    if (typeof v === 'string' && isValidRepo(v)) repo = v;
    else report('repo', `"repo" must be "owner/name" of a Gitea repository, not ${describe(v)}`);
  }

  const login = (k: 'proposed_by' | 'graduated_by'): string | null => {
    if (!has(k) || raw[k] === null) return null;
    const v = raw[k];
    if (typeof v === 'string' && isValidLogin(v)) return v;
    report(k, `"${k}" must be a Gitea login, not ${describe(v)}`);
    return null;
  };
  const date = (k: 'proposed_at' | 'graduated_at'): string | null => {
    if (!has(k) || raw[k] === null) return null;
    const v = raw[k];
    if (v instanceof Date && !Number.isNaN(v.getTime())) return dateText(v, ctx.sourceOf(k));
    if (typeof v === 'string' && isValidDate(v)) return v;
    report(k, `"${k}" must be an ISO date (YYYY-MM-DD) or date-time with a zone, not ${describe(v)}`);
    return null;
  };
  const list = (
    k: 'owners' | 'arbiters' | 'tags',
    isItemValid: (s: string) => boolean,
    what: string,
  ): string[] => {
    if (!has(k) || raw[k] === null) return [];
    const v = raw[k];
    if (!Array.isArray(v)) {
      report(k, `"${k}" must be a list such as [a, b], not ${describe(v)}`);
      return [];
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string' && isItemValid(item)) out.push(item);
      else report(k, `"${k}" item ${i + 1} must be ${what}, not ${describe(item)}`);
    });
    return out;
  };

  const proposed_by = login('proposed_by');
  const proposed_at = date('proposed_at');
  const graduated_by = login('graduated_by');
  const graduated_at = date('graduated_at');
  const owners = list('owners', isValidLogin, 'a Gitea login');
  const arbiters = list('arbiters', isValidLogin, 'a Gitea login');
  const tags = list('tags', (s) => s.trim() !== '' && !/[\r\n]/.test(s), 'a non-empty one-line string');

  if (stateValue === 'active') {
    if (!has('id') || raw.id === null)
      report('id', 'an active RFC needs "id" (its number, assigned at graduation)', ctx.lineOf('state'));
    if (!has('repo') || raw.repo === null)
      report('repo', 'an active RFC needs "repo" (owner/name of its own repository)', ctx.lineOf('state'));
  }

  const extra: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (KNOWN.has(key)) continue;
    // defineProperty keeps a literal "__proto__" key as data instead of changing the prototype.
    Object.defineProperty(extra, key, {
      value: raw[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }

  return {
    fields: {
      slug,
      title,
      state,
      id,
      repo,
      proposed_by,
      proposed_at,
      graduated_by,
      graduated_at,
      owners,
      arbiters,
      tags,
      extra,
    },
    problems,
  };
}
