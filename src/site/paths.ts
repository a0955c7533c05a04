/**
 * File names for untrusted values (slugs, tags, logins). Every value maps to one name made
 * only of `[a-z0-9-_~]`, so no value can reach `..`, `/`, a dot file or a case-folding clash,
 * and every write is checked to stay inside the output directory.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';

const MAX_NAME = 96;
const PLAIN = /^[a-z0-9-]+$/;

/**
 * Encodes any string as a safe, injective file-name stem: `[a-z0-9-]` stay, every other UTF-8
 * byte becomes `_hh`; names longer than 96 characters are cut and suffixed with `~` and a hash.
 */
export function safeName(value: string): string {
  if (value.length <= MAX_NAME && PLAIN.test(value)) return value;
  if (value === '') return '_';
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out +=
      (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || c === '-'
        ? c
        : `_${byte.toString(16).padStart(2, '0')}`;
  }
  if (out.length <= MAX_NAME) return out;
  const hash = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 16);
  return `${out.slice(0, MAX_NAME - 17)}~${hash}`;
}

/** Site-relative paths of the generated pages (always `/`-separated, never leading `/`). */
export const sitePaths = {
  index: 'index.html',
  search: 'search.html',
  problems: 'problems.html',
  tags: 'tags.html',
  people: 'people.html',
  feed: 'feed.xml',
  css: 'assets/site.css',
  icon: 'assets/icon.svg',
  filterJs: 'assets/filter.js',
  searchJs: 'assets/search.js',
  searchIndex: 'assets/search-index.js',
  apiList: 'api/rfcs.json',
  apiListSchema: 'api/schema/rfcs.schema.json',
  apiRfcSchema: 'api/schema/rfc.schema.json',
  rfc: (slug: string) => `rfcs/${safeName(slug)}.html`,
  rfcJson: (slug: string) => `api/rfcs/${safeName(slug)}.json`,
  tag: (tag: string) => `tags/${safeName(tag)}.html`,
  person: (login: string) => `people/${safeName(login)}.html`,
} as const;

/** The relative prefix from a site path back to the site root (`''` or `'../'`, ...). */
export function rootFrom(path: string): string {
  const depth = path.split('/').length - 1;
  return '../'.repeat(depth);
}

/** Resolves a site-relative path under `outDir`; throws when the result would leave it. */
export function resolveInside(outDir: string, rel: string): string {
  const root = resolve(outDir);
  const target = resolve(root, rel);
  const back = relative(root, target);
  if (back === '' || back.startsWith(`..${sep}`) || back === '..' || isAbsolute(back)) {
    throw new Error(`refusing to write "${rel}": it resolves outside the output directory "${root}"`);
  }
  return target;
}
