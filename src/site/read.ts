/**
 * The site's reader of the artifact directory (layout in docs/ARCHITECTURE.md). It reads only what
 * the site shows: meta, ideas, problems and the RFC files, synchronously in one pass. It skips
 * `audit.jsonl` (an append-only log that only grows) and `unattached.json`, which no page uses;
 * `readArtifact` in `src/cache/artifact.ts` remains the full reader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifact, ArtifactMeta, IdeaRecord, ProblemRecord, RfcRecord } from '../cache/model.ts';

function json<T>(dir: string, rel: string): T {
  const path = join(dir, rel);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read artifact file "${path}": run "rfc-actions reconcile --out ${dir}" first`, {
      cause,
    });
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new Error(`artifact file "${path}" is not valid JSON`, { cause });
  }
}

/** Reads the parts of an artifact the site needs; throws naming the file when one is missing or not JSON. */
export async function readArtifactForSite(dir: string): Promise<Artifact> {
  const meta = json<ArtifactMeta>(dir, 'meta.json');
  const ideas = json<IdeaRecord[]>(dir, 'ideas.json');
  const problems = json<ProblemRecord[]>(dir, 'problems.json');
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'rfcs'))
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const rfcs = names.map((n) => json<RfcRecord>(dir, `rfcs/${n}`));
  return { meta, rfcs, ideas, problems, audit: [], unattached: [] };
}
