import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimHandle } from '../../src/sim/index.ts';
import { b64, call, expectStatus, orgWithRepo, withSim } from './helpers.ts';

let sim: SimHandle;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, stop } = await withSim());
  await orgWithRepo(sim, 'acme', 'meta');
});
afterAll(async () => stop());

describe('paging', () => {
  beforeAll(async () => {
    for (let i = 1; i <= 6; i++) {
      expectStatus(await call(sim, 'POST', '/orgs/acme/repos', { body: { name: `r${i}` } }), 201);
    }
  });

  it.each([
    { query: '?limit=3&page=2', count: 3, next: 3, last: 3, first: 1, prev: 1 },
    { query: '?limit=3', count: 3, next: 2, last: 3, first: null, prev: null },
    { query: '?limit=3&page=3', count: 1, next: null, last: null, first: 1, prev: 2 },
    { query: '', count: 7, next: null, last: null, first: null, prev: null },
  ])(
    'lists org repos $query with X-Total-Count and Link',
    async ({ query, count, next, last, first, prev }) => {
      const r = expectStatus(await call(sim, 'GET', `/orgs/acme/repos${query}`), 200);
      expect(r.body).toHaveLength(count);
      expect(r.headers.get('x-total-count')).toBe('7');
      const link = r.headers.get('link') ?? '';
      const rel = (name: string) => {
        const m = new RegExp(`<([^>]+)>; rel="${name}"`).exec(link);
        return m ? Number(new URL(m[1]!).searchParams.get('page')) : null;
      };
      expect({ next: rel('next'), last: rel('last'), first: rel('first'), prev: rel('prev') }).toEqual({
        next,
        last,
        first,
        prev,
      });
    },
  );

  it('orders org repos by id and keeps the query in Link URLs', async () => {
    const r = await call(sim, 'GET', '/orgs/acme/repos?limit=2&page=1');
    expect(r.body.map((x: { name: string }) => x.name)).toEqual(['meta', 'r1']);
    expect(r.headers.get('link')).toContain(`${sim.url}/api/v1/orgs/acme/repos?limit=2&page=2`);
  });

  it('clamps limit to 50 and defaults to 30', async () => {
    for (let i = 7; i <= 55; i++) await call(sim, 'POST', '/orgs/acme/repos', { body: { name: `r${i}` } });
    expect((await call(sim, 'GET', '/orgs/acme/repos?limit=100')).body).toHaveLength(50);
    expect((await call(sim, 'GET', '/orgs/acme/repos')).body).toHaveLength(30);
    expect((await call(sim, 'GET', '/orgs/acme/repos')).headers.get('x-total-count')).toBe('56');
  });
});

