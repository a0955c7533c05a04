import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimHandle } from '../../src/sim/index.ts';
import { seeded, tempDirs } from './helpers.ts';

let sim: SimHandle;
const dirs = tempDirs();

beforeAll(async () => {
  ({ sim } = await seeded());
});
afterAll(async () => {
  await sim.close();
  await dirs.cleanup();
});

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('rfc-actions reconcile / event', () => {
  it('prints one JSON object with changed, counts, problems, requests and durationMs', async () => {
    const out = await dirs.make();
    const env = {
      GITEA_URL: sim.url,
      GITEA_TOKEN: sim.token,
      GITHUB_REPOSITORY: sim.metaRepo,
      GITHUB_WORKSPACE: '',
    };
    const first = await cli(['reconcile', '--out', out, '--json'], env);
    expect(first.code).toBe(0);
    const r = JSON.parse(first.stdout);
    expect(r).toMatchObject({ changed: true, mode: 'full', counts: { problems: 1 } });
    expect(r.problems[0].file).toBe('rfcs/broken-entry.md');
    expect(r.requests.total).toBeGreaterThan(0);
    // The cold sweep reads the entries with one shallow fetch over git's smart HTTP.
    expect(r.entrySource).toBe('git');
    expect(r.requests.byMethod.git).toBeGreaterThanOrEqual(2);
    expect(r.requests.byMethod.GET + r.requests.byMethod.git).toBe(r.requests.total);
    expect(typeof r.durationMs).toBe('number');
    const second = JSON.parse((await cli(['reconcile', '--out', out, '--json'], env)).stdout);
    expect(second).toMatchObject({ changed: false, mode: 'incremental' });

    const payload = join(out, '..', 'event.json');
    await writeFile(
      payload,
      JSON.stringify({ action: 'opened', number: 2, repository: { full_name: sim.metaRepo } }),
    );
    const ev = await cli(['event', '--out', out, '--json'], {
      ...env,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: payload,
    });
    expect(ev.code).toBe(0);
    expect(JSON.parse(ev.stdout)).toMatchObject({
      action: 'refreshed',
      changed: false,
      requests: { total: 1 },
    });
  });

  it('commits the artifact to the cache branch with --commit, and restores a fresh dir from it', async () => {
    const env = {
      GITEA_URL: sim.url,
      GITEA_TOKEN: sim.token,
      GITHUB_REPOSITORY: sim.metaRepo,
      GITHUB_WORKSPACE: '',
    };
    const branch = 'cli-cache';
    const out = await dirs.make();
    const first = await cli(['reconcile', '--out', out, '--json', '--commit', '--branch', branch], env);
    expect(first.code).toBe(0);
    const r = JSON.parse(first.stdout);
    expect(r.changed).toBe(true);
    expect(r.commit.result).toBe('committed');
    const res = await fetch(`${sim.url}/api/v1/repos/${sim.metaRepo}/branches/${branch}`, {
      headers: { authorization: `token ${sim.token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { commit: { id: string } }).commit.id).toBe(r.commit.commit);

    // A fresh runner: the empty dir is filled from the branch, so the sweep finds nothing new to commit.
    const fresh = await dirs.make();
    const again = await cli(['reconcile', '--out', fresh, '--json', '--commit', '--branch', branch], env);
    expect(again.code).toBe(0);
    const a = JSON.parse(again.stdout);
    expect(a.mode).toBe('incremental');
    expect(a.commit.result).toBe('unchanged');

    const noToken = await cli(['reconcile', '--out', fresh, '--commit'], { ...env, GITEA_TOKEN: '' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('"--commit" needs a token');
  });

  it('exits non-zero with a clear message when Gitea fails, leaving no artifact', async () => {
    const out = await dirs.make();
    const remove = sim.faults.add({ route: '/repos/{owner}/{repo}/pulls', status: 500 });
    try {
      const r = await cli([
        'reconcile',
        '--out',
        out,
        '--gitea-url',
        sim.url,
        '--token',
        sim.token,
        '--repo',
        sim.metaRepo,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/sweep of "rfcs\/meta" failed; nothing was written/);
      expect(r.stderr).not.toContain(sim.token);
    } finally {
      remove();
    }
    expect(await readdir(out)).toEqual([]);
  });
});
