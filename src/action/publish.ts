/**
 * Publishes a directory to a branch through the Gitea API (no git, no checkout): compares
 * the local files' blob SHAs with the branch's tree and commits only the difference, in one
 * `POST /repos/{owner}/{repo}/contents`. An unchanged site writes nothing, so running twice,
 * or twice at once, is safe: a lost race re-reads the branch and compares again.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { gitBlobId } from '../cache/tar.ts';
import type { GiteaClient } from '../gitea/client.ts';
import { ConflictError, NotFoundError, OutcomeUnknownError, UnprocessableError } from '../gitea/errors.ts';

export interface PublishOptions {
  owner: string;
  repo: string;
  branch: string;
  /** local directory whose files become the branch's tree (or the tree under `prefix`) */
  dir: string;
  /** directory inside the branch the files go to; files outside it are left alone. Default: the root */
  prefix?: string;
  /** local files (relative paths) never published, e.g. a regenerated SQLite file */
  exclude?: (path: string) => boolean;
  message: string;
}

export interface PublishDeps {
  gitea: GiteaClient;
}

export type PublishResult =
  | { outcome: 'unchanged'; commit: string }
  | {
      outcome: 'created' | 'updated';
      commit: string;
      files: { create: number; update: number; delete: number };
    };

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
}

async function listFiles(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.set(relative(dir, p).split(sep).join(posix.sep), await readFile(p));
    }
  };
  await walk(dir);
  return out;
}

async function branchHead(deps: PublishDeps, o: PublishOptions, branch: string): Promise<string | null> {
  try {
    const res = await deps.gitea.request<{ commit: { id: string } }>(
      'GET',
      '/repos/{owner}/{repo}/branches/{branch}',
      {
        path: { owner: o.owner, repo: o.repo, branch },
      },
    );
    return res.data.commit.id;
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}

/** Every blob of a commit's tree; Gitea pages large trees (`truncated`), so read until done. */
async function treeBlobs(deps: PublishDeps, o: PublishOptions, commit: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let page = 1; ; page++) {
    const res = await deps.gitea.request<{ tree: TreeEntry[] | null; truncated: boolean }>(
      'GET',
      '/repos/{owner}/{repo}/git/trees/{sha}',
      {
        path: { owner: o.owner, repo: o.repo, sha: commit },
        query: { recursive: true, page, per_page: 1000 },
      },
    );
    for (const e of res.data.tree ?? []) if (e.type === 'blob') out.set(e.path, e.sha);
    if (!res.data.truncated || (res.data.tree ?? []).length === 0) return out;
  }
}

async function defaultBranch(deps: PublishDeps, o: PublishOptions): Promise<string> {
  const res = await deps.gitea.request<{ default_branch: string }>('GET', '/repos/{owner}/{repo}', {
    path: { owner: o.owner, repo: o.repo },
  });
  return res.data.default_branch;
}

type FileOp = { operation: 'create' | 'update' | 'delete'; path: string; sha?: string; content?: string };

async function attempt(
  o: PublishOptions,
  deps: PublishDeps,
  local: Map<string, Buffer>,
): Promise<PublishResult> {
  const head = await branchHead(deps, o, o.branch);
  // A missing branch is made from the default branch in the same commit, deleting its files.
  const base = head ?? (await branchHead(deps, o, await defaultBranch(deps, o)));
  const all = base ? await treeBlobs(deps, o, base) : new Map<string, string>();
  const prefix = o.prefix ? `${o.prefix.replace(/\/+$/, '')}/` : '';
  const remote = new Map<string, string>();
  for (const [path, sha] of all) {
    // A new branch starts as a copy of the default branch: none of those files belong in it.
    if (head === null || path.startsWith(prefix)) remote.set(path, sha);
  }
  const ops: FileOp[] = [];
  for (const [path, bytes] of local) {
    const sha = remote.get(path);
    if (sha === undefined) ops.push({ operation: 'create', path, content: bytes.toString('base64') });
    else if (sha !== gitBlobId(bytes))
      ops.push({ operation: 'update', path, sha, content: bytes.toString('base64') });
  }
  for (const [path, sha] of remote) if (!local.has(path)) ops.push({ operation: 'delete', path, sha });
  if (head !== null && ops.length === 0) return { outcome: 'unchanged', commit: head };
  const body: Record<string, unknown> = { message: o.message, files: ops };
  if (head === null) {
    body.branch = await defaultBranch(deps, o);
    body.new_branch = o.branch;
  } else body.branch = o.branch;
  const res = await deps.gitea.request<{ commit: { sha: string } }>(
    'POST',
    '/repos/{owner}/{repo}/contents',
    {
      path: { owner: o.owner, repo: o.repo },
      body,
    },
  );
  const count = (op: FileOp['operation']) => ops.filter((f) => f.operation === op).length;
  return {
    outcome: head === null ? 'created' : 'updated',
    commit: res.data.commit.sha,
    files: { create: count('create'), update: count('update'), delete: count('delete') },
  };
}

/** Makes `branch` hold exactly the files of `dir`; writes one commit or none. */
export async function publishDir(options: PublishOptions, deps: PublishDeps): Promise<PublishResult> {
  const prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
  const local = new Map<string, Buffer>();
  for (const [path, bytes] of await listFiles(options.dir)) {
    if (!options.exclude?.(path)) local.set(prefix + path, bytes);
  }
  if (local.size === 0)
    throw new Error(`site directory "${options.dir}" is empty: build the site before publishing`);
  for (let i = 1; ; i++) {
    try {
      return await attempt(options, deps, local);
    } catch (e) {
      // Another run published meanwhile (stale sha: 409/422), or the answer was lost: compare again.
      const retry =
        e instanceof ConflictError || e instanceof UnprocessableError || e instanceof OutcomeUnknownError;
      if (!retry || i >= 3) {
        throw new Error(
          `cannot publish "${options.dir}" to branch "${options.branch}" of ${options.owner}/${options.repo}`,
          {
            cause: e,
          },
        );
      }
    }
  }
}
