/** Replay and crash-window guarantees of every operation, on the simulator. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { reconcile } from '../../src/cache/reconcile.ts';
import { AUDIT_FILE, appendAudit } from '../../src/gate/audit.ts';
import {
  checkoutEntries,
  type EntrySource,
  type GateDeps,
  OP_NAMES,
  type OpName,
  readAudit,
  runGate,
} from '../../src/gate/index.ts';
import { GiteaClient } from '../../src/gitea/client.ts';
import { counts, type Fixture, META, sampleCommands, snapshot, startFixture } from './harness.ts';

const exec = promisify(execFile);

/** Operations that read entries from a checkout (open_body_edit_pr shares open_metadata_pr's path). */
const CHECKOUT_OPS: OpName[] = ['open_metadata_pr', 'open_claim_pr', 'graduate_rfc'];
/** Operations that read the cache artifact in the audit directory. */
const ARTIFACT_OPS: OpName[] = ['withdraw_branch_pr', 'graduate_rfc'];

type Mode = 'api' | 'checkout' | 'artifact';
const MODES: [Mode, OpName[]][] = [
  ['api', [...OP_NAMES]],
  ['checkout', CHECKOUT_OPS],
  ['artifact', ARTIFACT_OPS],
];

/** Sweeps the meta repo into the artifact in `dir`, as the job's last sweep or refresh did. */
async function sweepInto(f: Fixture, dir: string): Promise<void> {
  const quiet = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token, sleep: async () => {} });
  await reconcile({ out: dir, metaRepo: META, full: true, sqlite: false }, { client: quiet });
}

/**
 * Entries for `mode`: none, the cache artifact swept into the audit directory now, or a clone of the meta repo brought up to date now (the first run
 * reads it fresh; later runs in the same test read it stale, as a re-run job would).
 */
async function modeDeps(f: Fixture, mode: Mode, dirs: string[]): Promise<Partial<GateDeps>> {
  if (mode === 'api') return {};
  if (mode === 'artifact') {
    await sweepInto(f, f.auditDir);
    return {};
  }
  const dir = await mkdtemp(join(tmpdir(), 'gate-guar-ws-'));
  dirs.push(dir);
  await exec('git', ['clone', '-q', `${f.sim.url.replace('//', `//x:${f.sim.token}@`)}/${META}.git`, dir]);
  const entries: EntrySource | null = await checkoutEntries(dir, { repo: META });
  if (!entries) throw new Error('the clone is not a checkout of the meta repo');
  return { entries };
}

/** What one clean execution of each sample command adds. */
const DELTAS: Record<
  OpName,
  Partial<Record<'issues' | 'comments' | 'pulls' | 'branches' | 'repos', number>>
> = {
  create_issue: { issues: 1 },
  add_comment: { comments: 1 },
  close_issue: {},
  assign_issue: {},
  merge_pr: {},
  propose_rfc: { pulls: 1, branches: 1 },
  start_edit_branch: { branches: 1 },
  open_body_edit_pr: { pulls: 1, branches: 1 },
  open_metadata_pr: { pulls: 1, branches: 1 },
  open_claim_pr: { pulls: 1, branches: 1 },
  open_branch_pr: { pulls: 1 },
  withdraw_branch_pr: { comments: 1 },
  graduate_rfc: { repos: 1, branches: 1 },
  withdraw_rfc: {},
};

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) if (after[k] !== before[k]) out[k] = after[k]! - before[k]!;
  return out;
}

