import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from '../../../test/contract/fixture.ts';

type Issue = { number: number; updated_at: string; repository: { full_name: string }; pull_request: unknown };

let f: Fixture;
let cut = '';

beforeAll(async () => {
  f = await startFixture();
  f.sim.core.clock.useFixed('2026-04-01T00:00:00Z', 60_000);
  await f.createRepo('other');
  const mk = (repo: string, title: string) =>
    f.admin.call<Issue>({
      method: 'POST',
      template: '/repos/{owner}/{repo}/issues',
      path: { owner: f.org, repo },
      body: { title },
      expect: 201,
    });
  await mk('meta', 'old meta issue');
  const old = await mk('other', 'old other issue');
  cut = new Date(Date.parse(old.data.updated_at) + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await mk('meta', 'new meta issue');
  await f.commit({ repo: 'other', branch: 'topic', path: 'x.md', text: 'x\n' });
  await f.admin.call({
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls',
    path: { owner: f.org, repo: 'other' },
    body: { head: 'topic', base: 'main', title: 'other pull' },
    expect: 201,
  });
  await f.commit({ repo: 'meta', branch: 'topic', path: 'y.md', text: 'y\n' });
  await f.admin.call({
    method: 'POST',
    template: '/repos/{owner}/{repo}/pulls',
    path: { owner: f.org, repo: 'meta' },
    body: { head: 'topic', base: 'main', title: 'meta pull' },
    expect: 201,
  });
});

afterAll(async () => {
  await f?.close();
});

const search = (query: Record<string, string | number>) =>
  f.admin.call<Issue[]>({ method: 'GET', template: '/repos/issues/search', query, expect: 200 });

describe('GET /repos/issues/search', () => {
  it('spans every repository of the owner and filters by type', async () => {
    const pulls = await search({ owner: f.org, type: 'pulls' });
    expect(pulls.data.map((i) => i.repository.full_name).sort()).toEqual(['acme/meta', 'acme/other']);
    expect(pulls.data.every((i) => i.pull_request !== null)).toBe(true);
    const issues = await search({ owner: f.org, type: 'issues' });
    expect(issues.data).toHaveLength(3);
    expect(issues.data.every((i) => i.pull_request === null)).toBe(true);
  });

  it('keeps items updated at or after since', async () => {
    const res = await search({ owner: f.org, since: cut, state: 'all' });
    expect(res.data.every((i) => Date.parse(i.updated_at) >= Date.parse(cut))).toBe(true);
    expect(res.data).toHaveLength(3);
    const exact = await search({ owner: f.org, since: res.data.at(-1)!.updated_at });
    expect(exact.data.map((i) => i.number)).toContain(res.data.at(-1)!.number);
  });

  it('pages with limit and X-Total-Count, newest first', async () => {
    const p1 = await search({ owner: f.org, limit: 2, page: 1 });
    const p2 = await search({ owner: f.org, limit: 2, page: 2 });
    const p3 = await search({ owner: f.org, limit: 2, page: 3 });
    expect(p1.headers.get('x-total-count')).toBe('5');
    expect([p1.data.length, p2.data.length, p3.data.length]).toEqual([2, 2, 1]);
    const times = [...p1.data, ...p2.data, ...p3.data].map((i) => Date.parse(i.updated_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('filters by keyword and state, and answers 400 for an unknown owner', async () => {
    expect((await search({ owner: f.org, q: 'other pull' })).data).toHaveLength(1);
    expect((await search({ owner: f.org, state: 'closed' })).data).toHaveLength(0);
    await f.admin.call({
      method: 'GET',
      template: '/repos/issues/search',
      query: { owner: 'nobody' },
      expect: 400,
    });
    await f.admin.call({
      method: 'GET',
      template: '/repos/issues/search',
      query: { since: 'yesterday' },
      expect: 422,
    });
  });
});
