import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, repoCall, startFixture } from '../../../test/contract/fixture.ts';

type Pull = {
  number: number;
  state: string;
  title: string;
  body: string;
  merged: boolean;
  mergeable: boolean;
  merge_base: string;
  merge_commit_sha: string | null;
  merged_by: { login: string } | null;
  merged_at: string | null;
  html_url: string;
  updated_at: string;
  user: { login: string };
  head: { ref: string; sha: string; label: string };
  base: { ref: string; sha: string };
};

const run = promisify(execFile);
let f: Fixture;

beforeAll(async () => {
  f = await startFixture();
});

afterAll(async () => {
  await f?.close();
});

async function openPull(head: string, title: string, base = 'main', as = f.alice) {
  const res = await as.call<Pull>(
    repoCall(f, {
      method: 'POST',
      template: '/repos/{owner}/{repo}/pulls',
      body: { head, base, title, body: `body of ${title}` },
      expect: 201,
    }),
  );
  return res.data;
}

async function getPull(n: number) {
  return (
    await f.admin.call<Pull>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: n },
        expect: 200,
      }),
    )
  ).data;
}

async function branchSha(branch: string): Promise<string> {
  const res = await f.admin.call<{ commit: { id: string } }>(
    repoCall(f, {
      method: 'GET',
      template: '/repos/{owner}/{repo}/branches/{branch}',
      path: { branch },
      expect: 200,
    }),
  );
  return res.data.commit.id;
}

function pullEvents(number: number) {
  return f.sim.events
    .list()
    .filter((e) => e.name === 'pull_request' && (e.payload as { number: number }).number === number)
    .map(
      (e) =>
        e.payload as {
          action: string;
          pull_request: Pull;
          changes?: Record<string, { from: string }>;
          sender: { login: string };
        },
    );
}

