import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBranchDir } from '../../src/action/branch-files.ts';
import { publishDir } from '../../src/action/publish.ts';
import { GiteaClient } from '../../src/gitea/index.ts';
import { type SimHandle, startSimulator } from '../../src/sim/index.ts';

let sim: SimHandle;
let gitea: GiteaClient;
let tmp: string;
let owner: string;
let repo: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'example' });
  [owner, repo] = sim.metaRepo.split('/') as [string, string];
  gitea = new GiteaClient({ baseUrl: sim.url, token: sim.token, retries: 0 });
  tmp = await mkdtemp(join(tmpdir(), 'rfc-publish-'));
});
afterAll(async () => {
  await sim?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function files(dir: string, content: Record<string, string>): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  for (const [path, text] of Object.entries(content)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

async function tree(branch: string): Promise<string[]> {
  const b = await gitea.request<{ commit: { id: string } }>(
    'GET',
    '/repos/{owner}/{repo}/branches/{branch}',
    {
      path: { owner, repo, branch },
    },
  );
  const t = await gitea.request<{ tree: { path: string; type: string }[] }>(
    'GET',
    '/repos/{owner}/{repo}/git/trees/{sha}',
    { path: { owner, repo, sha: b.data.commit.id }, query: { recursive: true } },
  );
  return t.data.tree
    .filter((e) => e.type === 'blob')
    .map((e) => e.path)
    .sort();
}

describe('publishDir', () => {
  const opts = (dir: string, over = {}) => ({
    owner,
    repo,
    branch: 'site',
    dir,
    message: 'Publish',
    ...over,
  });

  it('creates the branch holding exactly the directory, then writes only differences', async () => {
    const dir = await files(join(tmp, 'a'), {
      'index.html': '<p>1</p>',
      'rfcs/x.html': 'x',
      'old.html': 'old',
    });
    const created = await publishDir(opts(dir), { gitea });
    expect(created).toMatchObject({ outcome: 'created', files: { create: 3, update: 0 } });
    expect(await tree('site')).toEqual(['index.html', 'old.html', 'rfcs/x.html']);

    expect(await publishDir(opts(dir), { gitea })).toEqual({ outcome: 'unchanged', commit: created.commit });

    await files(dir, { 'index.html': '<p>2</p>', 'rfcs/x.html': 'x', 'new.html': 'n' });
    const updated = await publishDir(opts(dir), { gitea });
    expect(updated).toMatchObject({ outcome: 'updated', files: { create: 1, update: 1, delete: 1 } });
    expect(await tree('site')).toEqual(['index.html', 'new.html', 'rfcs/x.html']);
  });

  it('compares again after a conflicting write (409) and still publishes once', async () => {
    const dir = await files(join(tmp, 'b'), { 'index.html': '<p>3</p>' });
    const remove = sim.faults.add({
      method: 'POST',
      route: '/repos/{owner}/{repo}/contents',
      status: 409,
      times: 1,
    });
    try {
      const res = await publishDir(opts(dir), { gitea });
      expect(res).toMatchObject({ outcome: 'updated', files: { create: 0, update: 1, delete: 2 } });
    } finally {
      remove();
    }
    expect(await tree('site')).toEqual(['index.html']);
  });

  it('with a prefix manages only that folder, and leaves excluded files out', async () => {
    const dir = await files(join(tmp, 'c'), { 'meta.json': '{}', 'cache.sqlite': 'db' });
    await publishDir(
      opts(dir, { branch: 'cache', prefix: 'art', exclude: (p: string) => p.endsWith('.sqlite') }),
      {
        gitea,
      },
    );
    expect(await tree('cache')).toEqual(['art/meta.json']);
    const back = join(tmp, 'back');
    await files(back, { 'stale.json': 'gone', 'cache.sqlite': 'kept' });
    const read = await readBranchDir({ owner, repo, branch: 'cache', dir: 'art', into: back }, { gitea });
    expect(read).toMatchObject({ outcome: 'read', files: ['meta.json'] });
    expect((await readdir(back)).sort()).toEqual(['cache.sqlite', 'meta.json']);
  });

  it('refuses an empty directory, naming it', async () => {
    const dir = join(tmp, 'empty');
    await mkdir(dir, { recursive: true });
    await expect(publishDir(opts(dir), { gitea })).rejects.toThrow(`site directory "${dir}" is empty`);
  });
});
