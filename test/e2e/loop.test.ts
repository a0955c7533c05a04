/**
 * The whole loop on the simulator, as an installer sets it up and as Gitea runs it:
 * host the action at a tag, follow docs/install.md literally in a clone of the example meta
 * repo, run the first sweep, then event by event: `/rfc propose` opens a PR, an owner's
 * `/rfc merge` merges it, the push refreshes the committed artifact, the site is published.
 * Then every event is delivered again and nothing is written twice.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GiteaClient, NotFoundError } from '../../src/gitea/index.ts';
import { type SimHandle, startSimulator } from '../../src/sim/index.ts';
import { buildActionDir, ROOT } from '../action/build.ts';
import { dispatch, type JobRecord, type RunEvent, type World } from './workflows.ts';

const exec = promisify(execFile);
const SLUG = 'gradual-typing';
const JOB_USER = 'gitea-actions';

let sim: SimHandle;
let tmp: string;
let clone: string;
let world: World;
let admin: GiteaClient;
let owner: string;
let repo: string;
const tokens: Record<string, string> = {};
const delivered: RunEvent[] = [];
const jobs: JobRecord[] = [];
let lastSeq = 0;

async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Alice Arden',
    GIT_AUTHOR_EMAIL: 'alice@example.org',
    GIT_COMMITTER_NAME: 'Alice Arden',
    GIT_COMMITTER_EMAIL: 'alice@example.org',
    GIT_TERMINAL_PROMPT: '0',
  };
  return (await exec('git', args, { cwd, env })).stdout;
}

function authedUrl(login: string, path: string): string {
  const u = new URL(`${sim.url}/${path}`);
  u.username = login;
  u.password = tokens[login]!;
  return u.href;
}

/** Hosts the action as an installer would: a repo on the Gitea holding action.yml and dist/, tagged v1. */
async function hostAction(): Promise<void> {
  const built = await buildActionDir();
  const work = join(tmp, 'rfc-actions');
  await mkdir(work);
  await cp(join(built, 'action.yml'), join(work, 'action.yml'));
  await cp(join(built, 'dist'), join(work, 'dist'), { recursive: true });
  await rm(built, { recursive: true, force: true });
  await admin.request('POST', '/orgs/{org}/repos', { path: { org: sim.org }, body: { name: 'rfc-actions' } });
  await git(work, 'init', '-q', '-b', 'main');
  await git(work, 'add', '.');
  await git(work, 'commit', '-q', '-m', 'rfc-actions v1');
  await git(work, 'tag', 'v1');
  await git(work, 'push', '-q', authedUrl('gitea-admin', `${sim.org}/rfc-actions.git`), 'main', 'v1');
}

const actionCache = new Map<string, string>();
/** What the runner does with a full-URL `uses:`: clones that repository at that ref. */
async function resolveAction(uses: string): Promise<string> {
  const m = /^(https?:\/\/[^/]+)\/([^/]+)\/([^@]+)@(.+)$/.exec(uses);
  if (!m || m[1] !== sim.url) throw new Error(`"uses: ${uses}" does not name an action on this Gitea`);
  const cached = actionCache.get(uses);
  if (cached) return cached;
  const dir = join(tmp, `action-${actionCache.size}`);
  await exec('git', ['clone', '-q', '--depth', '1', '--branch', m[4]!, `${m[1]}/${m[2]}/${m[3]}.git`, dir]);
  actionCache.set(uses, dir);
  return dir;
}

/** Delivers every recorded event not yet delivered, as Gitea would, until none is left. */
async function pump(): Promise<JobRecord[]> {
  const ran: JobRecord[] = [];
  for (let round = 0; round < 20; round++) {
    const fresh = sim.events.list().filter((e) => e.seq > lastSeq);
    if (fresh.length === 0) return ran;
    for (const e of fresh) {
      lastSeq = e.seq;
      const payload = e.payload as Record<string, unknown> & { sender?: { login?: string } };
      // Events caused with the job token trigger no workflow (Gitea's rule).
      if (payload.sender?.login === JOB_USER) continue;
      const ev: RunEvent = { name: e.name, payload, actor: payload.sender?.login ?? 'unknown' };
      delivered.push(ev);
      const records = await dispatch(join(clone, '.github', 'workflows'), ev, world);
      ran.push(...records);
    }
  }
  throw new Error('events kept coming after 20 rounds: a workflow loop');
}

async function record(records: Promise<JobRecord[]> | JobRecord[]): Promise<JobRecord[]> {
  const r = await records;
  jobs.push(...r);
  for (const j of r) {
    if (j.failed) {
      const errors = j.steps.flatMap((s) => s.result?.commands.filter((c) => c.command === 'error') ?? []);
      throw new Error(
        `${j.workflow}/${j.job} (${j.eventName}) failed: ${errors.map((e) => e.message).join('; ')}`,
      );
    }
  }
  return r;
}