describe('pull requests', () => {
  it('creates a pull with heads, bases, merge base and the opened event; a duplicate is 409', async () => {
    const head = await f.commit({ branch: 'feature-a', path: 'a.md', text: 'a\n' });
    const main = await branchSha('main');
    const pr = await openPull('feature-a', 'Add a');
    expect(pr).toMatchObject({
      state: 'open',
      merged: false,
      mergeable: true,
      merge_base: main,
      user: { login: 'alice' },
      html_url: `${f.sim.url}/acme/meta/pulls/${pr.number}`,
      head: { ref: 'feature-a', label: 'feature-a', sha: head },
      base: { ref: 'main', sha: main },
    });
    expect(pullEvents(pr.number).map((e) => e.action)).toEqual(['opened']);

    const dup = await f.alice.call<{ message: string }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'feature-a', base: 'main', title: 'again' },
        expect: 409,
      }),
    );
    expect(dup.data.message).toContain('pull request already exists');

    const byHead = await f.admin.call<Pull>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{base}/{head}',
        path: { base: 'main', head: 'feature-a' },
        expect: 200,
      }),
    );
    expect(byHead.data.number).toBe(pr.number);
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{base}/{head}',
        path: { base: 'main', head: 'nope' },
        expect: 404,
      }),
    );
  });

  it('finds a pull by base and a head branch with slashes', async () => {
    await f.commit({ branch: 'propose/slash', path: 's.md', text: 's\n' });
    const pr = await openPull('propose/slash', 'Slashed');
    const res = await f.admin.call<Pull>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{base}/{head}',
        path: { base: 'main', head: 'propose/slash' },
        expect: 200,
      }),
    );
    expect(res.data.number).toBe(pr.number);
  });

  it('assigns on create; an unknown assignee is 422 and creates nothing', async () => {
    await f.commit({ branch: 'feature-assign', path: 'as.md', text: 'a\n' });
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'feature-assign', base: 'main', title: 'x', assignees: ['nobody'] },
        expect: 422,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{base}/{head}',
        path: { base: 'main', head: 'feature-assign' },
        expect: 404,
      }),
    );
    const pr = await f.alice.call<Pull & { assignees: { login: string }[] }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'feature-assign', base: 'main', title: 'Assigned', assignees: ['alice'] },
        expect: 201,
      }),
    );
    expect(pr.data.assignees.map((a) => a.login)).toEqual(['alice']);
    expect(pullEvents(pr.data.number).map((e) => e.action)).toEqual(['opened', 'assigned']);
  });

  it('answers 404 for missing branches and 422 for head equal to base', async () => {
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'missing', base: 'main', title: 't' },
        expect: 404,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'main', base: 'main', title: 't' },
        expect: 422,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: 999 },
        expect: 404,
      }),
    );
  });

  it('shares the number sequence with issues and answers issue routes on pull numbers', async () => {
    const issue = await f.alice.call<{ number: number }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues',
        body: { title: 'an issue' },
        expect: 201,
      }),
    );
    await f.commit({ branch: 'feature-b', path: 'b.md', text: 'b\n' });
    const pr = await openPull('feature-b', 'Add b');
    expect(pr.number).toBe(issue.data.number + 1);
    const asIssue = await f.admin.call<{ pull_request: { merged: boolean; html_url: string } | null }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: pr.number },
        expect: 200,
      }),
    );
    expect(asIssue.data.pull_request).toMatchObject({ merged: false, html_url: pr.html_url });
  });

  it('merges with a real two-parent merge commit; merging again is 405; GET merge is 204/404', async () => {
    await f.commit({ branch: 'feature-c', path: 'c.md', text: 'c\n' });
    const pr = await openPull('feature-c', 'Add c');
    const mergePath = { index: pr.number };
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: mergePath,
        expect: 404,
      }),
    );
    const mainBefore = await branchSha('main');
    const res = await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: mergePath,
        body: { Do: 'merge', head_commit_id: pr.head.sha },
        expect: 200,
      }),
    );
    expect(res.text).toBe('');
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: mergePath,
        expect: 204,
      }),
    );
    const merged = await getPull(pr.number);
    const mainAfter = await branchSha('main');
    expect(merged).toMatchObject({
      state: 'closed',
      merged: true,
      merged_by: { login: 'alice' },
      merge_commit_sha: mainAfter,
    });
    expect(merged.merged_at).not.toBeNull();
    const commit = await f.admin.call<{ parents: { sha: string }[]; commit: { message: string } }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/commits/{sha}',
        path: { sha: mainAfter },
        expect: 200,
      }),
    );
    expect(commit.data.parents.map((p) => p.sha)).toEqual([mainBefore, pr.head.sha]);
    expect(commit.data.commit.message).toContain(
      `Merge pull request 'Add c' (#${pr.number}) from feature-c into main`,
    );

    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: mergePath,
        body: { Do: 'merge' },
        expect: 405,
      }),
    );
    const closed = pullEvents(pr.number).filter((e) => e.action === 'closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]!.pull_request.merged).toBe(true);
    const pushes = f.sim.events
      .list()
      .filter((e) => e.name === 'push' && (e.payload as { after: string }).after === mainAfter);
    expect(pushes).toHaveLength(1);
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: mergePath,
        body: { state: 'open' },
        expect: 412,
      }),
    );
  });

  it('follows pushes to the head (synchronized) and refuses a stale head_commit_id with 409', async () => {
    const first = await f.commit({ branch: 'feature-d', path: 'd.md', text: 'd1\n' });
    const pr = await openPull('feature-d', 'Add d');
    expect(pr.head.sha).toBe(first);
    const second = await f.commit({ branch: 'feature-d', path: 'd.md', text: 'd2\n' });
    const moved = await getPull(pr.number);
    expect(moved.head.sha).toBe(second);
    expect(pullEvents(pr.number).map((e) => e.action)).toEqual(['opened', 'synchronized']);
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: pr.number },
        body: { Do: 'squash', head_commit_id: first },
        expect: 409,
      }),
    );
    const mainBefore = await branchSha('main');
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: pr.number },
        body: { Do: 'squash', head_commit_id: second },
        expect: 200,
      }),
    );
    const mainAfter = await branchSha('main');
    const commit = await f.admin.call<{ parents: { sha: string }[]; commit: { message: string } }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/commits/{sha}',
        path: { sha: mainAfter },
        expect: 200,
      }),
    );
    expect(commit.data.parents.map((p) => p.sha)).toEqual([mainBefore]);
    expect(commit.data.commit.message.trim()).toBe(`Add d (#${pr.number})`);
  });

  it('moves the head on a real git push over HTTP', async () => {
    await f.commit({ branch: 'feature-git', path: 'g.md', text: 'g1\n' });
    const pr = await openPull('feature-git', 'Add g');
    const dir = mkdtempSync(join(tmpdir(), 'sim-push-'));
    try {
      const auth = `http://alice:${encodeURIComponent(f.alice.options.token)}@${f.sim.url.replace(/^http:\/\//, '')}/acme/meta.git`;
      const env = {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@example.org',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@example.org',
      };
      // Async: the simulator answers in this process, a blocking call would deadlock it.
      const git = async (...args: string[]) =>
        (await run('git', args, { cwd: dir, env, encoding: 'utf8' })).stdout.trim();
      await git('clone', '-q', '--branch', 'feature-git', auth, '.');
      writeFileSync(join(dir, 'g.md'), 'g2\n');
      await git('commit', '-q', '-am', 'g2');
      const sha = await git('rev-parse', 'HEAD');
      await git('push', '-q', 'origin', 'feature-git');
      expect((await getPull(pr.number)).head.sha).toBe(sha);
      const sync = pullEvents(pr.number).filter((e) => e.action === 'synchronized');
      expect(sync).toHaveLength(1);
      expect(sync[0]!.sender.login).toBe('alice');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is safe to run twice at once: one create wins (201/409), one merge wins (200/405)', async () => {
    await f.commit({ branch: 'feature-race', path: 'race.md', text: 'r\n' });
    const create = () =>
      f.alice.call<Pull>(
        repoCall(f, {
          method: 'POST',
          template: '/repos/{owner}/{repo}/pulls',
          body: { head: 'feature-race', base: 'main', title: 'Race' },
          expect: [201, 409],
        }),
      );
    const created = await Promise.all([create(), create()]);
    expect(created.map((r) => r.status).sort()).toEqual([201, 409]);
    const pr = created.find((r) => r.status === 201)!.data;
    const mainBefore = await branchSha('main');
    const merge = () =>
      f.alice.call(
        repoCall(f, {
          method: 'POST',
          template: '/repos/{owner}/{repo}/pulls/{index}/merge',
          path: { index: pr.number },
          body: { Do: 'merge' },
          expect: [200, 405],
        }),
      );
    const merged = await Promise.all([merge(), merge()]);
    expect(merged.map((r) => r.status).sort()).toEqual([200, 405]);
    const mainAfter = await branchSha('main');
    const commit = await f.admin.call<{ parents: { sha: string }[] }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/commits/{sha}',
        path: { sha: mainAfter },
        expect: 200,
      }),
    );
    expect(commit.data.parents.map((p) => p.sha)).toEqual([mainBefore, pr.head.sha]);
    expect(pullEvents(pr.number).filter((e) => e.action === 'closed')).toHaveLength(1);
  });

  it('rebases onto main and fast-forwards it (Do: rebase)', async () => {
    const head = await f.commit({ branch: 'feature-rebase', path: 'rebase.md', text: 'r\n' });
    await f.commit({ branch: 'main', path: 'main-moved.md', text: 'm\n' });
    const mainBefore = await branchSha('main');
    const pr = await openPull('feature-rebase', 'Rebase me');
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: pr.number },
        body: { Do: 'rebase', head_commit_id: head },
        expect: 200,
      }),
    );
    const mainAfter = await branchSha('main');
    const commit = await f.admin.call<{ parents: { sha: string }[]; commit: { message: string } }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/commits/{sha}',
        path: { sha: mainAfter },
        expect: 200,
      }),
    );
    expect(commit.data.parents.map((p) => p.sha)).toEqual([mainBefore]);
    expect(mainAfter).not.toBe(head);
    expect(await getPull(pr.number)).toMatchObject({
      merged: true,
      merge_commit_sha: mainAfter,
      head: { sha: head },
    });
  });

  it('deletes the head branch after merge when asked, unless another open pull uses it', async () => {
    await f.commit({ branch: 'feature-del', path: 'del.md', text: 'd\n' });
    const pr = await openPull('feature-del', 'Delete after');
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: pr.number },
        body: { Do: 'merge', delete_branch_after_merge: true },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/branches/{branch}',
        path: { branch: 'feature-del' },
        expect: 404,
      }),
    );
    const after = await getPull(pr.number);
    expect(after.head).toMatchObject({ ref: `refs/pull/${pr.number}/head`, sha: pr.head.sha });
    const deletes = f.sim.events
      .list()
      .filter((e) => e.name === 'delete' && (e.payload as { ref: string }).ref === 'feature-del');
    expect(deletes).toHaveLength(1);
  });

  it('retargets the base with an edited event, 409 when that pull already exists', async () => {
    await f.commit({ branch: 'feature-base', path: 'base.md', text: 'b\n' });
    await f.admin.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/branches',
        body: { new_branch_name: 'release', old_branch_name: 'main' },
        expect: 201,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/branches',
        body: { new_branch_name: 'release2', old_branch_name: 'main' },
        expect: 201,
      }),
    );
    const pr = await openPull('feature-base', 'Retarget');
    await openPull('feature-base', 'Other target', 'release2');
    const moved = await f.alice.call<Pull>(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: pr.number },
        body: { base: 'release' },
        expect: 201,
      }),
    );
    expect(moved.data.base.ref).toBe('release');
    expect(pullEvents(pr.number).map((e) => e.action)).toEqual(['opened', 'edited']);
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: pr.number },
        body: { base: 'release2' },
        expect: 409,
      }),
    );
  });

  it.each([
    ['a work-in-progress title', 'WIP: not yet', 'merge'],
    ['an unsupported merge style', 'Fast forward me', 'fast-forward-only'],
  ])('refuses %s with 405', async (_, title, style) => {
    const branch = `feature-405-${style}`;
    await f.commit({ branch, path: `${branch}.md`, text: 'w\n' });
    const pr = await openPull(branch, title);
    expect(pr.mergeable).toBe(!title.startsWith('WIP'));
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: pr.number },
        body: { Do: style },
        expect: 405,
      }),
    );
  });

  it('counts lines like git diff --numstat and re-checks mergeability as the base moves', async () => {
    const before = 'intro\n\nkeep\n\nold paragraph\n\nend\n';
    await f.commit({ branch: 'main', path: 'docs/stats.md', text: before });
    const head = await f.commit({
      branch: 'feature-stats',
      path: 'docs/stats.md',
      text: 'intro\n\nkeep\n\nnew paragraph\nmore\n\nend',
    });
    const pr = await openPull('feature-stats', 'Stats');
    const gitDir = f.sim.core.git.pathOf(f.org, f.repo);
    const numstat = (
      await run('git', ['--git-dir', gitDir, 'diff', '--numstat', '-M', pr.merge_base, head], {
        encoding: 'utf8',
      })
    ).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t').map((x, i) => (i < 2 ? Number(x) : x)));
    const sum = (i: number) => numstat.reduce((n, row) => n + (row[i] as number), 0);
    const stats = pr as Pull & { additions: number; deletions: number; changed_files: number };
    expect({ a: stats.additions, d: stats.deletions, c: stats.changed_files }).toEqual({
      a: sum(0),
      d: sum(1),
      c: numstat.length,
    });
    expect(pr.mergeable).toBe(true);

    await f.commit({ branch: 'main', path: 'docs/other.md', text: 'other\n' });
    const moved = await getPull(pr.number);
    expect(moved).toMatchObject({ mergeable: true, merge_base: pr.merge_base });
    expect(moved.base.sha).not.toBe(pr.base.sha);

    await f.commit({
      branch: 'main',
      path: 'docs/stats.md',
      text: 'intro\n\nkeep\n\nrewritten on main\n\nend\n',
    });
    expect((await getPull(pr.number)).mergeable).toBe(false);
  });

  it('reports conflicts as not mergeable and refuses the merge with 405', async () => {
    await f.commit({ branch: 'conflict-x', path: 'x.md', text: 'from branch\n' });
    await f.commit({ branch: 'main', path: 'x.md', text: 'from main\n' });
    const pr = await openPull('conflict-x', 'Conflicting');
    expect(pr.mergeable).toBe(false);
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: pr.number },
        body: { Do: 'merge' },
        expect: 405,
      }),
    );
  });

  it('serves the diff and patch between merge base and head', async () => {
    await f.commit({ branch: 'feature-diff', path: 'docs/diff.md', text: 'one\ntwo\n' });
    const pr = await openPull('feature-diff', 'Diff me');
    const diff = await f.admin.call<string>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}.{diffType}',
        path: { index: pr.number, diffType: 'diff' },
        expect: 200,
      }),
    );
    expect(diff.text).toContain('diff --git a/docs/diff.md b/docs/diff.md');
    expect(diff.text).toContain('+two');
    expect(diff.text).not.toContain('x.md');
    const patch = await f.admin.call<string>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}.{diffType}',
        path: { index: pr.number, diffType: 'patch' },
        expect: 200,
      }),
    );
    expect(patch.text).toMatch(/^From [0-9a-f]{40} /);
  });

  it('edits title and body, closes and reopens, with edited/closed/reopened events', async () => {
    await f.commit({ branch: 'feature-e', path: 'e.md', text: 'e\n' });
    const pr = await openPull('feature-e', 'Old title');
    const before = pr.updated_at;
    await f.bob.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: pr.number },
        body: { title: 'x' },
        expect: 403,
      }),
    );
    const edited = await f.alice.call<Pull>(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: pr.number },
        body: { title: 'New title', body: 'new body' },
        expect: 201,
      }),
    );
    expect(edited.data).toMatchObject({ title: 'New title', body: 'new body' });
    expect(Date.parse(edited.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(before));
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: pr.number },
        body: { state: 'closed' },
        expect: 201,
      }),
    );
    await f.commit({ branch: 'feature-e', path: 'e.md', text: 'e2\n' });
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: pr.number },
        body: { state: 'open' },
        expect: 201,
      }),
    );
    const events = pullEvents(pr.number);
    expect(events.map((e) => e.action)).toEqual(['opened', 'edited', 'edited', 'closed', 'reopened']);
    expect(events[1]!.changes).toEqual({ title: { from: 'Old title' } });
    expect(events[2]!.changes).toEqual({ body: { from: 'body of Old title' } });
    expect(events[3]!.pull_request.merged).toBe(false);
  });
});

