/** The entry file model: `rfcs/<slug>.md`, YAML frontmatter plus a Markdown body (PRODUCT.md). */

export type EntryState = 'super-draft' | 'active' | 'withdrawn';

/** The states an entry may be in, in lifecycle order. */
export const ENTRY_STATES: readonly EntryState[] = ['super-draft', 'active', 'withdrawn'];

/** One parsed entry. Unknown frontmatter keys are kept in `extra` and written back on serialize. */
export interface Entry {
  slug: string;
  title: string;
  state: EntryState;
  id: number | null;
  repo: string | null;
  proposed_by: string | null;
  proposed_at: string | null;
  graduated_by: string | null;
  graduated_at: string | null;
  owners: string[];
  arbiters: string[];
  tags: string[];
  body: string;
  /** unknown keys, preserved */
  extra: Record<string, unknown>;
}

/** One reason a file or entry is invalid. `line` is 1-based in the file, when one applies. */
export interface EntryProblem {
  file: string;
  field: string | null;
  line: number | null;
  message: string;
}

export type ParseResult = { ok: true; entry: Entry } | { ok: false; problems: EntryProblem[] };

/** The frontmatter keys the process knows, in canonical (serialized) order. */
export const ENTRY_KEYS = [
  'slug',
  'title',
  'state',
  'id',
  'repo',
  'proposed_by',
  'proposed_at',
  'graduated_by',
  'graduated_at',
  'owners',
  'arbiters',
  'tags',
] as const;

export type EntryKey = (typeof ENTRY_KEYS)[number];

/** Default cap on the body of an entry: 1 MiB of UTF-8. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Cap on the frontmatter block; a real one is well under 1 KiB. */
export const MAX_FRONTMATTER_BYTES = 64 * 1024;

/** Cap on YAML alias expansion (billion laughs); real entries use none. */
export const MAX_ALIAS_COUNT = 50;
