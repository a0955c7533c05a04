import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, repoCall, startFixture } from '../../../test/contract/fixture.ts';

type Issue = {
  number: number;
  state: string;
  title: string;
  body: string;
  updated_at: string;
  closed_at: string | null;
  comments: number;
  html_url: string;
  url: string;
  assignees: { login: string }[] | null;
  pull_request: { merged: boolean } | null;
  user: { login: string };
};
type Comment = {
  id: number;
  body: string;
  updated_at: string;
  issue_url: string;
  pull_request_url: string;
  html_url: string;
};

let f: Fixture;

beforeAll(async () => {
  f = await startFixture();
  // A stepping clock: every mutation gets its own minute, so `since` cuts are exact.
  f.sim.core.clock.useFixed('2026-03-01T00:00:00Z', 60_000);
});

afterAll(async () => {
  await f?.close();
});

const createIssue = async (body: Record<string, unknown>, as = f.alice) =>
  (
    await as.call<Issue>(
      repoCall(f, { method: 'POST', template: '/repos/{owner}/{repo}/issues', body, expect: 201 }),
    )
  ).data;

const listIssues = async (query: Record<string, string | number>) =>
  (
    await f.admin.call<Issue[]>(
      repoCall(f, { method: 'GET', template: '/repos/{owner}/{repo}/issues', query, expect: 200 }),
    )
  ).data;

function issueEvents(number: number, name = 'issues') {
  return f.sim.events
    .list()
    .filter((e) => e.name === name && (e.payload as { issue?: { number: number } }).issue?.number === number)
    .map((e) => e.payload as { action: string; changes?: unknown; is_pull?: boolean; comment?: Comment });
}