async function api<T>(method: 'GET' | 'POST', route: string, login: string, body?: unknown, query = {}) {
  const client = new GiteaClient({ baseUrl: sim.url, token: tokens[login]! });
  return (await client.request<T>(method, route, { path: { owner, repo }, body, query })).data;
}

async function allPulls(): Promise<
  { number: number; head: { ref: string }; merged: boolean; state: string }[]
> {
  const c = new GiteaClient({ baseUrl: sim.url, token: sim.token });
  return c.paginate('/repos/{owner}/{repo}/pulls', { path: { owner, repo }, query: { state: 'all' } });
}

async function comments(number: number): Promise<{ id: number; body: string; user: { login: string } }[]> {
  const c = new GiteaClient({ baseUrl: sim.url, token: sim.token });
  return c.paginate('/repos/{owner}/{repo}/issues/{index}/comments', {
    path: { owner, repo, index: number },
  });
}

async function branchHead(branch: string): Promise<string> {
  const b = await admin.request<{ commit: { id: string } }>(
    'GET',
    '/repos/{owner}/{repo}/branches/{branch}',
    {
      path: { owner, repo, branch },
    },
  );
  return b.data.commit.id;
}

async function branchFile(branch: string, path: string): Promise<string | null> {
  try {
    const r = await admin.request<string>('GET', '/repos/{owner}/{repo}/raw/{filepath}', {
      path: { owner, repo, filepath: path },
      query: { ref: branch },
      accept: 'text',
    });
    return r.data;
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rfc-e2e-'));
  sim = await startSimulator({ seed: 'example', dataDir: join(tmp, 'sim') });
  [owner, repo] = sim.metaRepo.split('/') as [string, string];
  admin = new GiteaClient({ baseUrl: sim.url, token: sim.token });
  tokens['gitea-admin'] = sim.token;
  for (const login of ['alice', 'bob', 'rfc-bot']) tokens[login] = await sim.createToken(login);
  tokens[JOB_USER] = (await sim.createUser(JOB_USER)).token;
  await sim.setCollaborator(sim.metaRepo, JOB_USER, 'write');
  let run = 100;
  world = {
    giteaUrl: sim.url,
    repository: sim.metaRepo,
    jobToken: tokens[JOB_USER]!,
    secrets: { RFC_BOT_TOKEN: tokens['rfc-bot']! },
    resolveAction,
    nextRunId: () => ++run,
  };
  await hostAction();
  lastSeq = Math.max(0, ...sim.events.list().map((e) => e.seq));
}, 240_000);

