/**
 * Property: random sequences of commands, with random faults (5xx, timeouts, dropped responses)
 * and random replays (same or fresh audit log), leave Gitea as one clean run of each command.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, expect, test } from 'vitest';
import { type Command, runGate } from '../../src/gate/index.ts';
import type { FaultRule } from '../../src/sim/index.ts';
import { META, sampleCommands, snapshot, startFixture } from './harness.ts';

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
      try {
        for (const step of steps) {
          const remove = step.fault ? f.sim.faults.add(step.fault) : () => {};
          try {
            const auditDir = step.freshAudit ? await mkdtemp(join(f.auditDir, 'r')) : f.auditDir;
            await runGate(POOL[step.cmd]!, f.deps({ auditDir }));
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
      }
    }),
    { numRuns: 5, seed: 4242, endOnFailure: true },
  );
}, 120_000);

test('the pool runs against the meta repo', () => {
  expect(POOL.every((c) => c.repo === META)).toBe(true);
});
