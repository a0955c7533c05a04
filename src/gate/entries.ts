/** Entries from a local checkout of the meta repo (e.g. the Actions workspace), read with `git`. */
import { git, headCommit, listEntryBlobs, readBlobs } from '../cache/local-git.ts';
import type { EntrySource } from './types.ts';

/** owner/name at the end of a remote URL (`https://host/o/r.git`, `git@host:o/r`), lower case. */
function repoOfUrl(url: string): string | null {
  const m = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url.trim());
  return m ? `${m[1]}/${m[2]}`.toLowerCase() : null;
}

/**
 * An `EntrySource` over the checkout in `dir`, at the commit its HEAD points at when called; null
 * when `dir` is not a git checkout, or (with `repo`) when its `origin` is not that repo.
 */
export async function checkoutEntries(
  dir: string,
  opts: { repo?: string } = {},
): Promise<EntrySource | null> {
  if ((await headCommit(dir)) === null) return null;
  if (opts.repo !== undefined) {
    let origin: string;
    try {
      origin = (await git(dir, ['config', '--get', 'remote.origin.url'])).trim();
    } catch {
      return null;
    }
    if (repoOfUrl(origin) !== opts.repo.toLowerCase()) return null;
  }
  return {
    label: `the checkout "${dir}"`,
    async list() {
      const head = await headCommit(dir);
      return head === null ? new Map() : listEntryBlobs(dir, head);
    },
    texts: (shas) => readBlobs(dir, shas),
  };
}
