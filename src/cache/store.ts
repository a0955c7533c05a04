/**
 * Crash-safe, quiet artifact writes. Changed files are staged under `.staging/`, a manifest is
 * renamed into place last (the commit point), then the staged files are renamed over the old
 * ones. A kill before the manifest leaves the previous artifact untouched; a kill after it is
 * rolled forward by the next `recoverArtifact`. Unchanged files are never rewritten.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { serializeArtifact } from './artifact.ts';
import { eachLimit } from './limit.ts';
import type { Artifact } from './model.ts';
import { loadArtifact, openCache, storedDigest } from './sqlite.ts';

/** The gate appends to `audit.jsonl`; a sweep never rewrites it (only `commitArtifact` merges it). */
export const AUDIT_FILE = 'audit.jsonl';
export const SQLITE_FILE = 'cache.sqlite';
const STAGING = '.staging';
const MANIFEST = 'MANIFEST.json';

interface Manifest {
  write: string[];
  remove: string[];
}

/** What `writeArtifact` did. */
export interface WriteResult {
  changed: boolean;
  written: string[];
  removed: string[];
  sqlite: 'regenerated' | 'unchanged' | 'skipped';
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function listJson(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Finishes or discards an interrupted write; returns what it did. */
export async function recoverArtifact(dir: string): Promise<'none' | 'rolled-forward' | 'discarded'> {
  const staging = join(dir, STAGING);
  const text = await readOrNull(join(staging, MANIFEST));
  if (text === null) {
    const existed = (await readdir(dir).catch(() => [] as string[])).includes(STAGING);
    await rm(staging, { recursive: true, force: true });
    return existed ? 'discarded' : 'none';
  }
  await apply(dir, JSON.parse(text) as Manifest);
  return 'rolled-forward';
}

async function makeDirs(root: string, rels: string[]): Promise<void> {
  for (const d of [...new Set(rels.map((rel) => dirname(join(root, rel))))].sort()) {
    await mkdir(d, { recursive: true });
  }
}

async function apply(dir: string, manifest: Manifest): Promise<void> {
  const staging = join(dir, STAGING);
  await makeDirs(dir, manifest.write);
  await eachLimit(manifest.write, 16, async (rel) => {
    try {
      await rename(join(staging, rel), join(dir, rel));
    } catch (e) {
      // Already moved by an earlier, interrupted roll-forward.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  });
  await eachLimit(manifest.remove, 16, (rel) => rm(join(dir, rel), { force: true }));
  await rm(staging, { recursive: true, force: true });
}

/** sha256 over the artifact's files (path and bytes, in path order): what `cache.sqlite` was built from. */
export function artifactDigest(files: Map<string, string>): string {
  const h = createHash('sha256');
  for (const rel of [...files.keys()].sort()) {
    h.update(`${rel}\0${files.get(rel)!.length}\0`);
    h.update(files.get(rel)!);
  }
  return h.digest('hex');
}

/**
 * Writes the artifact to `dir`, touching only files whose bytes differ, removing `rfcs/*.json`
 * that are gone, and regenerating `cache.sqlite` when its digest is stale (unless `sqlite: false`).
 * `audit.jsonl` is left as it is on disk.
 */
export async function writeArtifact(
  dir: string,
  artifact: Artifact,
  options: { sqlite?: boolean } = {},
): Promise<WriteResult> {
  await mkdir(dir, { recursive: true });
  await recoverArtifact(dir);
  const files = serializeArtifact(artifact);
  files.delete(AUDIT_FILE);
  const write: string[] = [];
  await eachLimit([...files], 16, async ([rel, bytes]) => {
    if ((await readOrNull(join(dir, rel))) !== bytes) write.push(rel);
  });
  const remove = (await listJson(join(dir, 'rfcs'))).map((n) => `rfcs/${n}`).filter((rel) => !files.has(rel));
  write.sort();
  remove.sort();
  const changed = write.length > 0 || remove.length > 0;
  if (changed) {
    const staging = join(dir, STAGING);
    await rm(staging, { recursive: true, force: true });
    await makeDirs(staging, write);
    await eachLimit(write, 16, (rel) => writeFile(join(staging, rel), files.get(rel)!));
    await writeFile(join(staging, `${MANIFEST}.tmp`), JSON.stringify({ write, remove }));
    await rename(join(staging, `${MANIFEST}.tmp`), join(staging, MANIFEST));
    await apply(dir, { write, remove });
  }
  let sqlite: WriteResult['sqlite'] = 'skipped';
  if (options.sqlite !== false) {
    const audit = await readOrNull(join(dir, AUDIT_FILE));
    if (audit !== null) files.set(AUDIT_FILE, audit);
    sqlite = (await regenerateSqlite(dir, artifact, artifactDigest(files))) ? 'regenerated' : 'unchanged';
  }
  return { changed, written: write, removed: remove, sqlite };
}

/** Rebuilds `cache.sqlite` (temp file, one transaction, rename) unless it already holds `digest`. */
export async function regenerateSqlite(dir: string, artifact: Artifact, digest: string): Promise<boolean> {
  const target = join(dir, SQLITE_FILE);
  if (storedDigest(target) === digest) return false;
  const tmp = join(dir, `.${SQLITE_FILE}.${process.pid}.tmp`);
  await rm(tmp, { force: true });
  const db = openCache(tmp);
  try {
    loadArtifact(db, artifact, digest);
  } finally {
    db.close();
  }
  await rename(tmp, target);
  return true;
}