describe('issues', () => {
  it('creates an issue with assignees and records opened then assigned', async () => {
    const issue = await createIssue({ title: 'First', body: 'text', assignees: ['alice'] });
    expect(issue).toMatchObject({
      state: 'open',
      title: 'First',
      user: { login: 'alice' },
      pull_request: null,
      html_url: `${f.sim.url}/acme/meta/issues/${issue.number}`,
      url: `${f.sim.url}/api/v1/repos/acme/meta/issues/${issue.number}`,
    });
    expect(issue.assignees?.map((a) => a.login)).toEqual(['alice']);
    expect(issueEvents(issue.number).map((e) => e.action)).toEqual(['opened', 'assigned']);
  });

  it('validates: 422 without a title, 404 for a missing issue, 401 anonymous', async () => {
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues',
        body: { body: 'x' },
        expect: 422,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: 4242 },
        expect: 404,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues',
        body: { title: 'anon' },
        token: null,
        expect: 401,
      }),
    );
  });

  it('edits title, body, state and assignees with one event per change; bob may not edit', async () => {
    const issue = await createIssue({ title: 'Edit me', body: 'b0' });
    await f.bob.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: issue.number },
        body: { title: 'no' },
        expect: 403,
      }),
    );
    const res = await f.alice.call<Issue>(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: issue.number },
        body: { title: 'Edited', body: 'b1', assignees: ['alice'], state: 'closed' },
        expect: 201,
      }),
    );
    expect(res.data).toMatchObject({ title: 'Edited', body: 'b1', state: 'closed' });
    expect(res.data.closed_at).not.toBeNull();
    expect(Date.parse(res.data.updated_at)).toBeGreaterThan(Date.parse(issue.updated_at));
    const events = issueEvents(issue.number);
    expect(events.map((e) => e.action)).toEqual(['opened', 'edited', 'edited', 'assigned', 'closed']);
    expect(events[1]!.changes).toEqual({ title: { from: 'Edit me' } });
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: issue.number },
        body: { state: 'open' },
        expect: 201,
      }),
    );
    expect(issueEvents(issue.number).at(-1)!.action).toBe('reopened');
  });

  it('lists by state and type, with pulls carrying pull_request, keyword search and since', async () => {
    const cut = new Date(
      Date.parse((await createIssue({ title: 'marker' })).updated_at) + 1000,
    ).toISOString();
    const later = await createIssue({ title: 'Needle in title' });
    await f.commit({ branch: 'feature-i', path: 'i.md', text: 'i\n' });
    const pr = await f.alice.call<{ number: number }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'feature-i', base: 'main', title: 'A pull' },
        expect: 201,
      }),
    );
    const both = await listIssues({ state: 'open', limit: 50 });
    expect(both.map((i) => i.number)).toEqual([...both.map((i) => i.number)].sort((a, b) => b - a));
    const pulls = await listIssues({ type: 'pulls' });
    expect(pulls.map((i) => i.number)).toEqual([pr.data.number]);
    expect(pulls[0]!.pull_request).toMatchObject({ merged: false });
    const issues = await listIssues({ type: 'issues', limit: 50 });
    expect(issues.every((i) => i.pull_request === null)).toBe(true);
    expect((await listIssues({ q: 'needle' })).map((i) => i.number)).toEqual([later.number]);
    const since = await listIssues({ since: cut, state: 'all' });
    expect(since.map((i) => i.number).sort((a, b) => a - b)).toEqual([later.number, pr.data.number]);
    const closed = await listIssues({ state: 'closed' });
    expect(closed.every((i) => i.state === 'closed')).toBe(true);
    expect(
      (await listIssues({ created_by: 'alice', state: 'all', limit: 50 })).every(
        (i) => i.user.login === 'alice',
      ),
    ).toBe(true);
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues',
        query: { created_by: 'nobody' },
        expect: 404,
      }),
    );
    // Unknown label names are discarded, leaving no label filter.
    const labelled = await listIssues({ labels: 'bug', limit: 50 });
    expect(labelled.map((i) => i.number)).toEqual((await listIssues({ limit: 50 })).map((i) => i.number));
  });

  it('pages issues with X-Total-Count', async () => {
    const all = await f.admin.call<Issue[]>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues',
        query: { state: 'all', limit: 2 },
        expect: 200,
      }),
    );
    const total = Number(all.headers.get('x-total-count'));
    expect(total).toBeGreaterThan(2);
    expect(all.data).toHaveLength(2);
    expect(all.headers.get('link')).toContain('rel="next"');
  });

  it('creates comments (is_pull on pulls), bumps updated_at, and filters comments by since', async () => {
    const issue = await createIssue({ title: 'Commented' });
    const c1 = await f.bob.call<Comment>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: issue.number },
        body: { body: 'one' },
        expect: 201,
      }),
    );
    expect(c1.data.html_url).toBe(`${issue.html_url}#issuecomment-${c1.data.id}`);
    expect(c1.data.issue_url).toBe(issue.html_url);
    const c2 = await f.alice.call<Comment>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: issue.number },
        body: { body: 'two' },
        expect: 201,
      }),
    );
    const after = (
      await f.admin.call<Issue>(
        repoCall(f, {
          method: 'GET',
          template: '/repos/{owner}/{repo}/issues/{index}',
          path: { index: issue.number },
          expect: 200,
        }),
      )
    ).data;
    expect(after.comments).toBe(2);
    expect(after.updated_at).toBe(c2.data.updated_at);
    const list = await f.admin.call<Comment[]>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: issue.number },
        expect: 200,
      }),
    );
    expect(list.data.map((c) => c.body)).toEqual(['one', 'two']);
    const since = await f.admin.call<Comment[]>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: issue.number },
        query: { since: c2.data.updated_at },
        expect: 200,
      }),
    );
    expect(since.data.map((c) => c.body)).toEqual(['two']);
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: 9999 },
        expect: 404,
      }),
    );
    const events = issueEvents(issue.number, 'issue_comment');
    expect(events.map((e) => [e.action, e.is_pull, e.comment?.body])).toEqual([
      ['created', false, 'one'],
      ['created', false, 'two'],
    ]);

    await f.commit({ branch: 'feature-c2', path: 'c2.md', text: 'c\n' });
    const pr = await f.alice.call<{ number: number; html_url: string }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'feature-c2', base: 'main', title: 'Talk' },
        expect: 201,
      }),
    );
    const onPull = await f.bob.call<Comment>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: pr.data.number },
        body: { body: '/graduate' },
        expect: 201,
      }),
    );
    expect(onPull.data).toMatchObject({ issue_url: '', pull_request_url: pr.data.html_url });
    expect(issueEvents(pr.data.number, 'issue_comment').map((e) => e.is_pull)).toEqual([true]);
  });

  it('keeps open_issues_count and open_pr_counter and moves the repo updated_at', async () => {
    const before = (
      await f.admin.call<{ updated_at: string }>(
        repoCall(f, { method: 'GET', template: '/repos/{owner}/{repo}', expect: 200 }),
      )
    ).data;
    await createIssue({ title: 'Counted' });
    const repo = (
      await f.admin.call<{ updated_at: string; open_issues_count: number; open_pr_counter: number }>(
        repoCall(f, { method: 'GET', template: '/repos/{owner}/{repo}', expect: 200 }),
      )
    ).data;
    expect(Date.parse(repo.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    const open = await f.admin.call<Issue[]>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues',
        query: { type: 'issues', limit: 50 },
        expect: 200,
      }),
    );
    const openPulls = await f.admin.call<Issue[]>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues',
        query: { type: 'pulls', limit: 50 },
        expect: 200,
      }),
    );
    expect(repo.open_issues_count).toBe(Number(open.headers.get('x-total-count')));
    expect(repo.open_pr_counter).toBe(Number(openPulls.headers.get('x-total-count')));
  });
});
