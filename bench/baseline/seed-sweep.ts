/**
 * The baseline: the request sequence of the seed's reconciler sweep, with paging added. One
 * request at a time: list `rfcs/`, read every entry file, list the meta repo's branches and its
 * open and closed pulls, then for every active RFC read `RFC.md`, list its branches and its open
 * and closed pulls. It keeps nothing between sweeps, so every sweep costs the same.
 */
import { parseEntry } from '../../src/entry/index.ts';
import { GiteaClient, isStatus } from '../../src/gitea/index.ts';

/** Options of one baseline sweep. */
export interface BaselineOptions {
  giteaUrl: string;
  token: string;
  metaRepo: string;
}

/** Counts of what the baseline read. */
export interface BaselineResult {
  entries: number;
  active: number;
  pulls: number;
  requests: number;
}

/** Runs one baseline sweep. */
export async function baselineSweep(options: BaselineOptions): Promise<BaselineResult> {
  const client = new GiteaClient({ baseUrl: options.giteaUrl, token: options.token, concurrency: 1 });
  const [owner, repo] = options.metaRepo.split('/') as [string, string];
  const dir = await client.request<{ type: string; name: string; path: string }[]>(
    'GET',
    '/repos/{owner}/{repo}/contents/{filepath}',
    { path: { owner, repo, filepath: 'rfcs' }, query: { ref: 'main' } },
  );
  const active: string[] = [];
  let entries = 0;
  for (const f of dir.data) {
    if (f.type !== 'file' || !f.name.endsWith('.md')) continue;
    const file = await client.request<{ content: string }>(
      'GET',
      '/repos/{owner}/{repo}/contents/{filepath}',
      {
        path: { owner, repo, filepath: f.path },
        query: { ref: 'main' },
      },
    );
    const parsed = parseEntry(Buffer.from(file.data.content, 'base64').toString('utf8'), { path: f.path });
    entries++;
    if (parsed.ok && parsed.entry.state === 'active' && parsed.entry.repo) active.push(parsed.entry.repo);
  }
  await client.paginate('/repos/{owner}/{repo}/branches', { path: { owner, repo } });
  let pulls = 0;
  for (const state of ['open', 'closed']) {
    pulls += (
      await client.paginate('/repos/{owner}/{repo}/pulls', { path: { owner, repo }, query: { state } })
    ).length;
  }
  for (const full of active) {
    const [o, r] = full.split('/') as [string, string];
    try {
      await client.request('GET', '/repos/{owner}/{repo}/contents/{filepath}', {
        path: { owner: o, repo: r, filepath: 'RFC.md' },
        query: { ref: 'main' },
      });
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
    }
    await client.paginate('/repos/{owner}/{repo}/branches', { path: { owner: o, repo: r } });
    for (const state of ['open', 'closed']) {
      pulls += (
        await client.paginate('/repos/{owner}/{repo}/pulls', {
          path: { owner: o, repo: r },
          query: { state },
        })
      ).length;
    }
  }
  return { entries, active: active.length, pulls, requests: client.stats().total };
}
