/** A `kill -9` of a sweep at any point leaves the previous artifact intact, and the next sweep converges. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/cache/reconcile.ts';
import { recoverArtifact } from '../../src/cache/store.ts';
import type { GiteaClient } from '../../src/gitea/index.ts';
import type { SimHandle } from '../../src/sim/index.ts';
import { entryText, Mutator, seeded, snapshot, tempDirs } from './helpers.ts';

let sim: SimHandle;
let client: GiteaClient;
const dirs = tempDirs();
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ sim, client } = await seeded());
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sim.close();
  await dirs.cleanup();
});

function startSweep(out: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli.ts',
      'reconcile',
      '--full',
      '--out',
      out,
      '--gitea-url',
      sim.url,
      '--token',
      sim.token,
      '--repo',
      sim.metaRepo,
    ],
    { cwd: join(import.meta.dirname, '../..'), stdio: 'ignore' },
  );
  children.push(child);
  return child;
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('crash safety', () => {
  it.each([3, 10])('a kill -9 after %i requests leaves the previous artifact intact', async (after) => {
    const out = await dirs.make();
    await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    await new Mutator(client).putFile(sim.metaRepo, `rfcs/crash-${after}.md`, entryText(`crash-${after}`));
    const before = await snapshot(out);
    const slow = sim.faults.add({ latencyMs: 40 });
    try {
      const served = sim.requests().length;
      const child = startSweep(out);
      await waitFor(
        () => sim.requests().length >= served + after || child.exitCode !== null,
        'the sweep to start',
      );
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    } finally {
      slow();
    }
    const staged = (await readdir(out)).includes('.staging');
    if (staged) await recoverArtifact(out);
    const now = await snapshot(out);
    const scratch = await dirs.make();
    await reconcile({ out: scratch, metaRepo: sim.metaRepo, full: true }, { client });
    const full = await snapshot(scratch);
    // Either nothing of the killed sweep landed, or (killed after its commit point) all of it did.
    expect([before, full]).toContainEqual(now);
    await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(await snapshot(out)).toEqual(full);
  });
});
