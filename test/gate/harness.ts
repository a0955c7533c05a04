/** A simulator with the gate's fixture: org `rfcs`, meta repo, entries, an RFC repo, users by role. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyBranch, type Entry, serializeEntry } from '../../src/entry/index.ts';
import type { Command, GateDeps, OpName } from '../../src/gate/index.ts';
import { GiteaClient } from '../../src/gitea/client.ts';
import { type SimHandle, startSimulator } from '../../src/sim/index.ts';

export const META = 'rfcs/meta';
/** Every entry slug the fixture and the sample commands create. */
const ENTRY_SLUGS = ['claimme', 'fresh', 'gone', 'grad', 'intro', 'live'];
export const RFC_REPO = 'rfcs/rfc-0001';

/** One recorded outgoing request. */
export interface Recorded {
  method: string;
  path: string;
  body: unknown;
}

/** A fetch that records every request it passes on. */
export function recordingFetch(log: Recorded[]): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    let body: unknown = null;
    if (typeof init?.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    log.push({ method, path: url.pathname + url.search, body });
    return fetch(input, init);
  }) as typeof fetch;
}

export function entry(e: Partial<Entry> & { slug: string }): Entry {
  return {
    title: `RFC ${e.slug}`,
    state: 'super-draft',
    id: null,
    repo: null,
    proposed_by: 'carol',
    proposed_at: '2026-01-05',
    graduated_by: null,
    graduated_at: null,
    owners: ['carol'],
    arbiters: ['bob'],
    tags: [],
    body: `# ${e.slug}\n\nThe text of ${e.slug}.\n`,
    extra: {},
    ...e,
  };
}