describe.each(MODES)('replay: the same command 5 times leaves one effect (entries: %s)', (mode, ops) => {
  let f: Fixture;
  const dirs: string[] = [];
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => {
    await f.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test.each(ops.map((op) => [op]))('%s', async (op) => {
    const command = sampleCommands()[op];
    const extra = await modeDeps(f, mode, dirs);
    const s0 = await snapshot(f.admin);
    const first = await runGate(command, f.deps(extra));
    expect(first).toMatchObject({ success: true, prior_execution: false, op });
    const s1 = await snapshot(f.admin);
    expect(s1).not.toEqual(s0);
    expect(delta(counts(s0), counts(s1))).toEqual(DELTAS[op]);
    // Replays 2-3 find the audit log; 4-5 run as on a fresh runner and find the proof in Gitea.
    const fresh = await mkdtemp(join(tmpdir(), 'gate-fresh-'));
    try {
      for (let i = 2; i <= 5; i++) {
        const ack = await runGate(
          command,
          i <= 3 ? f.deps(extra) : f.deps({ ...extra, auditDir: await mkdtemp(join(fresh, 'r')) }),
        );
        expect(ack, `replay ${i}`).toMatchObject({
          success: true,
          prior_execution: true,
          key: first.key,
          number: first.number,
          url: first.url,
        });
      }
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
    expect(await snapshot(f.admin)).toEqual(s1);
    const rows = (await readAudit(f.auditDir)).filter((r) => r.key === first.key);
    expect(rows.map((r) => r.outcome)).toEqual(['pending', 'success']);
  });
});

describe.each(MODES)(
  'crash window: every write performed, every response dropped (entries: %s)',
  (mode, ops) => {
    let f: Fixture;
    const dirs: string[] = [];
    beforeAll(async () => {
      f = await startFixture();
    }, 30_000);
    afterAll(async () => {
      await f.close();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    test.each(ops.map((op) => [op]))('%s', async (op) => {
      const command = sampleCommands()[op];
      const extra = await modeDeps(f, mode, dirs);
      const s0 = counts(await snapshot(f.admin));
      const removers = ['POST', 'PUT', 'PATCH', 'DELETE'].map((method) =>
        f.sim.faults.add({ method, dropResponse: true }),
      );
      let ack: Awaited<ReturnType<typeof runGate>>;
      try {
        ack = await runGate(
          command,
          f.deps({ ...extra, config: { lockWaitMs: 50, lockPollMs: 10, retryDelayMs: 0, attempts: 8 } }),
        );
      } finally {
        for (const remove of removers) remove();
      }
      expect(ack).toMatchObject({ success: true, prior_execution: false });
      const s1 = await snapshot(f.admin);
      expect(delta(s0, counts(s1))).toEqual(DELTAS[op]);
      const again = await runGate(
        command,
        f.deps({ ...extra, auditDir: await mkdtemp(join(f.auditDir, 'x')) }),
      );
      expect(again).toMatchObject({ success: true, prior_execution: true, number: ack.number });
      expect(await snapshot(f.admin)).toEqual(s1);
    });
  },
);

describe.each(MODES)(
  'three concurrent runs of one command, each with its own audit log, leave one effect (entries: %s)',
  (mode, ops) => {
    let f: Fixture;
    const dirs: string[] = [];
    beforeAll(async () => {
      f = await startFixture();
    }, 30_000);
    afterAll(async () => {
      await f.close();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    test.each(ops.map((op) => [op]))('%s', async (op) => {
      const command = sampleCommands('concurrent')[op];
      const extra = await modeDeps(f, mode, dirs);
      const s0 = counts(await snapshot(f.admin));
      const remove = f.sim.faults.add({ method: 'GET', latencyMs: 15 });
      let acks: Awaited<ReturnType<typeof runGate>>[];
      try {
        acks = await Promise.all(
          [1, 2, 3].map(async (n) => {
            const auditDir = await mkdtemp(join(f.auditDir, `c${n}-`));
            if (mode === 'artifact') await sweepInto(f, auditDir);
            return runGate(command, f.deps({ ...extra, auditDir }));
          }),
        );
      } finally {
        remove();
      }
      expect(acks.map((a) => a.success)).toEqual([true, true, true]);
      expect(new Set(acks.map((a) => a.number)).size).toBe(1);
      expect(delta(s0, counts(await snapshot(f.admin)))).toEqual(DELTAS[op]);
    });
  },
);

/** An audit directory whose log knows other commands only: the gate writes first there (`writeFirst`). */
async function unrecordedDir(f: Fixture, name: string): Promise<string> {
  const dir = await mkdtemp(join(f.auditDir, `${name}-`));
  await appendAudit(dir, [
    {
      key: 'f'.repeat(40),
      op: 'create_issue',
      repo: META,
      actor: 'someone',
      source: 'test',
      request: 'another-request',
      outcome: 'success',
      number: 99,
      url: null,
      message: 'another command',
      at: '2026-01-01T00:00:00.000Z',
    },
  ]);
  return dir;
}

describe('a run whose audit row was lost (killed before the artifact was committed): the re-run, writing first, leaves one effect', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => f.close());

  test.each(OP_NAMES.map((op) => [op]))('%s', async (op) => {
    const command = sampleCommands('lost-row')[op];
    const dir = await unrecordedDir(f, 'lost');
    const s0 = counts(await snapshot(f.admin));
    const first = await runGate(command, f.deps({ auditDir: dir }));
    expect(first).toMatchObject({ success: true, prior_execution: false });
    const s1 = await snapshot(f.admin);
    expect(delta(s0, counts(s1))).toEqual(DELTAS[op]);
    // The job died after its writes: the artifact it would have committed, with its rows, is gone.
    const log = (await readFile(join(dir, AUDIT_FILE), 'utf8'))
      .split('\n')
      .filter((line) => line && !line.includes(first.key))
      .join('\n');
    await writeFile(join(dir, AUDIT_FILE), `${log}\n`);
    const again = await runGate(command, f.deps({ auditDir: dir }));
    expect(again).toMatchObject({
      success: true,
      prior_execution: true,
      number: first.number,
      url: first.url,
    });
    expect(await snapshot(f.admin)).toEqual(s1);
  });
});

describe('three concurrent runs, each with an audit log that does not know the command (writing first), leave one effect', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => f.close());

  test.each(OP_NAMES.map((op) => [op]))('%s', async (op) => {
    const command = sampleCommands('concurrent-unrecorded')[op];
    const s0 = counts(await snapshot(f.admin));
    const remove = f.sim.faults.add({ method: 'GET', latencyMs: 15 });
    let acks: Awaited<ReturnType<typeof runGate>>[];
    try {
      acks = await Promise.all(
        [1, 2, 3].map(async (n) => runGate(command, f.deps({ auditDir: await unrecordedDir(f, `u${n}`) }))),
      );
    } finally {
      remove();
    }
    expect(acks.map((a) => a.success)).toEqual([true, true, true]);
    expect(new Set(acks.map((a) => a.number)).size).toBe(1);
    expect(delta(s0, counts(await snapshot(f.admin)))).toEqual(DELTAS[op]);
  });
});
