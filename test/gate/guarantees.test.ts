/** Replay and crash-window guarantees of every operation, on the simulator. */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import type { FaultRule } from '../../src/sim/index.ts';
import { counts, type Fixture, META, sampleCommands, snapshot, startFixture, writes } from './harness.ts';

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

/** Runs `fn` with the simulator's fault `rules` in force, and removes them whatever `fn` does. */
async function underFaults<T>(f: Fixture, rules: FaultRule[], fn: () => Promise<T>): Promise<T> {
  const removers = rules.map((rule) => f.sim.faults.add(rule));
  try {
    return await fn();
  } finally {
    for (const remove of removers) remove();
  }
}

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
      const ack = await underFaults(
        f,
        ['POST', 'PUT', 'PATCH', 'DELETE'].map((method) => ({ method, dropResponse: true })),
        () =>
          runGate(
            command,
            f.deps({ ...extra, config: { lockWaitMs: 50, lockPollMs: 10, retryDelayMs: 0, attempts: 8 } }),
          ),
      );
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
      const acks = await underFaults(f, [{ method: 'GET', latencyMs: 15 }], () =>
        Promise.all(
          [1, 2, 3].map(async (n) => {
            const auditDir = await mkdtemp(join(f.auditDir, `c${n}-`));
            if (mode === 'artifact') await sweepInto(f, auditDir);
            return runGate(command, f.deps({ ...extra, auditDir }));
          }),
        ),
      );
      expect(acks.map((a) => a.success)).toEqual([true, true, true]);
      expect(new Set(acks.map((a) => a.number)).size).toBe(1);
      expect(delta(s0, counts(await snapshot(f.admin)))).toEqual(DELTAS[op]);
    });
  },
);

/** Operations that send their branch create before probing when the artifact's log knows no run of the request. */
const WRITE_FIRST: OpName[] = [
  'propose_rfc',
  'start_edit_branch',
  'open_body_edit_pr',
  'open_metadata_pr',
  'open_claim_pr',
];
/** Operations that take their claim before probing there: the probe under the claim finds the effect. */
const CLAIM_FIRST: OpName[] = ['create_issue', 'add_comment'];
/** The create and the delete of one claim branch, the only writes such a re-run sends. */
const claimWrites = (sent: string[]) => {
  expect(sent).toHaveLength(2);
  expect(sent[0]).toMatch(/^POST \/api\/v1\/repos\/[^/]+\/[^/]+\/branches$/);
  expect(sent[1]).toMatch(
    /^DELETE \/api\/v1\/repos\/[^/]+\/[^/]+\/branches\/rfc-actions%2Fclaim%2F[0-9a-f]{40}$/,
  );
};

/**
 * An audit directory holding the cache artifact (swept once per fixture, then copied) and a log
 * that knows other commands only: the gate writes branch creates first there (`writeFirst`).
 */
const templates = new WeakMap<Fixture, Promise<string>>();
async function unrecordedDir(f: Fixture, name: string): Promise<string> {
  let template = templates.get(f);
  if (!template) {
    template = (async () => {
      const dir = join(f.auditDir, 'unrecorded-template');
      await sweepInto(f, dir);
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
    })();
    templates.set(f, template);
  }
  const dir = await mkdtemp(join(f.auditDir, `${name}-`));
  await cp(await template, dir, { recursive: true });
  return dir;
}

/** "METHOD path" of every write request recorded since `from`. */
const writesSince = (f: Fixture, from: number) =>
  writes(f.log.slice(from)).map((r) => `${r.method} ${r.path.split('?')[0]}`);

describe('a run whose audit rows were lost (killed before the artifact was committed): the re-run leaves one effect', () => {
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
    const from = f.log.length;
    const again = await runGate(command, f.deps({ auditDir: dir }));
    expect(again).toMatchObject({
      success: true,
      prior_execution: true,
      number: first.number,
      url: first.url,
    });
    expect(await snapshot(f.admin)).toEqual(s1);
    // Only the branch creates go first, and Gitea refuses them: one request that changes nothing.
    // A claim goes first too: created, the probe under it finds the effect, and it is deleted.
    const sent = writesSince(f, from);
    if (WRITE_FIRST.includes(op)) expect(sent.length).toBe(1);
    else if (CLAIM_FIRST.includes(op)) claimWrites(sent);
    else expect(sent).toEqual([]);
  });
});

describe('a replay on a fresh runner after another command in the same directory (an audit log, no artifact) writes nothing', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => f.close());

  test.each([...WRITE_FIRST, 'create_issue', 'add_comment'] as OpName[])('%s', async (op) => {
    const command = sampleCommands(`fresh-${op}`)[op];
    const first = await runGate(command, f.deps({ auditDir: await mkdtemp(join(f.auditDir, 'a-')) }));
    expect(first.success, first.message).toBe(true);
    const dir = await mkdtemp(join(f.auditDir, 'b-'));
    expect(
      (await runGate(sampleCommands(`other-${op}`).assign_issue, f.deps({ auditDir: dir }))).success,
    ).toBe(true);
    const from = f.log.length;
    const again = await runGate(command, f.deps({ auditDir: dir }));
    expect(again).toMatchObject({ success: true, prior_execution: true, number: first.number });
    expect(writesSince(f, from)).toEqual([]);
  });
});