describe('auth', () => {
  it('answers 401 for writes without a token and for unknown tokens', async () => {
    const body = { content: b64('x') };
    expect((await call(sim, 'POST', '/repos/acme/meta/contents/a.md', { token: null, body })).status).toBe(
      401,
    );
    expect((await call(sim, 'GET', '/user', { token: 'nope' })).status).toBe(401);
    expect((await call(sim, 'GET', '/user', { token: null })).status).toBe(401);
  });

  it('lets a read-only token read but answers 403 to its writes', async () => {
    const ro = await sim.createToken('gitea-admin', { readOnly: true });
    expect((await call(sim, 'GET', '/repos/acme/meta', { token: ro })).status).toBe(200);
    const w = await call(sim, 'POST', '/repos/acme/meta/contents/ro.md', {
      token: ro,
      body: { content: b64('x') },
    });
    expect(w.status).toBe(403);
    expect(Object.keys(w.body).sort()).toEqual(['message', 'url']);
  });

  it('answers 403 to a reader and allows a writer collaborator', async () => {
    const reader = await sim.createUser('reader');
    const writer = await sim.createUser('writer');
    await sim.setCollaborator('acme/meta', 'reader', 'read');
    expectStatus(
      await call(sim, 'PUT', '/repos/acme/meta/collaborators/writer', { body: { permission: 'write' } }),
      204,
    );
    expect(
      (
        await call(sim, 'POST', '/repos/acme/meta/contents/r.md', {
          token: reader.token,
          body: { content: b64('x') },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call(sim, 'POST', '/repos/acme/meta/contents/w.md', {
          token: writer.token,
          body: { content: b64('x') },
        })
      ).status,
    ).toBe(201);
    const perm = expectStatus(
      await call(sim, 'GET', '/repos/acme/meta/collaborators/writer/permission'),
      200,
    );
    expect(perm.body.permission).toBe('write');
    expect(perm.body.user.login).toBe('writer');
    expect((await call(sim, 'GET', '/repos/acme/meta/collaborators/reader')).status).toBe(204);
    expect((await call(sim, 'GET', '/repos/acme/meta/collaborators/gitea-admin')).status).toBe(404);
  });

  it('lets a site admin act as another user with sudo, and nobody else', async () => {
    const carol = await sim.createUser('carol');
    expect((await call(sim, 'GET', '/user?sudo=carol')).body.login).toBe('carol');
    const viaHeader = await fetch(`${sim.url}/api/v1/user`, {
      headers: { authorization: `token ${sim.token}`, sudo: 'carol' },
    });
    expect(((await viaHeader.json()) as { login: string }).login).toBe('carol');
    expect((await call(sim, 'GET', '/user?sudo=nobody')).status).toBe(404);
    expect((await call(sim, 'GET', '/user?sudo=gitea-admin', { token: carol.token })).status).toBe(403);
  });

  it('creates tokens only with Basic auth and a password', async () => {
    const admin = { authorization: `token ${sim.token}`, 'content-type': 'application/json' };
    expectStatus(
      await call(sim, 'POST', '/admin/users', {
        body: { username: 'pat', email: 'pat@example.org', password: 's3cret' },
      }),
      201,
    );
    const url = `${sim.url}/api/v1/users/pat/tokens`;
    const body = JSON.stringify({ name: 'ci', scopes: ['write:repository'] });
    expect((await fetch(url, { method: 'POST', headers: admin, body })).status).toBe(401);
    const basic = {
      authorization: `Basic ${Buffer.from('pat:s3cret').toString('base64')}`,
      'content-type': 'application/json',
    };
    const res = await fetch(url, { method: 'POST', headers: basic, body });
    expect(res.status).toBe(201);
    const token = (await res.json()) as { sha1: string; scopes: string[]; token_last_eight: string };
    expect(token.scopes).toEqual(['write:repository']);
    expect(token.sha1.slice(-8)).toBe(token.token_last_eight);
    expect((await call(sim, 'GET', '/user', { token: token.sha1 })).status).toBe(403);
    expect((await fetch(url, { method: 'POST', headers: basic, body })).status).toBe(400);
    const badScope = JSON.stringify({ name: 'other', scopes: ['write:everything'] });
    expect((await fetch(url, { method: 'POST', headers: basic, body: badScope })).status).toBe(400);
  });
});

describe('contents', () => {
  it('creates, reads, updates with sha checks and deletes a file', async () => {
    const created = expectStatus(
      await call(sim, 'POST', '/repos/acme/meta/contents/docs/a.md', {
        body: { content: b64('one\n'), message: 'Add a' },
      }),
      201,
    );
    const sha = created.body.content.sha as string;
    expect(created.body.commit.message).toBe('Add a\n');
    const read = expectStatus(await call(sim, 'GET', '/repos/acme/meta/contents/docs/a.md'), 200);
    expect(Buffer.from(read.body.content, 'base64').toString()).toBe('one\n');
    expect(read.body.last_commit_sha).toBe(created.body.commit.sha);

    expect(
      (await call(sim, 'POST', '/repos/acme/meta/contents/docs/a.md', { body: { content: b64('x') } }))
        .status,
    ).toBe(422);
    const wrong = await call(sim, 'PUT', '/repos/acme/meta/contents/docs/a.md', {
      body: { content: b64('two'), sha: '0'.repeat(40) },
    });
    expect(wrong.status).toBe(422);
    expect(
      (await call(sim, 'PUT', '/repos/acme/meta/contents/docs/a.md', { body: { content: b64('two') } }))
        .status,
    ).toBe(422);
    expect(
      (await call(sim, 'PUT', '/repos/acme/meta/contents/docs/none.md', { body: { content: b64('x'), sha } }))
        .status,
    ).toBe(404);
    const updated = expectStatus(
      await call(sim, 'PUT', '/repos/acme/meta/contents/docs/a.md', { body: { content: b64('two\n'), sha } }),
      200,
    );
    expect(updated.body.commit.parents[0].sha).toBe(created.body.commit.sha);

    const dir = expectStatus(await call(sim, 'GET', '/repos/acme/meta/contents/docs'), 200);
    expect(dir.body.map((e: { path: string; type: string }) => [e.path, e.type])).toEqual([
      ['docs/a.md', 'file'],
    ]);
    const raw = await fetch(`${sim.url}/api/v1/repos/acme/meta/raw/docs/a.md`, {
      headers: { authorization: `token ${sim.token}` },
    });
    expect(await raw.text()).toBe('two\n');

    const del = await call(sim, 'DELETE', '/repos/acme/meta/contents/docs/a.md', {
      body: { sha: updated.body.content.sha },
    });
    expect(del.status).toBe(200);
    expect((await call(sim, 'GET', '/repos/acme/meta/contents/docs/a.md')).status).toBe(404);
  });

  it('changes several files in one commit on a new branch', async () => {
    const r = expectStatus(
      await call(sim, 'POST', '/repos/acme/meta/contents', {
        body: {
          branch: 'main',
          new_branch: 'feature/multi',
          message: 'Multi',
          author: { name: 'Ann Author', email: 'ann@example.org' },
          dates: { author: '2024-05-01T10:00:00Z', committer: '2024-05-01T10:00:00Z' },
          files: [
            { operation: 'create', path: 'x/one.md', content: b64('1') },
            { operation: 'create', path: 'x/two.md', content: b64('2') },
          ],
        },
      }),
      201,
    );
    expect(r.body.files.map((f: { path: string }) => f.path)).toEqual(['x/one.md', 'x/two.md']);
    expect(r.body.commit.author).toEqual({
      date: '2024-05-01T10:00:00Z',
      email: 'ann@example.org',
      name: 'Ann Author',
    });
    expect((await call(sim, 'GET', '/repos/acme/meta/contents/x/one.md')).status).toBe(404);
    const onBranch = await call(sim, 'GET', '/repos/acme/meta/contents/x/one.md?ref=feature/multi');
    expect(onBranch.status).toBe(200);
    const again = await call(sim, 'POST', '/repos/acme/meta/contents', {
      body: {
        new_branch: 'feature/multi',
        files: [{ operation: 'create', path: 'y.md', content: b64('y') }],
      },
    });
    expect(again.status).toBe(422);
    const missingBranch = await call(sim, 'POST', '/repos/acme/meta/contents', {
      body: { branch: 'nope', files: [{ operation: 'create', path: 'y.md', content: b64('y') }] },
    });
    expect(missingBranch.status).toBe(404);
  });
});

describe('branches, trees and commits', () => {
  it('creates a branch, 409 when it exists, deletes it with a delete event', async () => {
    const created = expectStatus(
      await call(sim, 'POST', '/repos/acme/meta/branches', {
        body: { new_branch_name: 'topic/a', old_ref_name: 'main' },
      }),
      201,
    );
    expect(created.body.name).toBe('topic/a');
    expect(
      (await call(sim, 'POST', '/repos/acme/meta/branches', { body: { new_branch_name: 'topic/a' } })).status,
    ).toBe(409);
    expect(
      (
        await call(sim, 'POST', '/repos/acme/meta/branches', {
          body: { new_branch_name: 'topic/b', old_ref_name: 'nope' },
        })
      ).status,
    ).toBe(404);
    expect((await call(sim, 'GET', '/repos/acme/meta/branches/topic/a')).body.commit.id).toBe(
      created.body.commit.id,
    );
    expect((await call(sim, 'DELETE', '/repos/acme/meta/branches/main')).status).toBe(403);
    sim.events.clear();
    expect((await call(sim, 'DELETE', '/repos/acme/meta/branches/topic/a')).status).toBe(204);
    expect((await call(sim, 'GET', '/repos/acme/meta/branches/topic/a')).status).toBe(404);
    const events = sim.events.list();
    expect(events.map((e) => e.name)).toEqual(['delete']);
    expect(events[0]!.payload).toMatchObject({ ref: 'topic/a', ref_type: 'branch', pusher_type: 'user' });
  });

  it('lists branches newest head commit first, then by name, like Gitea', async () => {
    await call(sim, 'POST', '/orgs/acme/repos', { body: { name: 'branchorder', auto_init: true } });
    await call(sim, 'POST', '/repos/acme/branchorder/branches', { body: { new_branch_name: 'a-same' } });
    const dated = (branch: string, date: string) =>
      call(sim, 'POST', '/repos/acme/branchorder/contents', {
        body: {
          new_branch: branch,
          dates: { author: date, committer: date },
          files: [{ operation: 'create', path: `${branch}.md`, content: b64(branch) }],
        },
      });
    expectStatus(await dated('future', '2099-01-01T00:00:00Z'), 201);
    expectStatus(await dated('past', '2001-01-01T00:00:00Z'), 201);
    const list = expectStatus(await call(sim, 'GET', '/repos/acme/branchorder/branches'), 200);
    expect(list.body.map((b: { name: string }) => b.name)).toEqual(['future', 'a-same', 'main', 'past']);
    expect(list.headers.get('x-total-count')).toBe('4');
  });

  it('lists git refs by prefix and 404s for an unknown one', async () => {
    const heads = expectStatus(await call(sim, 'GET', '/repos/acme/branchorder/git/refs/heads'), 200);
    expect(heads.body.map((r: { ref: string }) => r.ref)).toEqual([
      'refs/heads/a-same',
      'refs/heads/future',
      'refs/heads/main',
      'refs/heads/past',
    ]);
    const one = expectStatus(await call(sim, 'GET', '/repos/acme/branchorder/git/refs/heads/main'), 200);
    expect(one.body[0].object.type).toBe('commit');
    expect(one.body[0].url).toBe(`${sim.url}/api/v1/repos/acme/branchorder/git/refs/heads/main`);
    expect((await call(sim, 'GET', '/repos/acme/branchorder/git/refs/tags')).status).toBe(404);
  });

  it('pages a recursive tree with per_page and truncated', async () => {
    await call(sim, 'POST', '/orgs/acme/repos', { body: { name: 'treepaging', auto_init: true } });
    await call(sim, 'POST', '/repos/acme/treepaging/contents', {
      body: {
        files: ['a/1', 'a/2', 'b/3'].map((path) => ({ operation: 'create', path, content: b64(path) })),
      },
    });
    const all = expectStatus(
      await call(sim, 'GET', '/repos/acme/treepaging/git/trees/main?recursive=true'),
      200,
    );
    expect(all.body.tree.map((e: { path: string }) => e.path)).toEqual([
      'README.md',
      'a',
      'a/1',
      'a/2',
      'b',
      'b/3',
    ]);
    expect(all.body.truncated).toBe(false);
    const p2 = await call(
      sim,
      'GET',
      '/repos/acme/treepaging/git/trees/main?recursive=true&per_page=4&page=2',
    );
    expect(p2.body).toMatchObject({ page: 2, total_count: 6, truncated: false });
    expect(p2.body.tree.map((e: { path: string }) => e.path)).toEqual(['b', 'b/3']);
    const p1 = await call(sim, 'GET', '/repos/acme/treepaging/git/trees/main?recursive=true&per_page=4');
    expect(p1.body.truncated).toBe(true);
    const blob = expectStatus(
      await call(sim, 'GET', `/repos/acme/treepaging/git/blobs/${all.body.tree[2].sha}`),
      200,
    );
    expect(Buffer.from(blob.body.content, 'base64').toString()).toBe('a/1');
  });

  it('lists commits with path filter and paging', async () => {
    await call(sim, 'POST', '/orgs/acme/repos', { body: { name: 'hist', auto_init: true } });
    let sha = '';
    for (let i = 0; i < 3; i++) {
      const body = i === 0 ? { content: b64(`v${i}`) } : { content: b64(`v${i}`), sha };
      const r = await call(sim, i === 0 ? 'POST' : 'PUT', '/repos/acme/hist/contents/f.txt', { body });
      sha = r.body.content.sha;
    }
    const all = expectStatus(await call(sim, 'GET', '/repos/acme/hist/commits?limit=2'), 200);
    expect(all.headers.get('x-total-count')).toBe('4');
    expect(all.body).toHaveLength(2);
    const byPath = await call(sim, 'GET', '/repos/acme/hist/commits?path=README.md&stat=false&files=false');
    expect(byPath.body.map((c: { commit: { message: string } }) => c.commit.message)).toEqual([
      'Initial commit\n',
    ]);
    const one = expectStatus(await call(sim, 'GET', `/repos/acme/hist/git/commits/${all.body[0].sha}`), 200);
    expect(one.body.files).toEqual([{ filename: 'f.txt', status: 'modified' }]);
    expect(one.body.stats).toEqual({ additions: 1, deletions: 1, total: 2 });
  });
});

describe('repos', () => {
  it('edits description, visibility and default branch', async () => {
    await call(sim, 'POST', '/orgs/acme/repos', { body: { name: 'editme', auto_init: true } });
    await call(sim, 'POST', '/repos/acme/editme/branches', { body: { new_branch_name: 'trunk' } });
    expect(
      (await call(sim, 'PATCH', '/repos/acme/editme', { body: { default_branch: 'nope' } })).status,
    ).toBe(404);
    const r = expectStatus(
      await call(sim, 'PATCH', '/repos/acme/editme', {
        body: { description: 'new', private: true, default_branch: 'trunk' },
      }),
      200,
    );
    expect([r.body.description, r.body.private, r.body.default_branch]).toEqual(['new', true, 'trunk']);
    expect((await call(sim, 'GET', '/repos/acme/editme', { token: null })).status).toBe(404);
  });
});

describe('faults', () => {
  it('performs the write but drops the response', async () => {
    const remove = sim.faults.add({
      method: 'POST',
      route: '/repos/{owner}/{repo}/contents/{filepath}',
      dropResponse: true,
      times: 1,
    });
    await expect(
      call(sim, 'POST', '/repos/acme/meta/contents/dropped.md', { body: { content: b64('kept') } }),
    ).rejects.toThrow();
    remove();
    const after = expectStatus(await call(sim, 'GET', '/repos/acme/meta/contents/dropped.md'), 200);
    expect(Buffer.from(after.body.content, 'base64').toString()).toBe('kept');
    expect(
      sim
        .requests()
        .filter((r) => r.route === '/repos/{owner}/{repo}/contents/{filepath}' && r.method === 'POST')
        .at(-1)?.status,
    ).toBe(0);
  });

  it('injects a status with Retry-After a limited number of times', async () => {
    sim.faults.add({ route: '/repos/{owner}/{repo}', status: 429, retryAfter: 7, times: 2 });
    const a = await call(sim, 'GET', '/repos/acme/meta');
    expect([a.status, a.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await call(sim, 'GET', '/repos/acme/meta')).status).toBe(429);
    expect((await call(sim, 'GET', '/repos/acme/meta')).status).toBe(200);
  });

  it('holds a timed-out request without answering', async () => {
    sim.faults.add({ route: '/version', timeout: 5_000, times: 1 });
    await expect(call(sim, 'GET', '/version', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect((await call(sim, 'GET', '/version')).body).toEqual({ version: '1.23.8' });
  });

  it('is configurable over HTTP by a site admin only', async () => {
    const user = await sim.createUser('nonadmin');
    const post = (token: string, body: unknown) =>
      fetch(`${sim.url}/_sim/faults`, {
        method: 'POST',
        headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(user.token, { status: 500 })).status).toBe(403);
    expect((await post(sim.token, { bogus: 1 })).status).toBe(422);
    const res = await post(sim.token, { method: 'GET', route: '/orgs/{org}', status: 502, times: 1 });
    expect(res.status).toBe(201);
    expect((await call(sim, 'GET', '/orgs/acme')).status).toBe(502);
    expect((await call(sim, 'GET', '/orgs/acme')).status).toBe(200);
  });
});

describe('errors', () => {
  it('answers unknown routes with 404 and an APIError body', async () => {
    const r = await call(sim, 'GET', '/no/such/route');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ message: 'Not Found', url: `${sim.url}/api/swagger` });
    expect((await call(sim, 'GET', '/repos/acme/missing')).status).toBe(404);
  });
});
