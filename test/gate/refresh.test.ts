/** After a write, the gate's hook refreshes the cache artifact with what the command touched. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readArtifact } from '../../src/cache/artifact.ts';
import { reconcile } from '../../src/cache/reconcile.ts';
import { runGate } from '../../src/gate/index.ts';
import { cacheRefresher, eventsFor } from '../../src/gate/refresh.ts';
import { feedEvents } from '../../src/site/feed.ts';
import { GiteaLinks } from '../../src/site/html.ts';
import { type Fixture, META, sampleCommands, startFixture } from './harness.ts';

let f: Fixture;
let out: string;
beforeAll(async () => {
  f = await startFixture();
  out = await mkdtemp(join(tmpdir(), 'gate-artifact-'));
}, 30_000);
afterAll(async () => {
  await f.close();
  await rm(out, { recursive: true, force: true });
});

test('touched objects become push, create and pull_request events, entries first', async () => {
  const events = await eventsFor(
    [
      { kind: 'pull', repo: META, number: 7 },
      { kind: 'branch', repo: META, branch: 'claim/x' },
      { kind: 'issue', repo: META, number: 2 },
      { kind: 'entry', repo: META, slug: 'intro' },
    ],
    { client: f.admin, defaultBranch: 'main' },
  );
  expect(events.map((e) => e.name)).toEqual(['push', 'create', 'pull_request']);
  expect(events[0]!.payload).toMatchObject({
    ref: 'refs/heads/main',
    after: expect.stringMatching(/^[0-9a-f]{40}$/),
  });
});

test('propose_rfc shows up in the artifact without any workflow event', async () => {
  const client = f.client();
  await reconcile({ out, metaRepo: META, full: true }, { client });
  const before = JSON.parse(await readFile(join(out, 'ideas.json'), 'utf8')) as unknown[];
  expect(before).toEqual([]);
  const sweeps = client.stats().byRoute['GET /repos/{owner}/{repo}/contents/{filepath}'] ?? 0;
  const ack = await runGate(sampleCommands('refresh-1').propose_rfc, {
    ...f.deps({ auditDir: out }),
    gitea: client,
    afterWrite: cacheRefresher({ client, out, metaRepo: META }),
  });
  expect(ack.success).toBe(true);
  const ideas = JSON.parse(await readFile(join(out, 'ideas.json'), 'utf8')) as {
    slug: string;
    number: number;
    openedBy: string;
  }[];
  expect(ideas.find((i) => i.slug === 'fresh')).toMatchObject({ number: ack.number, openedBy: 'alice' });
  // Targeted: the refresh read the one PR, not every entry again.
  expect(client.stats().byRoute['GET /repos/{owner}/{repo}/contents/{filepath}'] ?? 0).toBeLessThanOrEqual(
    sweeps + 2,
  );
});

test('withdraw_rfc dates the withdrawal in the artifact by its audit row, and the feed lists it', async () => {
  const client = f.client();
  await reconcile({ out, metaRepo: META, full: true }, { client });
  const file = join(out, 'rfcs', 'gone.json');
  const before = JSON.parse(await readFile(file, 'utf8')) as { state: string; withdrawnAt: string | null };
  expect(before).toMatchObject({ state: 'super-draft', withdrawnAt: null });
  const ack = await runGate(sampleCommands('refresh-withdraw').withdraw_rfc, {
    ...f.deps({ auditDir: out }),
    gitea: client,
    afterWrite: cacheRefresher({ client, out, metaRepo: META }),
  });
  expect(ack.success).toBe(true);
  const rows = async () =>
    (await readFile(join(out, 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { op: string; outcome: string; at: string; wrote?: boolean; actor: string },
      );
  const first = (await rows()).find((r) => r.op === 'withdraw_rfc' && r.outcome === 'success')!;
  expect(first.wrote).toBe(true);
  const at = first.at.replace(/\.\d+Z$/, 'Z');
  expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
    state: 'withdrawn',
    withdrawnBy: 'carol',
    withdrawnAt: at,
  });
  // Someone asks again later: the gate finds it done, records that it wrote nothing, and the
  // withdrawal keeps its date and person.
  const again = await runGate(sampleCommands('refresh-withdraw-2').withdraw_rfc, {
    ...f.deps({ auditDir: out }),
    clock: { now: () => new Date('2026-03-01T13:00:00Z') },
    gitea: client,
    afterWrite: cacheRefresher({ client, out, metaRepo: META }),
  });
  expect(again.success).toBe(true);
  const later = (await rows()).filter((r) => r.op === 'withdraw_rfc' && r.outcome === 'success');
  expect(later.map((r) => r.wrote)).toEqual([true, false]);
  await reconcile({ out, metaRepo: META, full: true }, { client });
  expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ withdrawnBy: 'carol', withdrawnAt: at });
  const artifact = await readArtifact(out);
  const links = new GiteaLinks(artifact.meta.giteaUrl, artifact.meta.defaultBranch);
  const events = feedEvents(artifact.meta, links, artifact.rfcs, artifact.ideas, (p) => p);
  expect(events.find((e) => e.kind === 'withdrawal')).toMatchObject({
    updated: at,
    author: 'carol',
    title: expect.stringContaining('Withdrawn:'),
  });
});
