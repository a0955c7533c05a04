/**
 * Property: random sequences of commands, with random faults (5xx, timeouts, dropped responses),
 * random replays (same or fresh audit log) and entries from the API, a fresh checkout or a stale
 * one, with a cache artifact in the shared audit directory that goes stale as the steps run, leave
 * Gitea as one clean run of each command.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { reconcile } from '../../src/cache/reconcile.ts';
import { serializeEntry } from '../../src/entry/index.ts';
import { type Command, checkoutEntries, type EntrySource, runGate } from '../../src/gate/index.ts';
import { GiteaClient } from '../../src/gitea/client.ts';
import type { FaultRule } from '../../src/sim/index.ts';
import { entry, type Fixture, META, sampleCommands, snapshot, startFixture } from './harness.ts';

const exec = promisify(execFile);

/** A clone of the meta repo; `stale`: with a local commit that changes the entries the pool edits. */
async function clone(f: Fixture, dir: string, stale: boolean): Promise<EntrySource> {
  await exec('git', ['clone', '-q', `${f.sim.url.replace('//', `//x:${f.sim.token}@`)}/${META}.git`, dir]);
  if (stale) {
    for (const slug of ['intro', 'claimme'])
      await writeFile(
        join(dir, `rfcs/${slug}.md`),
        serializeEntry(entry({ slug, owners: ['alice'], tags: ['old'] })),
      );
    await exec('git', [
      '-C',
      dir,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-qam',
      'stale',
    ]);
  }
  const entries = await checkoutEntries(dir, { repo: META });
  if (!entries) throw new Error(`"${dir}" is not a checkout of "${META}"`);
  return entries;
}

const s = sampleCommands('p');
const POOL: Command[] = [
  { ...s.create_issue, request: 'p1', payload: { title: 'Alpha', body: 'a' } },
  { ...s.create_issue, request: 'p2', payload: { title: 'Beta', body: 'b' } },
  { ...s.create_issue, request: 'p3', payload: { title: 'Alpha', body: 'a' } },
  { ...s.add_comment, request: 'p4' },
  { ...s.assign_issue, request: 'p5' },
  { ...s.close_issue, request: 'p6' },
  { ...s.propose_rfc, request: 'p7' },
  { ...s.start_edit_branch, request: 'p8' },
  { ...s.open_metadata_pr, request: 'p9' },
  { ...s.open_claim_pr, request: 'p10' },
  { ...s.withdraw_branch_pr, request: 'p11' },
  { ...s.graduate_rfc, request: 'p12' },
];

const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
const faultArb: fc.Arbitrary<FaultRule | null> = fc.oneof(
  fc.constant(null),
  fc.record({
    method: fc.constantFrom(...WRITE),
    status: fc.constantFrom(500, 502, 503),
    times: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({
    method: fc.constantFrom(...WRITE),
    dropResponse: fc.constant(true),
    times: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({ method: fc.constantFrom(...WRITE), timeout: fc.constant(50), times: fc.constant(1) }),
  fc.record({ method: fc.constant('GET'), status: fc.constant(500), times: fc.constant(1) }),
);
const stepArb = fc.record({
  cmd: fc.integer({ min: 0, max: POOL.length - 1 }),
  fault: faultArb,
  freshAudit: fc.boolean(),
  entries: fc.constantFrom('api', 'fresh', 'stale'),
});

let reference: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  const f = await startFixture();
  try {
    for (const c of POOL) expect((await runGate(c, f.deps())).success).toBe(true);
    reference = await snapshot(f.admin);
  } finally {
    await f.close();
  }
}, 60_000);

test('faults and replays never change the outcome', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { minLength: 4, maxLength: 10 }), async (steps) => {
      const f = await startFixture();
      const ws = await mkdtemp(join(tmpdir(), 'gate-prop-ws-'));
      try {
        // The shared audit directory holds an artifact swept before the first step: stale after it.
        const quiet = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token, sleep: async () => {} });
        await reconcile({ out: f.auditDir, metaRepo: META, full: true, sqlite: false }, { client: quiet });
        const sources = {
          api: null,
          fresh: await clone(f, join(ws, 'fresh'), false),
          stale: await clone(f, join(ws, 'stale'), true),
        };
        for (const step of steps) {
          const remove = step.fault ? f.sim.faults.add(step.fault) : () => {};
          try {
            const auditDir = step.freshAudit ? await mkdtemp(join(f.auditDir, 'r')) : f.auditDir;
            const entries = sources[step.entries];
            await runGate(POOL[step.cmd]!, f.deps({ auditDir, ...(entries ? { entries } : {}) }));
          } finally {
            remove();
          }
        }
        // The retry, as on a fresh runner (no audit log): every command once more, without faults;
        // done ones must be found in Gitea, the rest run.
        const fresh = await mkdtemp(join(f.auditDir, 'final'));
        for (const c of POOL) expect((await runGate(c, f.deps({ auditDir: fresh }))).success).toBe(true);
        expect(await snapshot(f.admin)).toEqual(reference);
      } finally {
        await f.close();
        await rm(ws, { recursive: true, force: true });
      }
    }),
    { numRuns: 5, seed: 4242, endOnFailure: true },
  );
}, 120_000);

test('the pool runs against the meta repo', () => {
  expect(POOL.every((c) => c.repo === META)).toBe(true);
});
