/** Races: two processes run the same command at once through the CLI; Gitea ends with one effect. */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OpName } from '../../src/gate/index.ts';
import { counts, type Fixture, META, sampleCommands, snapshot, startFixture } from './harness.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One operation per kind of guard: claim branch, atomic branch + PR 409, repo 409 + blob sha (every operation races in-process in guarantees.test.ts). */
const RACED: [OpName, Record<string, number>, 'requested-at' | null][] = [
  ['create_issue', { issues: 1 }, null],
  // The same race with both probes bounded by the request's time (`--requested-at`).
  ['create_issue', { issues: 1 }, 'requested-at'],
  ['propose_rfc', { pulls: 1, branches: 1 }, null],
  ['graduate_rfc', { repos: 1, branches: 1 }, null],
];

describe('two processes with the same command leave one effect', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => f.close());

  test.each(RACED)('%s: %j (options: %s)', async (op, expected, extra) => {
    const command = sampleCommands(extra ? `race-${extra}` : 'race-1')[op];
    const requestedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000).toISOString();
    const before = counts(await snapshot(f.admin));
    const logged = f.sim.requests().length;
    // Slow reads widen the window in which both processes have probed and neither has written.
    const remove = f.sim.faults.add({ method: 'GET', latencyMs: 40 });
    const child = async (n: number) => {
      const out = await mkdtemp(join(f.auditDir, `p${n}-`));
      const args = ['--import', 'tsx', 'src/cli.ts', 'gate', op, '--input', JSON.stringify(command.payload)];
      args.push('--as', command.actor, '--request', command.request, '--source', command.source, '--json');
      args.push(
        '--gitea-url',
        f.sim.url,
        '--token',
        f.sim.token,
        '--repo',
        META,
        '--bot-token',
        f.tokens['rfc-bot']!,
        '--out',
        out,
        '--no-refresh',
        ...(extra ? ['--requested-at', requestedAt] : []),
      );
      const { stdout } = await run(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, GITEA_TOKEN: '' },
      });
      return JSON.parse(stdout) as { success: boolean; number: number | null; prior_execution: boolean };
    };
    let acks: Awaited<ReturnType<typeof child>>[];
    try {
      acks = await Promise.all([child(1), child(2)]);
    } finally {
      remove();
    }
    const ended = f.sim.requests().length;
    expect(acks.map((a) => a.success)).toEqual([true, true]);
    expect(Object.keys(acks[0]!).sort()).toEqual([
      'executed_at',
      'key',
      'message',
      'number',
      'op',
      'prior_execution',
      'success',
      'url',
    ]);
    expect(acks[0]!.number).toBe(acks[1]!.number);
    const after = counts(await snapshot(f.admin));
    const delta: Record<string, number> = {};
    for (const k of Object.keys(after)) if (after[k] !== before[k]) delta[k] = after[k]! - before[k]!;
    expect(delta).toEqual(expected);
    if (extra) {
      const lists = f.sim
        .requests()
        .slice(logged, ended)
        .filter((e) => e.method === 'GET' && e.route === '/repos/{owner}/{repo}/issues');
      expect(lists.length).toBeGreaterThan(0);
      for (const e of lists)
        expect(new URLSearchParams(e.query).get('since')).toBe(requestedAt.replace('.000Z', 'Z'));
    }
  });
});