export interface Fixture {
  sim: SimHandle;
  admin: GiteaClient;
  tokens: Record<string, string>;
  auditDir: string;
  log: Recorded[];
  /** a client as the job token (the admin here), recording into `log` */
  client(opts?: { retries?: number }): GiteaClient;
  bot(): GiteaClient;
  deps(extra?: Partial<GateDeps>): GateDeps;
  close(): Promise<void>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Starts a simulator and builds the fixture. */
export async function startFixture(): Promise<Fixture> {
  const sim = await startSimulator({ seed: 'none' });
  const admin = new GiteaClient({ baseUrl: sim.url, token: sim.token, sleep: async () => {} });
  const tokens: Record<string, string> = {};
  for (const login of ['alice', 'bob', 'carol', 'dana', 'erin', 'rfc-bot']) {
    tokens[login] = (
      await sim.createUser(login, {
        fullName: `${login[0]!.toUpperCase()}${login.slice(1)} Example`,
        admin: login === 'rfc-bot',
      })
    ).token;
  }
  await admin.request('POST', '/orgs', { body: { username: 'rfcs', visibility: 'public' } });
  await admin.request('POST', '/orgs/{org}/repos', {
    path: { org: 'rfcs' },
    body: { name: 'meta', auto_init: true, default_branch: 'main' },
  });
  await admin.request('POST', '/orgs/{org}/repos', {
    path: { org: 'rfcs' },
    body: {
      name: 'rfc-0001',
      auto_init: true,
      default_branch: 'main',
      description: 'Live [rfc-actions rfcs/meta rfcs/live.md]',
    },
  });
  await sim.setCollaborator(META, 'dana', 'admin');
  await sim.setCollaborator(META, 'erin', 'write');
  await sim.setCollaborator(RFC_REPO, 'carol', 'write');
  const files = [
    entry({ slug: 'intro' }),
    entry({ slug: 'claimme' }),
    entry({ slug: 'grad' }),
    entry({ slug: 'gone' }),
    entry({
      slug: 'live',
      state: 'active',
      id: 1,
      repo: RFC_REPO,
      graduated_by: 'bob',
      graduated_at: '2026-02-01',
    }),
  ];
  await admin.request('POST', '/repos/{owner}/{repo}/contents', {
    path: { owner: 'rfcs', repo: 'meta' },
    body: {
      branch: 'main',
      message: 'Seed entries',
      files: files.map((e) => ({
        operation: 'create',
        path: `rfcs/${e.slug}.md`,
        content: b64(serializeEntry(e)),
      })),
    },
  });
  // A body-edit PR on the meta repo, and two branches with a change in the RFC repo.
  await admin
    .request('POST', '/repos/{owner}/{repo}/contents/{filepath}', {
      path: { owner: 'rfcs', repo: 'meta', filepath: 'rfcs/intro.md' },
      body: {
        branch: 'main',
        new_branch: 'edit/intro/typo',
        message: 'typo',
        content: b64(serializeEntry(entry({ slug: 'intro', body: 'Fixed.\n' }))),
        sha: await sha(admin, META, 'rfcs/intro.md'),
      },
    })
    .catch(async () => {
      await admin.request('PUT', '/repos/{owner}/{repo}/contents/{filepath}', {
        path: { owner: 'rfcs', repo: 'meta', filepath: 'rfcs/intro.md' },
        body: {
          branch: 'main',
          new_branch: 'edit/intro/typo',
          message: 'typo',
          content: b64(serializeEntry(entry({ slug: 'intro', body: 'Fixed.\n' }))),
          sha: await sha(admin, META, 'rfcs/intro.md'),
        },
      });
    });
  const carol = new GiteaClient({ baseUrl: sim.url, token: tokens.carol!, sleep: async () => {} });
  await carol.request('POST', '/repos/{owner}/{repo}/pulls', {
    path: { owner: 'rfcs', repo: 'meta' },
    body: { head: 'edit/intro/typo', base: 'main', title: 'Fix a typo', body: 'Typo.' },
  });
  for (const branch of ['work', 'work2']) {
    await admin.request('POST', '/repos/{owner}/{repo}/contents/{filepath}', {
      path: { owner: 'rfcs', repo: 'rfc-0001', filepath: `${branch}.md` },
      body: { branch: 'main', new_branch: branch, message: branch, content: b64(`${branch}\n`) },
    });
  }
  await carol.request('POST', '/repos/{owner}/{repo}/pulls', {
    path: { owner: 'rfcs', repo: 'rfc-0001' },
    body: { head: 'work2', base: 'main', title: 'Work two', body: 'Second piece.' },
  });
  const alice = new GiteaClient({ baseUrl: sim.url, token: tokens.alice!, sleep: async () => {} });
  await alice.request('POST', '/repos/{owner}/{repo}/issues', {
    path: { owner: 'rfcs', repo: 'meta' },
    body: { title: 'A question', body: 'Why?' },
  });

  const auditDir = await mkdtemp(join(tmpdir(), 'gate-audit-'));
  const log: Recorded[] = [];
  const fixture: Fixture = {
    sim,
    admin,
    tokens,
    auditDir,
    log,
    client: (opts = {}) =>
      new GiteaClient({
        baseUrl: sim.url,
        token: sim.token,
        fetch: recordingFetch(log),
        sleep: async () => {},
        retries: opts.retries ?? 2,
        timeoutMs: 5000,
      }),
    bot: () =>
      new GiteaClient({
        baseUrl: sim.url,
        token: tokens['rfc-bot']!,
        fetch: recordingFetch(log),
        sleep: async () => {},
        retries: 2,
        timeoutMs: 5000,
      }),
    deps: (extra = {}) => ({
      gitea: fixture.client(),
      botGitea: fixture.bot(),
      clock: { now: () => new Date('2026-03-01T12:00:00Z') },
      auditDir,
      sleep: async () => {},
      config: { lockWaitMs: 50, lockPollMs: 10, retryDelayMs: 0, attempts: 6 },
      ...extra,
    }),
    close: async () => {
      await sim.close();
      await rm(auditDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

async function sha(c: GiteaClient, repo: string, path: string): Promise<string> {
  const [owner, name] = repo.split('/');
  return (
    await c.request<{ sha: string }>('GET', '/repos/{owner}/{repo}/contents/{filepath}', {
      path: { owner: owner!, repo: name!, filepath: path },
    })
  ).data.sha;
}

/** One runnable command per operation against the fixture (meta: edit PR #1, alice's issue #2; RFC repo: PR #1). */
export function sampleCommands(request = 'req-1'): Record<OpName, Command> {
  const c = (op: OpName, actor: string, payload: Record<string, unknown>, repo = META): Command => ({
    op,
    repo,
    payload,
    actor,
    source: 'test',
    request,
  });
  return {
    create_issue: c('create_issue', 'alice', { title: 'Gate issue', body: 'Made by the gate.' }),
    add_comment: c('add_comment', 'alice', { number: 2, body: 'A comment.' }),
    close_issue: c('close_issue', 'alice', { number: 2 }),
    assign_issue: c('assign_issue', 'erin', { number: 2, assignees: ['dana'] }),
    merge_pr: c('merge_pr', 'carol', { number: 1 }),
    propose_rfc: c('propose_rfc', 'alice', {
      slug: 'fresh',
      title: 'A fresh idea',
      body: 'Let us do it.\n',
      tags: ['lang'],
    }),
    start_edit_branch: c('start_edit_branch', 'alice', { slug: 'intro' }),
    open_body_edit_pr: c('open_body_edit_pr', 'alice', { slug: 'intro', body: 'A better text.\n' }),
    open_metadata_pr: c('open_metadata_pr', 'alice', {
      slug: 'intro',
      changes: { tags: ['lang', 'syntax'] },
    }),
    open_claim_pr: c('open_claim_pr', 'alice', { slug: 'claimme' }),
    open_branch_pr: c('open_branch_pr', 'alice', {
      slug: 'live',
      head: 'work',
      title: 'Work one',
      body: 'A change.',
    }),
    withdraw_branch_pr: c('withdraw_branch_pr', 'carol', { slug: 'live', number: 1, where: 'rfc' }),
    graduate_rfc: c('graduate_rfc', 'bob', { slug: 'grad' }),
    withdraw_rfc: c('withdraw_rfc', 'carol', { slug: 'gone' }),
  };
}

interface Snap {
  issues: unknown[];
  comments: Record<string, string[]>;
  pulls: Record<string, unknown[]>;
  branches: Record<string, string[]>;
  files: Record<string, string>;
  repos: string[];
}

/**
 * Gitea's state as the gate affects it, without values that depend on timing (shas, dates):
 * issues, comments, PRs, branches, entry files and RFC.md, the org's repos.
 */
export async function snapshot(admin: GiteaClient): Promise<Snap> {
  const repos = (await admin.paginate<{ full_name: string }>('/orgs/{org}/repos', { path: { org: 'rfcs' } }))
    .map((r) => r.full_name)
    .sort();
  const snap: Snap = { issues: [], comments: {}, pulls: {}, branches: {}, files: {}, repos };
  for (const full of repos) {
    const [owner, repo] = full.split('/') as [string, string];
    const issues = await admin.paginate<{
      number: number;
      title: string;
      body: string;
      state: string;
      assignees: { login: string }[] | null;
      pull_request?: unknown;
    }>('/repos/{owner}/{repo}/issues', { path: { owner, repo }, query: { state: 'all', type: 'issues' } });
    for (const i of issues) {
      snap.issues.push({
        repo: full,
        title: i.title,
        body: i.body,
        state: i.state,
        assignees: (i.assignees ?? []).map((a) => a.login).sort(),
      });
    }
    const pulls = await admin.paginate<{
      number: number;
      title: string;
      body: string;
      state: string;
      merged: boolean;
      head: { ref: string };
    }>('/repos/{owner}/{repo}/pulls', { path: { owner, repo }, query: { state: 'all' } });
    snap.pulls[full] = pulls
      .map((p) => ({ title: p.title, body: p.body, state: p.state, merged: p.merged, head: p.head.ref }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    for (const n of [...issues.map((i) => i.number), ...pulls.map((p) => p.number)]) {
      const comments = await admin.paginate<{ body: string }>(
        '/repos/{owner}/{repo}/issues/{index}/comments',
        { path: { owner, repo, index: n } },
      );
      if (comments.length) snap.comments[`${full}#${n}`] = comments.map((c) => c.body);
    }
    snap.branches[full] = (
      await admin.paginate<{ name: string }>('/repos/{owner}/{repo}/branches', { path: { owner, repo } })
    )
      .map((b) => b.name)
      .sort();
    for (const branch of snap.branches[full]!) {
      // RFC.md on an RFC repo's main; on the meta repo every entry on main, else the one its branch names.
      const slug = classifyBranch(branch).slug;
      const paths =
        full !== META
          ? branch === 'main'
            ? ['RFC.md']
            : []
          : branch === 'main'
            ? ENTRY_SLUGS.map((s) => `rfcs/${s}.md`)
            : slug
              ? [`rfcs/${slug}.md`]
              : [];
      for (const path of paths) {
        try {
          const f = await admin.request<{ content: string }>(
            'GET',
            '/repos/{owner}/{repo}/contents/{filepath}',
            { path: { owner, repo, filepath: path }, query: { ref: branch } },
          );
          snap.files[`${full}@${branch}:${path}`] = Buffer.from(f.data.content, 'base64').toString('utf8');
        } catch {
          // absent on this branch
        }
      }
    }
  }
  snap.issues.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return snap;
}

/** Totals that tell how many objects exist, for "exactly one effect" checks. */
export function counts(s: Snap): Record<string, number> {
  return {
    issues: s.issues.length,
    comments: Object.values(s.comments).reduce((n, c) => n + c.length, 0),
    pulls: Object.values(s.pulls).reduce((n, p) => n + p.length, 0),
    branches: Object.values(s.branches).reduce((n, b) => n + b.length, 0),
    repos: s.repos.length,
  };
}

/** The names of every write request (method + path) in a log. */
export function writes(log: Recorded[]): Recorded[] {
  return log.filter((r) => r.method !== 'GET');
}
