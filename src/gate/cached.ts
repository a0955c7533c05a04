/**
 * What the cache artifact (`<dir>/rfcs/<slug>.json`) knows about each entry file, tied to the blob
 * it was read from. The artifact may be stale, so a row is only ever used for a blob whose sha a
 * fresh listing of the meta repo shows is still current (graduate_rfc's used ids), as a hint
 * that a later read checks (withdraw_branch_pr's RFC repo), or for an active RFC's repo where no
 * read could make the state check atomic (open_branch_pr).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactMeta, RfcRecord, RfcState } from '../cache/model.ts';

/** One entry file as the artifact has it. */
export interface CachedEntry {
  slug: string;
  /** `rfcs/<slug>.md` */
  path: string;
  /** the git blob sha of the entry file the row was derived from */
  sha: string;
  id: number | null;
  repo: string | null;
  state: RfcState;
}

function rowOf(value: unknown): CachedEntry | null {
  if (value === null || typeof value !== 'object') return null;
  const r = value as Partial<RfcRecord>;
  if (typeof r.slug !== 'string' || typeof r.entryPath !== 'string' || typeof r.entrySha !== 'string')
    return null;
  if (r.deletedOutOfBand === true) return null;
  const id = r.id === null || (typeof r.id === 'number' && Number.isSafeInteger(r.id)) ? r.id : undefined;
  if (id === undefined) return null;
  return {
    slug: r.slug,
    path: r.entryPath,
    sha: r.entrySha,
    id,
    repo: typeof r.repo === 'string' ? r.repo : null,
    state: r.state ?? 'super-draft',
  };
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * The artifact's entry rows in `dir`, by entry path, when its `meta.json` is of `of.metaRepo` on
 * `of.giteaUrl`. An absent or foreign artifact (a directory left by another meta repo or another
 * Gitea), or a row that is missing or does not parse, is simply not there: the gate then reads
 * that entry from Gitea.
 */
export async function readCachedEntries(
  dir: string,
  of: { metaRepo: string; giteaUrl: string },
): Promise<Map<string, CachedEntry>> {
  const out = new Map<string, CachedEntry>();
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Partial<ArtifactMeta>;
    if (
      typeof meta.metaRepo !== 'string' ||
      typeof meta.giteaUrl !== 'string' ||
      meta.metaRepo.toLowerCase() !== of.metaRepo.toLowerCase() ||
      trimSlash(meta.giteaUrl) !== trimSlash(of.giteaUrl)
    )
      return out;
  } catch {
    return out;
  }
  let names: string[];
  try {
    names = (await readdir(join(dir, 'rfcs'))).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    let row: CachedEntry | null = null;
    try {
      row = rowOf(JSON.parse(await readFile(join(dir, 'rfcs', name), 'utf8')));
    } catch {
      // A broken row costs a request, never correctness.
    }
    if (row) out.set(row.path, row);
  }
  return out;
}
