import { type CommitObject, type FileDiff, signatureIso, type TreeEntry } from './git.ts';
import { ApiError, type SimCore } from './server.ts';
import { apiCommitUser, userByEmail } from './shapes.ts';
import type { RepoRecord } from './store.ts';

export interface ResolvedRef {
  /** The name as given (or the default branch). */
  name: string;
  kind: 'branch' | 'tag' | 'commit';
  sha: string;
}

/** Resolves a branch, tag or commit sha (default: the default branch) or fails with 404. */
export async function resolveRef(
  core: SimCore,
  repo: RepoRecord,
  ref: string | null | undefined,
): Promise<ResolvedRef> {
  const gitDir = core.git.pathOf(repo.owner, repo.name);
  const name = ref || repo.defaultBranch;
  const refs = await core.git.listRefs(gitDir);
  const kind: ResolvedRef['kind'] = refs.has(`refs/heads/${name}`)
    ? 'branch'
    : refs.has(`refs/tags/${name}`)
      ? 'tag'
      : 'commit';
  const sha = await core.git.resolveCommit(gitDir, name);
  if (!sha) throw new ApiError(404, `object does not exist [id: ${name}, rel_path: ]`);
  return { name, kind, sha };
}

/** Path segments escaped for URLs, slashes kept (Gitea's `util.PathEscapeSegments`). */
export function escapePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

const lastCommitCache = new Map<string, string>();

/** The last commit at or before `commitSha` that touched `path` (`git log -1 -- path`). */
export async function lastCommitFor(
  core: SimCore,
  gitDir: string,
  commitSha: string,
  path: string,
): Promise<string> {
  if (path === '') return commitSha;
  const key = `${gitDir}\0${commitSha}\0${path}`;
  const hit = lastCommitCache.get(key);
  if (hit) return hit;
  const sha = await core.git.lastCommitTouching(gitDir, commitSha, path);
  if (lastCommitCache.size > 100_000) lastCommitCache.clear();
  lastCommitCache.set(key, sha);
  return sha;
}

function entryType(e: TreeEntry): 'file' | 'dir' | 'symlink' | 'submodule' {
  if (e.type === 'tree') return 'dir';
  if (e.type === 'commit') return 'submodule';
  if (e.mode === '120000') return 'symlink';
  return 'file';
}

/**
 * ContentsResponse for one entry (Gitea's `files_service.GetContents`). Fields Gitea sends as
 * null (content of a dir, target of a file, ...) are left out, which the spec's schema accepts.
 */
export async function contentsEntry(
  core: SimCore,
  repo: RepoRecord,
  ref: ResolvedRef,
  path: string,
  entry: TreeEntry,
  withContent: boolean,
): Promise<Record<string, unknown>> {
  const gitDir = core.git.pathOf(repo.owner, repo.name);
  const api = `${core.baseUrl}/api/v1/repos/${repo.owner}/${repo.name}`;
  const web = `${core.baseUrl}/${repo.owner}/${repo.name}`;
  const type = entryType(entry);
  const selfUrl = `${api}/contents/${escapePath(path)}?ref=${encodeURIComponent(ref.name)}`;
  const gitUrl = `${api}/git/${type === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`;
  const htmlUrl = `${web}/src/${ref.kind}/${escapePath(ref.name)}/${escapePath(path)}`;
  const out: Record<string, unknown> = {
    _links: { git: gitUrl, html: htmlUrl, self: selfUrl },
    git_url: gitUrl,
    html_url: htmlUrl,
    last_commit_sha: await lastCommitFor(core, gitDir, ref.sha, path),
    name: path.split('/').pop() ?? path,
    path,
    sha: entry.sha,
    size: 0,
    type,
    url: selfUrl,
  };
  if (type === 'file' || type === 'symlink') {
    const blob = (await core.git.readBlob(gitDir, entry.sha)) ?? Buffer.alloc(0);
    out.size = blob.length;
    out.download_url = `${web}/raw/${ref.kind}/${escapePath(ref.name)}/${escapePath(path)}`;
    if (type === 'symlink') out.target = blob.toString('utf8');
    if (withContent && type === 'file') {
      out.encoding = 'base64';
      out.content = blob.toString('base64');
    }
  }
  if (type === 'submodule') out.submodule_git_url = '';
  return out;
}