describe('the artifact at hand without the first run: the same request with another payload is refused, Gitea unchanged', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => f.close());

  test.each(['create_issue', 'add_comment', 'propose_rfc'] as OpName[])('%s', async (op) => {
    const command = sampleCommands(`slot-${op}`)[op];
    const first = await runGate(command, f.deps({ auditDir: await mkdtemp(join(f.auditDir, 'a-')) }));
    expect(first.success, first.message).toBe(true);
    const s1 = await snapshot(f.admin);
    const changed = {
      ...command,
      payload:
        op === 'propose_rfc'
          ? { ...command.payload, title: 'Changed' }
          : { ...command.payload, body: 'Changed.' },
    };
    const from = f.log.length;
    const ack = await runGate(changed, f.deps({ auditDir: await unrecordedDir(f, 'slot') }));
    expect(ack.success).toBe(false);
    expect(ack.message).toMatch(/another payload/);
    expect(await snapshot(f.admin)).toEqual(s1);
    // propose_rfc's create is refused (422); create_issue and add_comment take their claim, find
    // the other payload's marker under it and release it.
    const sent = writesSince(f, from);
    if (op === 'propose_rfc') expect(sent.length).toBe(1);
    else claimWrites(sent);
  });
});

describe('a create sent first whose refusal is lost: the answer does not claim this call made the effect', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => f.close());

  const ROUTE: Partial<Record<OpName, string>> = {
    propose_rfc: '/repos/{owner}/{repo}/contents',
    open_metadata_pr: '/repos/{owner}/{repo}/contents',
    start_edit_branch: '/repos/{owner}/{repo}/branches',
  };
  test.each(Object.keys(ROUTE).map((op) => [op as OpName]))('%s', async (op) => {
    const command = sampleCommands(`refusal-lost-${op}`)[op];
    const first = await runGate(command, f.deps({ auditDir: await mkdtemp(join(f.auditDir, 'a-')) }));
    expect(first.success, first.message).toBe(true);
    const s1 = await snapshot(f.admin);
    const dir = await unrecordedDir(f, 'refusal');
    const again = await underFaults(
      f,
      [{ method: 'POST', route: ROUTE[op]!, dropResponse: true, times: 1 }],
      () => runGate(command, f.deps({ auditDir: dir })),
    );
    expect(await snapshot(f.admin)).toEqual(s1);
    expect(again).toMatchObject({ success: true, number: first.number, url: first.url });
    expect(again.message).not.toMatch(/made by this call's earlier write/);
    expect(again.message).toMatch(/made by that create, or by an earlier run/);
  });
});

describe('three concurrent runs, each with the artifact and a log that does not know the command (writing first), leave one effect', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => f.close());

  test.each(OP_NAMES.map((op) => [op]))('%s', async (op) => {
    const command = sampleCommands('concurrent-unrecorded')[op];
    const dirs = await Promise.all([1, 2, 3].map((n) => unrecordedDir(f, `u${n}`)));
    const s0 = counts(await snapshot(f.admin));
    const acks = await underFaults(f, [{ method: 'GET', latencyMs: 15 }], () =>
      Promise.all(dirs.map((auditDir) => runGate(command, f.deps({ auditDir })))),
    );
    expect(acks.map((a) => a.success)).toEqual([true, true, true]);
    expect(new Set(acks.map((a) => a.number)).size).toBe(1);
    expect(delta(s0, counts(await snapshot(f.admin)))).toEqual(DELTAS[op]);
  });
});

describe('a write under a claim whose response is lost: the answer says this call made the effect', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  }, 30_000);
  afterAll(async () => f.close());

  // The probe under the claim ran before the write, so no earlier run can have made the object.
  const ROUTE: Partial<Record<OpName, string>> = {
    create_issue: '/repos/{owner}/{repo}/issues',
    add_comment: '/repos/{owner}/{repo}/issues/{index}/comments',
  };
  test.each(Object.keys(ROUTE).map((op) => [op as OpName]))('%s', async (op) => {
    const command = sampleCommands(`claim-lost-${op}`)[op];
    const s0 = counts(await snapshot(f.admin));
    const auditDir = await unrecordedDir(f, 'claim-lost');
    const ack = await underFaults(
      f,
      [{ method: 'POST', route: ROUTE[op]!, dropResponse: true, times: 1 }],
      () => runGate(command, f.deps({ auditDir })),
    );
    expect(ack).toMatchObject({ success: true, prior_execution: false });
    expect(ack.message).toMatch(/made by this call's earlier write, whose response was lost/);
    expect(delta(s0, counts(await snapshot(f.admin)))).toEqual(DELTAS[op]);
  });
});