describe('pull listing', () => {
  let numbers: number[] = [];

  beforeAll(async () => {
    await f.createRepo('many');
    await f.commit({ repo: 'many', branch: 'topic', path: 't.md', text: 't\n' });
    numbers = [];
    for (let i = 1; i <= 55; i++) {
      const base = `base-${String(i).padStart(2, '0')}`;
      await f.admin.call({
        method: 'POST',
        template: '/repos/{owner}/{repo}/branches',
        path: { owner: f.org, repo: 'many' },
        body: { new_branch_name: base, old_branch_name: 'main' },
        expect: 201,
      });
      const pr = await f.admin.call<Pull>({
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        path: { owner: f.org, repo: 'many' },
        body: { head: 'topic', base, title: `pull ${i}` },
        expect: 201,
      });
      numbers.push(pr.data.number);
    }
    for (const n of numbers.slice(0, 5)) {
      await f.admin.call({
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { owner: f.org, repo: 'many', index: n },
        body: { state: 'closed' },
        expect: 201,
      });
    }
  });

  const list = (query: Record<string, string | number>) =>
    f.admin.call<Pull[]>({
      method: 'GET',
      template: '/repos/{owner}/{repo}/pulls',
      path: { owner: f.org, repo: 'many' },
      query,
      expect: 200,
    });

  it('pages 50 at most, newest first by default, with X-Total-Count', async () => {
    const p1 = await list({ state: 'all', limit: 100 });
    expect(p1.data).toHaveLength(50);
    expect(p1.headers.get('x-total-count')).toBe('55');
    expect(p1.data[0]!.number).toBe(Math.max(...numbers));
    const p2 = await list({ state: 'all', limit: 50, page: 2 });
    expect(p2.data.map((p) => p.number)).toEqual(
      [...numbers]
        .sort((a, b) => a - b)
        .slice(0, 5)
        .reverse(),
    );
    const seen = new Set([...p1.data, ...p2.data].map((p) => p.number));
    expect(seen.size).toBe(55);
  });

  it.each([
    ['open', 50],
    ['closed', 5],
    ['all', 55],
  ])('filters state=%s', async (state, count) => {
    const all: Pull[] = [];
    for (let page = 1; ; page++) {
      const res = await list({ state, limit: 50, page });
      all.push(...res.data);
      if (res.data.length < 50) break;
    }
    expect(all).toHaveLength(count);
    if (state !== 'all') expect(all.every((p) => p.state === state)).toBe(true);
  });

  it('defaults to open and sorts oldest first on request', async () => {
    const res = await list({ sort: 'oldest', limit: 3 });
    expect(res.data.map((p) => p.number)).toEqual(numbers.slice(5, 8));
  });
});
