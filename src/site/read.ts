/**
 * The site's reader of the artifact directory (layout in docs/ARCHITECTURE.md). It reads only what
 * the site shows: meta, ideas, problems and the RFC files, synchronously in one pass. It skips
 * `audit.jsonl` (an append-only log that only grows) and `unattached.json`, which no page uses;
 * `readArtifact` in `src/cache/artifact.ts` remains the full reader.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRfcRecord, readArtifactFileSync } from '../cache/artifact.ts';
import type { Artifact, ArtifactMeta, IdeaRecord, ProblemRecord, RfcRecord } from '../cache/model.ts';

/**
 * The bytes of every `rfcs/*.json` file, in one `SharedArrayBuffer`: a worker thread given it
 * parses the files it builds from the same bytes, with nothing copied between threads.
 */
export interface RfcFileSet {
  dir: string;
  /** file names in `rfcs/`, sorted */
  names: string[];
  bytes: SharedArrayBuffer;
  /** file `i` is `bytes[starts[i]] .. bytes[starts[i + 1]]` */
  starts: Float64Array;
}

/** Meta, ideas and problems parsed, and the RFC files as bytes, not yet parsed. */
export interface SiteArtifactFiles {
  meta: ArtifactMeta;
  ideas: IdeaRecord[];
  problems: ProblemRecord[];
  files: RfcFileSet;
}

/** Reads the artifact's small files and the bytes of its RFC files; throws naming a file that is missing or not JSON. */
export function readSiteArtifactFiles(dir: string): SiteArtifactFiles {
  const meta = readArtifactFileSync<ArtifactMeta>(dir, 'meta.json');
  const ideas = readArtifactFileSync<IdeaRecord[]>(dir, 'ideas.json');
  const problems = readArtifactFileSync<ProblemRecord[]>(dir, 'problems.json');
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'rfcs'))
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const contents = names.map((n) => readFileSync(join(dir, 'rfcs', n)));
  const starts = new Float64Array(names.length + 1);
  for (let i = 0; i < contents.length; i++) starts[i + 1] = starts[i]! + contents[i]!.length;
  const bytes = new SharedArrayBuffer(starts[names.length]!);
  const view = new Uint8Array(bytes);
  for (let i = 0; i < contents.length; i++) view.set(contents[i]!, starts[i]!);
  return { meta, ideas, problems, files: { dir, names, bytes, starts } };
}

/** The bytes of RFC file `i` (a view, not a copy). */
export function rfcFileBytes(files: RfcFileSet, i: number): Uint8Array {
  const start = files.starts[i]!;
  return new Uint8Array(files.bytes, start, files.starts[i + 1]! - start);
}

/** Parses RFC file `i`; throws naming the file when it is not valid JSON. */
export function parseRfcFile(files: RfcFileSet, i: number): RfcRecord {
  const text = Buffer.from(files.bytes, files.starts[i]!, files.starts[i + 1]! - files.starts[i]!).toString(
    'utf8',
  );
  return parseRfcRecord(join(files.dir, 'rfcs', files.names[i]!), text);
}

/**
 * Hash of RFC file `i`: its input hash for an incremental build, cheaper than hashing the record
 * again (the artifact writes stable JSON, so the bytes change exactly when the record does).
 * The same digest as `sha` in `rfc-files.ts` of the file's text.
 */
export function rfcFileHash(files: RfcFileSet, i: number): string {
  return createHash('sha1').update(rfcFileBytes(files, i)).digest('hex');
}

/** Reads the parts of an artifact the site needs; throws naming the file when one is missing or not JSON. */
export async function readArtifactForSite(dir: string): Promise<Artifact> {
  const { meta, ideas, problems, files } = readSiteArtifactFiles(dir);
  const rfcs = files.names.map((_, i) => parseRfcFile(files, i));
  return { meta, rfcs, ideas, problems, audit: [], unattached: [] };
}
