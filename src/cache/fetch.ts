/** The Gitea reads of the reconciler; every request goes through the `GiteaClient` choke point. */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { GiteaClient } from '../gitea/index.ts';
import { GiteaHttpError, isStatus } from '../gitea/index.ts';
import type { GiteaPull } from './derive.ts';
import { untar } from './tar.ts';

const gunzipAsync = promisify(gunzip);

/** What `GET /orgs/{org}/repos` tells about one repo. */
export interface RepoInfo {
  fullName: string;
  updatedAt: string;
  defaultBranch: string;
  empty: boolean;
}

interface GiteaRepo {
  full_name: string;
  updated_at?: string;
  default_branch?: string;
  empty?: boolean;
}

function repoInfo(r: GiteaRepo): RepoInfo {
  return {
    fullName: r.full_name,
    updatedAt: r.updated_at ?? '',
    defaultBranch: r.default_branch || 'main',
    empty: r.empty === true,
  };
}

function split(repo: string): { owner: string; repo: string } {
  const i = repo.indexOf('/');
  return { owner: repo.slice(0, i), repo: repo.slice(i + 1) };
}

/** Every repo of `owner` (an org, else a user), one page per 50 repos. */
export async function listOwnerRepos(client: GiteaClient, owner: string): Promise<Map<string, RepoInfo>> {
  let repos: GiteaRepo[];
  try {
    // routers/api/v1/org: the header is the count of the org's repos the token can see.
    repos = await client.paginate<GiteaRepo>('/orgs/{org}/repos', {
      path: { org: owner },
      stopAtTotal: true,
    });
  } catch (e) {
    if (!isStatus(e, 404)) throw e;
    repos = await client.paginate<GiteaRepo>('/users/{username}/repos', { path: { username: owner } });
  }
  return new Map(repos.map((r) => [r.full_name, repoInfo(r)]));
}

/** One repo, or null when it does not exist (or the token cannot see it). */
export async function getRepo(client: GiteaClient, full: string): Promise<RepoInfo | null> {
  try {
    const res = await client.request<GiteaRepo>('GET', '/repos/{owner}/{repo}', { path: split(full) });
    return repoInfo(res.data);
  } catch (e) {
    if (isStatus(e, 404)) return null;
    throw e;
  }
}

/** Every branch of a repo: name -> tip sha; an empty map for an empty repo. */
export async function listBranches(client: GiteaClient, full: string): Promise<Map<string, string>> {
  const list = await client.paginate<{ name: string; commit?: { id?: string } }>(
    '/repos/{owner}/{repo}/branches',
    {
      path: split(full),
    },
  );
  return new Map(list.map((b) => [b.name, b.commit?.id ?? '']));
}

/** A branch's current tip, or null when the branch (or the repo) does not exist. */
export async function getBranchTip(
  client: GiteaClient,
  full: string,
  branch: string,
): Promise<string | null> {
  try {
    const res = await client.request<{ commit?: { id?: string } }>(
      'GET',
      '/repos/{owner}/{repo}/branches/{branch}',
      { path: { ...split(full), branch } },
    );
    return res.data.commit?.id || null;
  } catch (e) {
    if (isStatus(e, 404)) return null;
    throw e;
  }
}

/** Every pull of a repo, open and closed. */
export async function listPulls(client: GiteaClient, full: string): Promise<GiteaPull[]> {
  return client.paginate<GiteaPull>('/repos/{owner}/{repo}/pulls', {
    path: split(full),
    query: { state: 'all' },
  });
}

/** One pull, or null when it is gone. */
export async function getPull(client: GiteaClient, full: string, number: number): Promise<GiteaPull | null> {
  try {
    const res = await client.request<GiteaPull>('GET', '/repos/{owner}/{repo}/pulls/{index}', {
      path: { ...split(full), index: number },
    });
    return res.data;
  } catch (e) {
    if (isStatus(e, 404)) return null;
    throw e;
  }
}

/** A pull as the issue search reports it: enough to tell most changes without reading the PR. */
export interface SearchHit {
  repo: string;
  number: number;
  updatedAt: string;
  title: string;
  body: string;
  state: 'open' | 'closed' | 'merged';
  closedAt: string | null;
  mergedAt: string | null;
}

/** PRs of `owner`'s repos updated at or after `since` (`GET /repos/issues/search?type=pulls`). */
export async function searchPulls(client: GiteaClient, owner: string, since: string): Promise<SearchHit[]> {
  const hits = await client.paginate<{
    number: number;
    title?: string;
    body?: string;
    state?: string;
    closed_at?: string | null;
    updated_at?: string;
    pull_request?: { merged?: boolean; merged_at?: string | null } | null;
    repository?: { full_name?: string };
  }>('/repos/issues/search', { query: { owner, type: 'pulls', state: 'all', since }, stopAtTotal: true });
  return hits.map((h) => ({
    repo: h.repository?.full_name ?? '',
    number: h.number,
    updatedAt: h.updated_at ?? '',
    title: h.title ?? '',
    body: h.body ?? '',
    state: h.pull_request?.merged ? 'merged' : h.state === 'closed' ? 'closed' : 'open',
    closedAt: h.closed_at ?? null,
    mergedAt: h.pull_request?.merged_at ?? null,
  }));
}