/** FileCommitResponse for a commit written by the contents API. */
export function fileCommit(core: SimCore, repo: RepoRecord, c: CommitObject): Record<string, unknown> {
  const api = `${core.baseUrl}/api/v1/repos/${repo.owner}/${repo.name}`;
  return {
    author: apiCommitUser(c.author),
    committer: apiCommitUser(c.committer),
    created: signatureIso(c.committer),
    html_url: `${core.baseUrl}/${repo.owner}/${repo.name}/commit/${c.sha}`,
    message: c.message,
    parents: c.parents.map((p) => ({ created: ZERO_TIME, sha: p, url: `${api}/git/commits/${p}` })),
    sha: c.sha,
    tree: { created: ZERO_TIME, sha: c.tree, url: `${api}/git/trees/${c.tree}` },
    url: `${api}/git/commits/${c.sha}`,
  };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** PayloadCommitVerification of an unsigned commit, as Gitea reports it. */
export const UNSIGNED = {
  payload: '',
  reason: 'gpg.error.not_signed_commit',
  signature: '',
  verified: false,
};

/** The Commit definition (commits list and `git/commits/{sha}`). */
export async function apiCommit(
  core: SimCore,
  repo: RepoRecord,
  c: CommitObject,
  opts: { stat: boolean; files: boolean; verification: boolean },
): Promise<Record<string, unknown>> {
  const gitDir = core.git.pathOf(repo.owner, repo.name);
  const api = `${core.baseUrl}/api/v1/repos/${repo.owner}/${repo.name}`;
  const web = `${core.baseUrl}/${repo.owner}/${repo.name}`;
  const out: Record<string, unknown> = {
    author: userByEmail(core.baseUrl, core.store, c.author.email),
    commit: {
      author: apiCommitUser(c.author),
      committer: apiCommitUser(c.committer),
      message: c.message,
      tree: { created: signatureIso(c.committer), sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      url: `${api}/git/commits/${c.sha}`,
      ...(opts.verification ? { verification: UNSIGNED } : {}),
    },
    committer: userByEmail(core.baseUrl, core.store, c.committer.email),
    created: signatureIso(c.committer),
    html_url: `${web}/commit/${c.sha}`,
    parents: await Promise.all(
      c.parents.map(async (p) => {
        const pc = await core.git.readCommit(gitDir, p);
        return {
          created: pc ? signatureIso(pc.committer) : ZERO_TIME,
          sha: p,
          url: `${api}/git/commits/${p}`,
        };
      }),
    ),
    sha: c.sha,
    url: `${api}/git/commits/${c.sha}`,
  };
  if (out.author === null) delete out.author;
  if (out.committer === null) delete out.committer;
  let diff: FileDiff[] | null = null;
  if (opts.files || opts.stat) diff = await core.git.commitDiff(gitDir, c.sha);
  if (opts.files && diff) {
    // Gitea's ToCommit lists added, then removed, then modified files.
    const order: FileDiff['status'][] = ['added', 'removed', 'modified'];
    out.files = order.flatMap((st) =>
      diff.filter((d) => d.status === st).map((d) => ({ filename: d.path, status: st })),
    );
  }
  if (opts.stat) {
    const ns = await core.git.numstat(gitDir, c.sha);
    let additions = 0;
    let deletions = 0;
    for (const v of ns.values()) {
      additions += v.additions;
      deletions += v.deletions;
    }
    out.stats = { additions, deletions, total: additions + deletions };
  }
  return out;
}
