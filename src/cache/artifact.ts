/**
 * The committed artifact on disk: readable JSON, one file per RFC, so a sweep that changes
 * one RFC changes one small file in git. Layout (schemaVersion 1):
 *   meta.json, ideas.json, problems.json, unattached.json, audit.jsonl, rfcs/<slug>.json
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eachLimit } from './limit.ts';
import type {
  Artifact,
  ArtifactMeta,
  AuditRecord,
  IdeaRecord,
  ProblemRecord,
  PrRecord,
  RfcRecord,
} from './model.ts';

/** JSON with keys sorted at every level, two-space indent, LF, trailing newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/**
 * `value` with object keys sorted at every level. Objects and arrays already in order are returned
 * as they are, not copied: the site serializes thousands of records built in key order.
 */
function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const s = sortKeys(item);
      if (out) out.push(s);
      else if (s !== item) {
        out = value.slice(0, i);
        out.push(s);
      }
    }
    return out ?? value;
  }
  const keys = Object.keys(value);
  // A class instance (a Date, say) becomes a plain object of its own keys.
  let copy = Object.getPrototypeOf(value) !== Object.prototype;
  for (let i = 1; i < keys.length && !copy; i++) copy = keys[i - 1]! > keys[i]!;
  const record = value as Record<string, unknown>;
  if (!copy) {
    for (const k of keys) {
      const v = record[k];
      if (sortKeys(v) !== v) {
        copy = true;
        break;
      }
    }
    if (!copy) return value;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = sortKeys(record[k]);
  return out;
}

/** The artifact as files: relative path -> exact bytes to write. */
export function serializeArtifact(a: Artifact): Map<string, string> {
  const files = new Map<string, string>();
  files.set('meta.json', stableJson(a.meta));
  files.set('ideas.json', stableJson([...a.ideas].sort((x, y) => x.number - y.number)));
  files.set('problems.json', stableJson([...a.problems].sort((x, y) => cmp(x.file, y.file))));
  files.set(
    'unattached.json',
    stableJson([...(a.unattached ?? [])].sort((x, y) => cmp(x.repo, y.repo) || x.number - y.number)),
  );
  files.set(
    'audit.jsonl',
    a.audit.map((r) => JSON.stringify(sortKeys(r))).join('\n') + (a.audit.length ? '\n' : ''),
  );
  for (const r of [...a.rfcs].sort((x, y) => cmp(x.slug, y.slug)))
    files.set(`rfcs/${r.slug}.json`, stableJson(r));
  return files;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function missingFile(dir: string, path: string, cause: unknown): never {
  throw new Error(`cannot read artifact file "${path}": run "rfc-actions reconcile --out ${dir}" first`, {
    cause,
  });
}

/** Parses one artifact file's text; throws naming `path` when it is not valid JSON. */
export function parseArtifactFile<T>(path: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new Error(`artifact file "${path}" is not valid JSON`, { cause });
  }
}

/**
 * Parses one `rfcs/<slug>.json`; fields added to `RfcRecord` after the file was written
 * (`withdrawnBy`, `withdrawnAt`) read as null, so no reader has to handle their absence.
 */
export function parseRfcRecord(path: string, text: string): RfcRecord {
  const r = parseArtifactFile<RfcRecord>(path, text);
  r.withdrawnBy ??= null;
  r.withdrawnAt ??= null;
  return r;
}

/**
 * Reads one JSON file of an artifact synchronously, with the same errors as `readArtifact`;
 * `onText` sees the file's text before it is parsed.
 */
export function readArtifactFileSync<T>(dir: string, rel: string, onText?: (text: string) => void): T {
  const path = join(dir, rel);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    missingFile(dir, path, cause);
  }
  onText?.(text);
  return parseArtifactFile<T>(path, text);
}

/** Reads an artifact directory; throws naming the file when one is missing or not valid JSON. */
export async function readArtifact(dir: string): Promise<Artifact> {
  const text = (path: string) => readFile(path, 'utf8').catch((cause) => missingFile(dir, path, cause));
  const json = async <T>(rel: string): Promise<T> => {
    const path = join(dir, rel);
    return parseArtifactFile<T>(path, await text(path));
  };
  const meta = await json<ArtifactMeta>('meta.json');
  const ideas = await json<IdeaRecord[]>('ideas.json');
  const problems = await json<ProblemRecord[]>('problems.json');
  let unattached: PrRecord[] = [];
  try {
    unattached = JSON.parse(await readFile(join(dir, 'unattached.json'), 'utf8')) as PrRecord[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`artifact file "${join(dir, 'unattached.json')}" is not valid JSON`, { cause: e });
    }
  }
  let audit: AuditRecord[] = [];
  try {
    const text = await readFile(join(dir, 'audit.jsonl'), 'utf8');
    audit = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AuditRecord);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let names: string[] = [];
  try {
    names = (await readdir(join(dir, 'rfcs'))).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const rfcs: RfcRecord[] = new Array(names.length);
  await eachLimit(
    names.map((n, i) => ({ n, i })),
    32,
    async ({ n, i }) => {
      const path = join(dir, 'rfcs', n);
      rfcs[i] = parseRfcRecord(path, await text(path));
    },
  );
  return { meta, rfcs, ideas, problems, audit, unattached };
}
