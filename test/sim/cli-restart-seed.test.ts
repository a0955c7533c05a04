import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/cli/sim.ts';
import { startSimulator } from '../../src/sim/index.ts';
import type { Scenario } from '../../src/sim/seed.ts';
import { b64, call, expectStatus, orgWithRepo, tempDir, withSim } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('rfc-actions sim', () => {
  it('prints the ready line, serves, and exits 0 on SIGTERM', async () => {
    const data = tempDir();
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'sim', '--port', '0', '--data', data.path, '--seed', 'empty'],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.setEncoding('utf8');
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        child.on('exit', (code) => reject(new Error(`sim exited early with ${code}`)));
      });
      const ready = JSON.parse(line) as { url: string; token: string; org: string; metaRepo: string };
      expect(Object.keys(ready).sort()).toEqual(['metaRepo', 'org', 'token', 'url']);
      expect({ org: ready.org, metaRepo: ready.metaRepo }).toEqual({ org: 'rfcs', metaRepo: 'rfcs/meta' });
      const res = await fetch(`${ready.url}/api/v1/repos/rfcs/meta/branches/main`, {
        headers: { authorization: `token ${ready.token}` },
      });
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      data.cleanup();
    }
  });

  it.each([
    [['--seed', 'bogus'], /--seed/],
    [['--port', 'x'], /--port/],
    [['--nope'], /nope/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });
});

describe('persistence', () => {
  it('keeps users, tokens, repos, branches, events and counters across a restart', async () => {
    const data = tempDir();
    try {
      const a = await startSimulator({ dataDir: data.path });
      await orgWithRepo(a, 'acme', 'meta');
      const bob = await a.createUser('bob');
      expectStatus(
        await call(a, 'POST', '/repos/acme/meta/contents/f.md', {
          body: { content: b64('f'), new_branch: 'b1' },
        }),
        201,
      );
      const issueIndex = a.core.store.nextIssueIndex(1);
      const events = a.events.list().length;
      const adminToken = a.token;
      await a.close();

      const b = await startSimulator({ dataDir: data.path });
      try {
        expect(b.token).toBe(adminToken);
        expect((await call(b, 'GET', '/user', { token: bob.token })).body.login).toBe('bob');
        expect((await call(b, 'GET', '/repos/acme/meta/contents/f.md?ref=b1')).status).toBe(200);
        expect(b.events.list()).toHaveLength(events);
        expect(b.core.store.nextIssueIndex(1)).toBe(issueIndex + 1);
        expectStatus(
          await call(b, 'POST', '/repos/acme/meta/contents/g.md', { body: { content: b64('g') } }),
          201,
        );
        expect(b.events.list().at(-1)!.seq).toBeGreaterThan(events);
      } finally {
        await b.close();
      }
    } finally {
      data.cleanup();
    }
  });
});

const SCENARIO: Scenario = {
  org: 'rfcs',
  metaRepo: 'meta',
  bot: 'rfc-bot',
  users: [
    { login: 'alice', fullName: 'Alice Arden', email: 'alice@example.org' },
    { login: 'bob', fullName: 'Bob Bell', email: 'bob@example.org' },
  ],
  collaborators: [{ repo: 'meta', login: 'alice', permission: 'write' }],
  repos: [{ name: 'meta', description: 'Meta', files: { 'README.md': '# Meta\n', 'rfcs/0001-x.md': 'x\n' } }],
  steps: [
    {
      op: 'commit',
      repo: 'meta',
      branch: 'edit/x',
      author: 'alice',
      message: 'Edit x',
      files: { 'rfcs/0001-x.md': 'x2\n' },
    },
    {
      op: 'commit',
      repo: 'meta',
      branch: 'edit/x',
      author: 'alice',
      message: 'Drop readme',
      delete: ['README.md'],
    },
    { op: 'deleteBranch', repo: 'meta', branch: 'edit/x' },
    {
      op: 'commit',
      repo: 'meta',
      branch: 'main',
      author: 'alice',
      message: 'On main',
      files: { 'new.md': 'n\n' },
    },
  ],
};

describe('seed', () => {
  it('gives identical shas and timestamps on every run', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const { sim, stop } = await withSim({ seed: 'example', scenario: SCENARIO });
      try {
        expect({ org: sim.org, metaRepo: sim.metaRepo }).toEqual({ org: 'rfcs', metaRepo: 'rfcs/meta' });
        expect(Object.keys(sim.seedTokens).sort()).toEqual(['alice', 'bob', 'rfc-bot']);
        const commits = await call(sim, 'GET', '/repos/rfcs/meta/commits?stat=false&files=false');
        const repo = await call(sim, 'GET', '/repos/rfcs/meta');
        runs.push({
          commits: commits.body.map((c: { sha: string; commit: { author: { date: string } } }) => [
            c.sha,
            c.commit.author.date,
          ]),
          updated: repo.body.updated_at,
          events: sim.events.list().map((e) => e.name),
        });
        const perm = await call(sim, 'GET', '/repos/rfcs/meta/collaborators/rfc-bot/permission');
        expect(perm.body.permission).toBe('owner');
      } finally {
        await stop();
      }
    }
    expect(runs[0]!.commits).toHaveLength(2);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]!.events).toEqual(['create', 'push', 'create', 'push', 'push', 'delete', 'push']);
  });

  it('skips steps whose routes are missing, naming them', async () => {
    const { sim, stop } = await withSim({
      seed: 'example',
      scenario: { ...SCENARIO, steps: [{ op: 'issue', repo: 'meta', title: 'T', author: 'bob' }] },
    });
    try {
      const hasIssues = sim.core.router.match('POST', '/repos/x/x/issues') !== null;
      expect(sim.seedSkipped.length).toBe(hasIssues ? 0 : 1);
    } finally {
      await stop();
    }
  });
});

describe('examples/scenario.json', () => {
  const file = fileURLToPath(new URL('../../examples/scenario.json', import.meta.url));
  it.runIf(existsSync(file))('seeds the same refs, pulls and events on every run', async () => {
    const snapshots = [];
    for (let i = 0; i < 2; i++) {
      const { sim, stop } = await withSim({ seed: 'example' });
      try {
        expect(sim.seedSkipped).toEqual([]);
        const repos = sim.core.store.repos.values().sort((a, b) => a.id - b.id);
        const refs = [];
        for (const r of repos)
          refs.push([
            r.name,
            r.updatedAt,
            [...(await sim.core.git.listRefs(sim.core.git.pathOf(r.owner, r.name)))],
          ]);
        const events = sim.events
          .list()
          .map((e) => [e.name, JSON.stringify(e.payload).replace(/127\.0\.0\.1:\d+/g, 'HOST')]);
        snapshots.push({ refs, events });
      } finally {
        await stop();
      }
    }
    expect(snapshots[0]!.events.length).toBeGreaterThan(0);
    expect(snapshots[1]).toEqual(snapshots[0]);
  });
});

describe('data dir', () => {
  it('removes a temp data dir it created on close, and keeps a given one', async () => {
    const own = await startSimulator();
    expect(existsSync(own.dataDir)).toBe(true);
    await own.close();
    expect(existsSync(own.dataDir)).toBe(false);
    const given = tempDir();
    try {
      const sim = await startSimulator({ dataDir: given.path });
      await sim.close();
      expect(existsSync(`${given.path}/sim.sqlite`)).toBe(true);
    } finally {
      given.cleanup();
    }
  });
});
