/**
 * The site's reader of the artifact directory (layout in docs/ARCHITECTURE.md). It reads only what
 * the site shows: meta, ideas, problems and the RFC files, synchronously in one pass. It skips
 * `audit.jsonl` (an append-only log that only grows) and `unattached.json`, which no page uses;
 * `readArtifact` in `src/cache/artifact.ts` remains the full reader.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readArtifactFileSync } from '../cache/artifact.ts';
import type { Artifact, ArtifactMeta, IdeaRecord, ProblemRecord, RfcRecord } from '../cache/model.ts';
import { sha } from './rfc-files.ts';

/** Reads the parts of an artifact the site needs; throws naming the file when one is missing or not JSON. */
export async function readArtifactForSite(dir: string): Promise<Artifact> {
  return readSiteArtifact(dir).artifact;
}

/**
 * `readArtifactForSite`, with the hash of the file each RFC record was read from: its input hash
 * for an incremental build, cheaper than hashing the record again (the artifact writes stable
 * JSON, so the text changes exactly when the record does). Valid only while the records are
 * unchanged: `buildSite` takes it only when it reads the artifact itself.
 */
export function readSiteArtifact(dir: string): { artifact: Artifact; fileHashes: Map<RfcRecord, string> } {
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
  const fileHashes = new Map<RfcRecord, string>();
  const rfcs = names.map((n) => {
    let hash = '';
    const rfc = readArtifactFileSync<RfcRecord>(dir, `rfcs/${n}`, (text) => {
      hash = sha(text);
    });
    fileHashes.set(rfc, hash);
    return rfc;
  });
  return { artifact: { meta, rfcs, ideas, problems, audit: [], unattached: [] }, fileHashes };
}