afterAll(async () => {
  await sim?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('end to end on the simulator', { timeout: 240_000 }, () => {
  let issue: number;
  let pr: number;
  let state: { pulls: number; issueComments: number; prComments: number; cache: string; pages: string };

  it('installs by following docs/install.md literally', async () => {
    clone = join(tmp, 'meta');
    await git(tmp, 'clone', '-q', authedUrl('alice', `${sim.metaRepo}.git`), clone);
    const doc = await readFile(join(ROOT, 'docs', 'install.md'), 'utf8');
    const block = /```sh install\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    await exec('bash', ['-euo', 'pipefail', '-c', block!], {
      cwd: clone,
      env: {
        ...process.env,
        RFC_ACTIONS: ROOT,
        ACTION_URL: `${sim.url}/${sim.org}/rfc-actions@v1`,
        GIT_AUTHOR_NAME: 'Alice Arden',
        GIT_AUTHOR_EMAIL: 'alice@example.org',
        GIT_COMMITTER_NAME: 'Alice Arden',
        GIT_COMMITTER_EMAIL: 'alice@example.org',
      },
    });
    const installed = await readFile(join(clone, '.github', 'workflows', 'rfc-bot.yml'), 'utf8');
    expect(installed).toContain(`uses: ${sim.url}/${sim.org}/rfc-actions@v1`);
    expect(installed).not.toContain('gitea.example.com');
    // The push of the workflow files is itself an event.
    await record(pump());
    // Step 4 of the install: run rfc-reconcile once.
    const first = await record(
      dispatch(
        join(clone, '.github', 'workflows'),
        { name: 'workflow_dispatch', payload: {}, actor: 'alice' },
        world,
      ).then((r) => r.filter((j) => j.workflow === 'rfc-reconcile.yml')),
    );
    expect(first.map((j) => j.ran)).toEqual([true]);
    expect(await branchFile('rfc-cache', 'cache-artifacts/meta.json')).toContain(sim.metaRepo);
    expect(await branchFile('pages', 'index.html')).toContain('<html');
  });

  it('1. /rfc propose in an issue comment: the bot opens the propose PR and replies', async () => {
    const created = await api<{ number: number }>('POST', '/repos/{owner}/{repo}/issues', 'alice', {
      title: 'Gradual typing',
      body: 'Let modules opt into static types one at a time.',
    });
    issue = created.number;
    await record(pump());
    await api('POST', `/repos/{owner}/{repo}/issues/${issue}/comments`, 'alice', {
      body: `I would like to write this up.\n\n/rfc propose ${SLUG} Gradual typing`,
    });
    const ran = await record(pump());
    expect(ran.some((j) => j.workflow === 'rfc-bot.yml' && j.ran)).toBe(true);
    const proposals = (await allPulls()).filter((p) => p.head.ref === `propose/${SLUG}`);
    expect(proposals).toHaveLength(1);
    expect(proposals[0]!.state).toBe('open');
    pr = proposals[0]!.number;
    const replies = (await comments(issue)).filter((c) => c.user.login === 'rfc-bot');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain(`/rfc propose ${SLUG}`);
    expect(replies[0]!.body).toContain('done');
  });

  it('2. an owner comments /rfc merge: the PR merges', async () => {
    await api('POST', `/repos/{owner}/{repo}/issues/${pr}/comments`, 'bob', { body: '/rfc merge' });
    await record(pump());
    const merged = (await allPulls()).find((p) => p.number === pr);
    expect(merged?.merged).toBe(true);
    const replies = (await comments(pr)).filter((c) => c.user.login === 'rfc-bot');
    expect(replies.map((c) => c.body.includes('/rfc merge'))).toEqual([true]);
  });

  it('3. the push refreshes the cache and the artifact is committed to the cache branch', async () => {
    const pushes = delivered.filter((e) => e.name === 'push' && e.payload.ref === 'refs/heads/main');
    expect(pushes.length).toBeGreaterThan(0);
    const entry = await branchFile('rfc-cache', `cache-artifacts/rfcs/${SLUG}.json`);
    expect(entry).not.toBeNull();
    expect(JSON.parse(entry!)).toMatchObject({ slug: SLUG, state: 'super-draft', title: 'Gradual typing' });
    const ideas = JSON.parse((await branchFile('rfc-cache', 'cache-artifacts/ideas.json')) ?? '[]') as {
      slug: string;
    }[];
    expect(ideas.map((i) => i.slug)).not.toContain(SLUG);
  });

  it('4. the site is built and published to its branch', async () => {
    const page = await branchFile('pages', `rfcs/${SLUG}.html`);
    expect(page).toContain('Gradual typing');
    const index = await branchFile('pages', 'index.html');
    expect(index).toContain(SLUG);
    state = {
      pulls: (await allPulls()).length,
      issueComments: (await comments(issue)).length,
      prComments: (await comments(pr)).length,
      cache: await branchHead('rfc-cache'),
      pages: await branchHead('pages'),
    };
  });

  it('re-running every step writes nothing twice', async () => {
    const again = [...delivered];
    const rerun: JobRecord[] = [];
    for (const ev of again)
      rerun.push(...(await record(dispatch(join(clone, '.github', 'workflows'), ev, world))));
    rerun.push(...(await record(pump())));
    const changedBy = rerun.flatMap((j) =>
      j.steps
        .filter((s) => s.result?.outputs.changed === 'true')
        .map((s) => `${j.workflow} ${j.eventName}: ${s.result?.summary}`),
    );
    expect(changedBy).toEqual([]);
    expect({
      pulls: (await allPulls()).length,
      issueComments: (await comments(issue)).length,
      prComments: (await comments(pr)).length,
      cache: await branchHead('rfc-cache'),
      pages: await branchHead('pages'),
    }).toEqual(state);
    const acks = rerun.flatMap((j) =>
      j.steps.flatMap(
        (s) => JSON.parse(s.result?.outputs.acks ?? '[]') as { op: string; prior_execution: boolean }[],
      ),
    );
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.filter((a) => !a.prior_execution)).toEqual([]);
    expect(rerun.flatMap((j) => j.steps.map((s) => s.result?.outputs.changed ?? 'false'))).not.toContain(
      'true',
    );
  });
  it('a command the commenter may not run gets one reply with the reason and the usage', async () => {
    const guest = await sim.createUser('guest');
    tokens.guest = guest.token;
    const before = delivered.length;
    await api('POST', `/repos/{owner}/{repo}/issues/${issue}/comments`, 'guest', {
      body: `/rfc graduate ${SLUG}`,
    });
    await record(pump());
    const reply = async () =>
      (await comments(issue)).filter((c) => c.user.login === 'rfc-bot' && c.body.startsWith('@guest'));
    const replies = await reply();
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain(`@guest \`/rfc graduate ${SLUG}\`: not done: denied`);
    expect(replies[0]!.body).toContain('Usage: `/rfc graduate [slug]`');
    for (const ev of delivered.slice(before))
      await record(dispatch(join(clone, '.github', 'workflows'), ev, world));
    await record(pump());
    expect(await reply()).toHaveLength(1);
    expect((await allPulls()).filter((p) => p.head.ref.startsWith('graduate'))).toEqual([]);
  });
});
