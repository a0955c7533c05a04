import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GiteaClient } from '../../src/gitea/index.ts';
import { type SimHandle, startSimulator } from '../../src/sim/index.ts';
import { buildActionDir } from './build.ts';
import { runStep, type StepRun } from './runner.ts';

let actionDir: string;
let sim: SimHandle;
let workspace: string;
let admin: GiteaClient;

beforeAll(async () => {
  actionDir = await buildActionDir();
  sim = await startSimulator({ seed: 'example' });
  workspace = await mkdtemp(join(tmpdir(), 'rfc-ws-'));
  admin = new GiteaClient({ baseUrl: sim.url, token: sim.token });
});
afterAll(async () => {
  await sim?.close();
  await rm(actionDir, { recursive: true, force: true });
  await rm(workspace, { recursive: true, force: true });
});

const step = (w: Record<string, string>, over: Partial<StepRun> = {}): StepRun => ({
  actionDir,
  with: w,
  giteaUrl: sim.url,
  repository: sim.metaRepo,
  token: sim.token,
  actor: 'gitea-admin',
  eventName: 'workflow_dispatch',
  event: {},
  workspace,
  ...over,
});

async function branchFiles(branch: string): Promise<string[]> {
  const [owner, repo] = sim.metaRepo.split('/');
  const b = await admin.request<{ commit: { id: string } }>(
    'GET',
    '/repos/{owner}/{repo}/branches/{branch}',
    {
      path: { owner: owner!, repo: repo!, branch },
    },
  );
  const t = await admin.request<{ tree: { path: string; type: string }[] }>(
    'GET',
    '/repos/{owner}/{repo}/git/trees/{sha}',
    {
      path: { owner: owner!, repo: repo!, sha: b.data.commit.id },
      query: { recursive: true },
    },
  );
  return t.data.tree
    .filter((e) => e.type === 'blob')
    .map((e) => e.path)
    .sort();
}

describe('runner contract on the simulator', () => {
  it('reconcile sweeps, loads the SQLite addon from beside the bundle, and commits the artifact once', async () => {
    const first = await runStep(step({ command: 'reconcile' }));
    expect(first.commands.filter((c) => c.command === 'error')).toEqual([]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.outputs.changed).toBe('true');
    expect(first.outputs.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(Number(first.outputs.problems)).toBeGreaterThan(0);
    expect(first.summary).toContain('## rfc-actions reconcile: done');
    expect(first.summary).toContain('committed the artifact to "rfc-cache"');
    expect(await readdir(join(workspace, 'cache-artifacts'))).toContain('cache.sqlite');
    const files = await branchFiles('rfc-cache');
    expect(files).toContain('cache-artifacts/meta.json');
    expect(files.some((f) => f.includes('sqlite'))).toBe(false);
    // Each bad entry is an annotation on its file and line.
    const warnings = first.commands.filter((c) => c.command === 'warning');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]!.props.file).toMatch(/^rfcs\/.+\.md$/);
    expect(warnings[0]!.props.title).toBe('RFC entry skipped');

    const again = await runStep(step({ command: 'reconcile' }));
    expect(again.exitCode).toBe(0);
    expect(again.summary).toContain('is already current');
    expect(again.outputs.changed).toBe('false');
    expect(again.outputs.commit).toBe('');
    expect(await branchFiles('rfc-cache')).toEqual(files);
  });

  it('publish builds the site and commits it to the pages branch; a re-run writes nothing', async () => {
    const dir = join(workspace, 'public');
    const first = await runStep(step({ command: 'publish', 'publish-dir': dir }));
    expect(first.commands.filter((c) => c.command === 'error')).toEqual([]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.outputs.published).toBe('true');
    expect(first.outputs['site-dir']).toBe(join(workspace, 'site-out'));
    const files = await branchFiles('pages');
    expect(files).toContain('index.html');
    expect(files.some((f) => f.startsWith('rfcs/') && f.endsWith('.md'))).toBe(false);
    expect(await readFile(join(dir, 'index.html'), 'utf8')).toContain('<html');

    const again = await runStep(step({ command: 'publish' }));
    expect(again.exitCode).toBe(0);
    expect(again.outputs.published).toBe('false');
    expect(await branchFiles('pages')).toEqual(files);
  });

  it('refuses a publish-dir that would replace the workspace', async () => {
    const r = await runStep(step({ command: 'publish', 'publish-branch': '', 'publish-dir': '.' }));
    expect(r.exitCode).toBe(1);
    expect(r.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      'input "publish-dir" is ".", which contains the workspace or "site-dir": name a directory of its own, e.g. "public"',
    ]);
    expect(await readdir(workspace)).toContain('cache-artifacts');
  });

  it('gate answers the slash commands of a recorded issue_comment payload, once', async () => {
    const [owner, repo] = sim.metaRepo.split('/') as [string, string];
    const alice = new GiteaClient({ baseUrl: sim.url, token: await sim.createToken('alice') });
    const issue = await alice.request<{ number: number }>('POST', '/repos/{owner}/{repo}/issues', {
      path: { owner, repo },
      body: { title: 'How do I propose?', body: 'Asking for a friend.' },
    });
    await alice.request('POST', '/repos/{owner}/{repo}/issues/{index}/comments', {
      path: { owner, repo, index: issue.data.number },
      body: { body: 'Thanks!\n/rfc help' },
    });
    const recorded = sim.events
      .list()
      .filter((e) => e.name === 'issue_comment')
      .at(-1)!;
    const gate = () =>
      runStep(
        step({ command: 'gate' }, { eventName: 'issue_comment', event: recorded.payload, actor: 'alice' }),
      );
    const logged = sim.requests().length;
    const first = await gate();
    // The reply's probe lists only the comments since the one that asked (its created_at).
    const createdAt = (recorded.payload as { comment: { created_at: string } }).comment.created_at;
    const probes = sim
      .requests()
      .slice(logged)
      .filter((e) => e.method === 'GET' && e.route === '/repos/{owner}/{repo}/issues/{index}/comments');
    expect(probes.length).toBeGreaterThan(0);
    for (const p of probes) expect(new URLSearchParams(p.query).get('since')).toBe(createdAt);
    expect(first.commands.filter((c) => c.command === 'error')).toEqual([]);
    expect(first.exitCode).toBe(0);
    const ack = JSON.parse(first.outputs.ack!) as {
      op: string;
      success: boolean;
      prior_execution: boolean;
      url: string;
    };
    expect(ack).toMatchObject({ op: 'add_comment', success: true, prior_execution: false });
    expect(JSON.parse(first.outputs.acks!)).toEqual([ack]);
    expect(first.summary).toContain(`](${ack.url})`);
    const again = await gate();
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.outputs.ack!)).toMatchObject({
      op: 'add_comment',
      success: true,
      prior_execution: true,
    });
    const comments = await admin.paginate<{ body: string; user: { login: string } }>(
      '/repos/{owner}/{repo}/issues/{index}/comments',
      { path: { owner, repo, index: issue.data.number } },
    );
    expect(comments.filter((c) => c.body.includes('`/rfc help`'))).toHaveLength(1);
  });

  it('a dispatched unknown operation fails once, listing the operations, and writes nothing', async () => {
    const r = await runStep(step({ command: 'gate', op: 'frobnicate', 'op-input': '{}' }));
    expect(r.exitCode).toBe(1);
    const errors = r.commands.filter((c) => c.command === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(
      'unknown operation "frobnicate"; use one of create_issue, add_comment',
    );
    expect(r.outputs.acks).toBe('[]');
    expect(r.summary).toContain('## rfc-actions gate: failed');
  });
});
