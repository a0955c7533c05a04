import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimHandle } from '../../src/sim/index.ts';
import { authedUrl, call, expectStatus, git, orgWithRepo, tempDir, withSim } from './helpers.ts';

let sim: SimHandle;
let stop: () => Promise<void>;
const work = tempDir('sim-clone-');

beforeAll(async () => {
  ({ sim, stop } = await withSim());
  await orgWithRepo(sim, 'acme', 'meta');
});
afterAll(async () => {
  await stop();
  work.cleanup();
});

const hasPullRoutes = () => existsSync(new URL('../../src/sim/routes/pulls.ts', import.meta.url));

describe('git over HTTP', () => {
  it('clones, pushes a branch, merges a PR and records the events', async () => {
    const dir = join(work.path, 'flow');
    await git(work.path, ['clone', '--quiet', authedUrl(sim, 'acme/meta', sim.token), dir]);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# meta\n\n');

    const moves: string[] = [];
    const off = sim.core.store.onRefUpdate((repo, ref, oldSha, newSha, pusher) => {
      moves.push(`${repo.name} ${ref} ${oldSha.slice(0, 7)} ${newSha.slice(0, 7)} ${pusher.login}`);
    });
    sim.events.clear();
    await git(dir, ['checkout', '--quiet', '-b', 'feature/x']);
    writeFileSync(join(dir, 'x.md'), 'x\n');
    await git(dir, ['add', 'x.md']);
    await git(dir, ['commit', '--quiet', '-m', 'Add x']);
    await git(dir, ['push', '--quiet', 'origin', 'feature/x']);
    const head = (await git(dir, ['rev-parse', 'HEAD'])).trim();
    off();

    expect(moves).toEqual([`meta refs/heads/feature/x 0000000 ${head.slice(0, 7)} gitea-admin`]);
    const names = sim.events.list().map((e) => e.name);
    expect(names).toEqual(['create', 'push']);
    const push = sim.events.list()[1]!.payload as {
      head_commit: unknown;
      repository: { full_name: string };
      pusher: { login: string };
    };
    expect(push).toMatchObject({ ref: 'refs/heads/feature/x', after: head, total_commits: 2 });
    expect(push.head_commit).toMatchObject({
      id: head,
      message: 'Add x\n',
      added: ['x.md'],
      removed: [],
      modified: [],
    });
    expect(push.repository.full_name).toBe('acme/meta');
    expect(push.pusher.login).toBe('gitea-admin');
    const branch = expectStatus(await call(sim, 'GET', '/repos/acme/meta/branches/feature/x'), 200);
    expect(branch.body.commit.id).toBe(head);

    if (!hasPullRoutes()) return;
    const pr = expectStatus(
      await call(sim, 'POST', '/repos/acme/meta/pulls', {
        body: { head: 'feature/x', base: 'main', title: 'Add x' },
      }),
      201,
    );
    expectStatus(
      await call(sim, 'POST', `/repos/acme/meta/pulls/${pr.body.number}/merge`, { body: { Do: 'merge' } }),
      200,
    );
    await git(dir, ['fetch', '--quiet', 'origin']);
    const parents = (await git(dir, ['log', '-1', '--format=%P', 'origin/main'])).trim().split(' ');
    expect(parents).toHaveLength(2);
    expect(parents[1]).toBe(head);
    expect(await git(dir, ['show', 'origin/main:x.md'])).toBe('x\n');
    const after = sim.events.list().map((e) => e.name);
    expect(after).toContain('pull_request');
    expect(after.at(-1) === 'push' || after.includes('push')).toBe(true);
    const mainPush = sim.events
      .list()
      .filter((e) => e.name === 'push')
      .map((e) => e.payload as { ref: string; after: string })
      .find((p) => p.ref === 'refs/heads/main');
    expect(mainPush?.after).toBe((await git(dir, ['rev-parse', 'origin/main'])).trim());
  });

  it('updates and deletes a branch by push with push and delete events', async () => {
    const dir = join(work.path, 'upd');
    await git(work.path, ['clone', '--quiet', authedUrl(sim, 'acme/meta', sim.token, 'gitea-admin'), dir]);
    await git(dir, ['checkout', '--quiet', '-b', 'tmp']);
    await git(dir, ['push', '--quiet', 'origin', 'tmp']);
    writeFileSync(join(dir, 'y.md'), 'y\n');
    await git(dir, ['add', 'y.md']);
    await git(dir, ['commit', '--quiet', '-m', 'Add y']);
    sim.events.clear();
    const before = (await call(sim, 'GET', '/repos/acme/meta')).body.updated_at;
    await git(dir, ['push', '--quiet', 'origin', 'tmp']);
    await git(dir, ['push', '--quiet', 'origin', '--delete', 'tmp']);
    expect(sim.events.list().map((e) => e.name)).toEqual(['push', 'delete']);
    expect(sim.events.list()[0]!.payload).toMatchObject({
      total_commits: 1,
      commits: [{ message: 'Add y\n', added: ['y.md'] }],
    });
    expect((await call(sim, 'GET', '/repos/acme/meta')).body.updated_at >= before).toBe(true);
    expect((await call(sim, 'GET', '/repos/acme/meta/branches/tmp')).status).toBe(404);
  });

  it('refuses pushes without write permission and clones anonymously from a public repo', async () => {
    const reader = await sim.createUser('gitreader');
    await sim.setCollaborator('acme/meta', 'gitreader', 'read');
    const dir = join(work.path, 'ro');
    await git(work.path, ['clone', '--quiet', `${sim.url}/acme/meta.git`, dir]);
    await git(dir, ['checkout', '--quiet', '-b', 'nope']);
    await git(dir, ['remote', 'set-url', 'origin', authedUrl(sim, 'acme/meta', reader.token)]);
    await expect(git(dir, ['push', '--quiet', 'origin', 'nope'])).rejects.toThrow(/403/);
    const ro = await sim.createToken('gitea-admin', { readOnly: true });
    await git(dir, ['remote', 'set-url', 'origin', authedUrl(sim, 'acme/meta', ro)]);
    await expect(git(dir, ['push', '--quiet', 'origin', 'nope'])).rejects.toThrow(/403/);
    await git(dir, ['remote', 'set-url', 'origin', `${sim.url}/acme/meta.git`]);
    await expect(git(dir, ['push', '--quiet', 'origin', 'nope'])).rejects.toThrow();
    expect((await call(sim, 'GET', '/repos/acme/meta/branches/nope')).status).toBe(404);
  });

  it('sees API writes in a fetch (objects written by the API are valid git)', async () => {
    const dir = join(work.path, 'api');
    await git(work.path, ['clone', '--quiet', `${sim.url}/acme/meta.git`, dir]);
    expectStatus(
      await call(sim, 'POST', '/repos/acme/meta/contents', {
        body: {
          files: [
            { operation: 'create', path: 'deep/a/b.md', content: Buffer.from('b').toString('base64') },
            { operation: 'create', path: 'deep/c.md', content: Buffer.from('c').toString('base64') },
          ],
        },
      }),
      201,
    );
    await git(dir, ['pull', '--quiet', '--ff-only']);
    expect(readFileSync(join(dir, 'deep/a/b.md'), 'utf8')).toBe('b');
    await git(dir, ['fsck', '--strict']);
    await git(sim.core.git.pathOf('acme', 'meta'), ['fsck', '--strict']);
  });
});