function decodeBase64(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

/** A file's blob sha and text at `ref`, or null when it does not exist there. */
export async function getFile(
  client: GiteaClient,
  full: string,
  path: string,
  ref: string,
): Promise<{ sha: string; text: string } | null> {
  try {
    const res = await client.request<{ type?: string; sha: string; content?: string | null }>(
      'GET',
      '/repos/{owner}/{repo}/contents/{filepath}',
      { path: { ...split(full), filepath: path }, query: { ref } },
    );
    if (Array.isArray(res.data) || res.data.type !== 'file') return null;
    return { sha: res.data.sha, text: decodeBase64(res.data.content ?? '') };
  } catch (e) {
    if (isStatus(e, 404)) return null;
    throw e;
  }
}

/** A blob's text by sha. */
export async function getBlob(client: GiteaClient, full: string, sha: string): Promise<string> {
  const res = await client.request<{ content?: string }>('GET', '/repos/{owner}/{repo}/git/blobs/{sha}', {
    path: { ...split(full), sha },
  });
  return decodeBase64(res.data.content ?? '');
}

/**
 * The files of `sha` from the repo's archive (`GET .../archive/{sha}.tar.gz`, one request), keyed
 * by path inside the repo (`known` is one path the commit holds); null when Gitea will not serve
 * an archive (disabled downloads answer 404, as does an unknown ref).
 */
export async function getArchiveFiles(
  client: GiteaClient,
  full: string,
  sha: string,
  known: string,
): Promise<Map<string, Uint8Array> | null> {
  let bytes: Uint8Array;
  try {
    const res = await client.request<Uint8Array>('GET', '/repos/{owner}/{repo}/archive/{archive}', {
      path: { ...split(full), archive: `${sha}.tar.gz` },
      accept: 'bytes',
    });
    bytes = res.data;
  } catch (e) {
    if (e instanceof GiteaHttpError) return null;
    throw e;
  }
  let files: Map<string, Uint8Array>;
  try {
    files = untar(await gunzipAsync(bytes));
  } catch {
    return null;
  }
  // Gitea prefixes every path with the repo's directory (PREFIX_ARCHIVE_FILES, on by default);
  // `known`, a path the tree holds, tells whether this server does.
  const first = files.keys().next().value?.split('/')[0];
  const prefix = files.has(known) || first === undefined ? '' : `${first}/`;
  const out = new Map<string, Uint8Array>();
  for (const [p, b] of files) if (p.startsWith(prefix)) out.set(p.slice(prefix.length), b);
  return out;
}

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
}

/** One tree, every page (`truncated` says when more follow). */
async function getTree(client: GiteaClient, full: string, sha: string): Promise<TreeEntry[]> {
  const all: TreeEntry[] = [];
  for (let page = 1; ; page++) {
    const res = await client.request<{ tree?: TreeEntry[]; truncated?: boolean }>(
      'GET',
      '/repos/{owner}/{repo}/git/trees/{sha}',
      { path: { ...split(full), sha }, query: page === 1 ? {} : { page } },
    );
    const tree = res.data.tree ?? [];
    all.push(...tree);
    if (!res.data.truncated || tree.length === 0) return all;
  }
}

/** The `rfcs/` tree sha at `commit` and its `*.md` files (path -> blob sha); unchanged `rfcs/` skips the listing. */
export async function listEntryBlobs(
  client: GiteaClient,
  full: string,
  commit: string,
  knownTree: string | null,
): Promise<{ tree: string | null; files: Map<string, string> | null }> {
  const root = await getTree(client, full, commit);
  const rfcs = root.find((e) => e.path === 'rfcs' && e.type === 'tree');
  if (!rfcs) return { tree: null, files: new Map() };
  if (rfcs.sha === knownTree) return { tree: rfcs.sha, files: null };
  const files = new Map<string, string>();
  for (const e of await getTree(client, full, rfcs.sha)) {
    if (e.type === 'blob' && /^[^/]+\.md$/.test(e.path)) files.set(`rfcs/${e.path}`, e.sha);
  }
  return { tree: rfcs.sha, files };
}

interface GiteaCommit {
  sha: string;
  parents?: { sha: string }[];
  files?: { filename: string; status: string }[];
}

/** Entry paths removed in the history of `commit` that are absent now. */
export async function removedEntryPaths(
  client: GiteaClient,
  full: string,
  commit: string,
  present: Set<string>,
): Promise<string[]> {
  const commits = await client.paginate<GiteaCommit>('/repos/{owner}/{repo}/commits', {
    path: split(full),
    query: { sha: commit, path: 'rfcs', stat: false, verification: false, files: true },
  });
  const out = new Set<string>();
  for (const c of commits) {
    for (const f of c.files ?? []) {
      if (f.status === 'removed' && /^rfcs\/[^/]+\.md$/.test(f.filename) && !present.has(f.filename)) {
        out.add(f.filename);
      }
    }
  }
  return [...out].sort();
}

/** The last version of a file deleted from `commit`'s history: its content in the parent of the newest commit that touched it. */
export async function lastVersionOf(
  client: GiteaClient,
  full: string,
  commit: string,
  path: string,
): Promise<{ sha: string; text: string } | null> {
  const res = await client.request<GiteaCommit[]>('GET', '/repos/{owner}/{repo}/commits', {
    path: split(full),
    query: { sha: commit, path, stat: false, verification: false, files: false, limit: 1 },
  });
  const parent = res.data[0]?.parents?.[0]?.sha;
  if (!parent) return null;
  return getFile(client, full, path, parent);
}
