/**
 * Reads a directory of a branch into the workspace through the API (the jobs never check
 * anything out): the tree at the branch head, then each blob by its SHA, so the files come
 * from one commit even when the branch moves meanwhile.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, posix, relative, sep } from 'node:path';
import { gitBlobId } from '../cache/tar.ts';
import type { GiteaClient } from '../gitea/client.ts';
import { NotFoundError } from '../gitea/errors.ts';

export interface BranchDirOptions {
  owner: string;
  repo: string;
  branch: string;
  /** directory inside the repo, e.g. `cache-artifacts` */
  dir: string;
  /** local directory the files are written to */
  into: string;
}

export type BranchDirResult =
  | { outcome: 'missing-branch' }
  | { outcome: 'read'; commit: string; files: string[] };

/** Makes `into` hold the files of `dir/` on `branch`, downloading only those whose content differs. */
export async function readBranchDir(
  o: BranchDirOptions,
  deps: { gitea: GiteaClient },
): Promise<BranchDirResult> {
  let commit: string;
  try {
    const res = await deps.gitea.request<{ commit: { id: string } }>(
      'GET',
      '/repos/{owner}/{repo}/branches/{branch}',
      {
        path: { owner: o.owner, repo: o.repo, branch: o.branch },
      },
    );
    commit = res.data.commit.id;
  } catch (e) {
    if (e instanceof NotFoundError) return { outcome: 'missing-branch' };
    throw e;
  }
  const prefix = o.dir.replace(/\/+$/, '') + '/';
  const blobs: Array<{ path: string; sha: string }> = [];
  for (let page = 1; ; page++) {
    const res = await deps.gitea.request<{
      tree: Array<{ path: string; type: string; sha: string }> | null;
      truncated: boolean;
    }>('GET', '/repos/{owner}/{repo}/git/trees/{sha}', {
      path: { owner: o.owner, repo: o.repo, sha: commit },
      query: { recursive: true, page, per_page: 1000 },
    });
    const tree = res.data.tree ?? [];
    for (const e of tree)
      if (e.type === 'blob' && e.path.startsWith(prefix)) blobs.push({ path: e.path, sha: e.sha });
    if (!res.data.truncated || tree.length === 0) break;
  }
  const files: string[] = [];
  for (const b of blobs.sort((x, y) => (x.path < y.path ? -1 : 1))) {
    const rel = b.path.slice(prefix.length);
    const local = join(o.into, rel);
    files.push(rel);
    const existing = await readFile(local).catch(() => null);
    if (existing && gitBlobId(existing) === b.sha) continue;
    const res = await deps.gitea.request<{ content: string; encoding: string }>(
      'GET',
      '/repos/{owner}/{repo}/git/blobs/{sha}',
      { path: { owner: o.owner, repo: o.repo, sha: b.sha } },
    );
    await mkdir(dirname(local), { recursive: true });
    await writeFile(local, Buffer.from(res.data.content, res.data.encoding === 'base64' ? 'base64' : 'utf8'));
  }
  // A file gone from the branch must go locally too (a stale rfcs/<slug>.json would revive an RFC);
  // the SQLite cache is regenerated from the JSON and never committed, so it stays.
  const keep = new Set(files);
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const rel = relative(o.into, p).split(sep).join(posix.sep);
        if (!keep.has(rel) && !/\.sqlite(-\w+)?$/.test(rel)) await rm(p);
      }
    }
  };
  await walk(o.into);
  return { outcome: 'read', commit, files };
}
