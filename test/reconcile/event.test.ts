import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/cache/reconcile.ts';
import { type RefreshResult, refresh } from '../../src/cache/refresh.ts';
import type { GiteaClient } from '../../src/gitea/index.ts';
import type { SimHandle } from '../../src/sim/index.ts';
import { entryText, Mutator, seeded, snapshot, tempDirs } from './helpers.ts';

let sim: SimHandle;
let client: GiteaClient;
let mut: Mutator;
const dirs = tempDirs();

beforeAll(async () => {
  ({ sim, client } = await seeded());
  mut = new Mutator(client);
});
afterAll(async () => {
  await sim.close();
  await dirs.cleanup();
});

/** The records of an artifact; meta.json differs by design (a refresh keeps the sweep's cursors). */
function records(snap: Record<string, string>): Record<string, string> {
  const { 'meta.json': _meta, ...rest } = snap;
  return rest;
}

/** The simulator's admin writes the PRs here, as the bot would. */
const BOT = 'gitea-admin';

describe('targeted refresh from recorded events', () => {
  let ignoredOut: string | undefined;
  it('applies each recorded event and ends where a full sweep ends', async () => {
    const out = await dirs.make();
    await reconcile({ out, metaRepo: sim.metaRepo, botLogin: BOT }, { client });
    const sweepCursors = JSON.parse((await snapshot(out))['meta.json']!).cursors;
    sim.events.clear();

    await mut.putFile(sim.metaRepo, 'rfcs/evented.md', entryText('evented'));
    await mut.putFile(sim.metaRepo, 'rfcs/evented.md', entryText('evented', {}, 'Edited.\n'), {
      newBranch: 'edit/evented/wording',
    });
    const n = await mut.openPull(
      sim.metaRepo,
      'edit/evented/wording',
      'Wording',
      'On-behalf-of: Dave <dave>\n',
    );
    await mut.putFile('rfcs/rfc-0001', 'RFC.md', '# Revised by a push\n');
    await mut.createBranch('rfcs/rfc-0001', 'topic');
    await mut.mergePull(sim.metaRepo, n);
    await mut.deleteBranch(sim.metaRepo, 'edit/evented/wording');
    await client.request('POST', '/repos/{owner}/{repo}/issues', {
      path: { owner: sim.org, repo: 'meta' },
      body: { title: 'A question' },
    });

    const events = sim.events.list();
    expect(new Set(events.map((e) => e.name))).toEqual(
      new Set(['push', 'create', 'delete', 'pull_request', 'issues']),
    );
    const results: { name: string; r: RefreshResult }[] = [];
    for (const e of events) {
      results.push({
        name: e.name,
        r: await refresh({ out, metaRepo: sim.metaRepo, botLogin: BOT, event: e }, { client }),
      });
    }
    const ignored = results.filter((x) => x.r.action === 'ignored');
    expect(ignored.map((x) => x.name)).toContain('issues');
    expect(ignored.find((x) => x.name === 'issues')!.r).toMatchObject({
      changed: false,
      reason: 'event "issues" does not change the cache',
      requests: { total: 0 },
    });
    for (const x of results.filter((y) => y.name === 'pull_request')) {
      expect(x.r.requests.total).toBe(1);
    }
    const scratch = await dirs.make();
    await reconcile({ out: scratch, metaRepo: sim.metaRepo, botLogin: BOT, full: true }, { client });
    const mine = await snapshot(out);
    expect(records(mine)).toEqual(records(await snapshot(scratch)));
    const rec = JSON.parse(mine['rfcs/evented.json']!);
    expect(rec.prs[0]).toMatchObject({ number: n, state: 'merged', openedBy: 'dave' });
    expect(rec.branches.find((b: { name: string }) => b.name === 'edit/evented/wording').state).toBe(
      'deleted',
    );
    expect(JSON.parse(mine['meta.json']!).cursors['pulls.since']).toBe(sweepCursors['pulls.since']);

    // The next sweep after the refreshes finds nothing new to write.
    const after = await reconcile({ out, metaRepo: sim.metaRepo, botLogin: BOT }, { client });
    expect(records(await snapshot(out))).toEqual(records(await snapshot(scratch)));
    expect(after.written.filter((f) => f !== 'meta.json')).toEqual([]);
  });

  it.each([
    [
      'workflow_dispatch',
      { repository: { full_name: 'rfcs/meta' } },
      'event "workflow_dispatch" does not change the cache',
    ],
    [
      'push',
      { ref: 'refs/tags/v1', repository: { full_name: 'rfcs/meta' } },
      'push to "refs/tags/v1" is not a branch',
    ],
    [
      'create',
      { ref: 'v1', ref_type: 'tag', repository: { full_name: 'rfcs/meta' } },
      'create of a tag is not a branch',
    ],
    [
      'pull_request',
      { number: 1, repository: { full_name: 'someone/else' } },
      'repo "someone/else" is neither the meta repo nor the repo of an active RFC',
    ],
  ])('ignores %s %#', async (name, payload, reason) => {
    if (ignoredOut === undefined) {
      ignoredOut = await dirs.make();
      await reconcile({ out: ignoredOut, metaRepo: sim.metaRepo }, { client });
    }
    const out = ignoredOut;
    const r = await refresh({ out, metaRepo: sim.metaRepo, event: { name, payload } }, { client });
    expect(r).toMatchObject({ action: 'ignored', reason, changed: false });
  });

  it('converges on the live tips when push events arrive out of order or are replayed', async () => {
    const out = await dirs.make();
    await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    sim.events.clear();
    await mut.putFile(sim.metaRepo, 'rfcs/replayed.md', entryText('replayed'));
    await mut.putFile(sim.metaRepo, 'rfcs/replayed.md', entryText('replayed', {}, 'Second.\n'));
    await mut.putFile(sim.metaRepo, 'rfcs/replayed.md', entryText('replayed', {}, 'Third.\n'));
    await mut.putFile('rfcs/rfc-0002', 'RFC.md', '# First revision\n');
    await mut.putFile('rfcs/rfc-0002', 'RFC.md', '# Second revision\n');
    const pushes = sim.events.list().filter((e) => e.name === 'push');
    expect(pushes.length).toBe(5);

    // Newest first, then the oldest of each repo delivered again.
    const order = [...pushes].reverse();
    order.push(pushes[0]!, pushes[3]!);
    const results: RefreshResult[] = [];
    for (const e of order) results.push(await refresh({ out, metaRepo: sim.metaRepo, event: e }, { client }));
    expect(results.every((r) => r.action === 'refreshed')).toBe(true);
    // Only the first event of each repo moves anything: the others name older tips.
    const wrote = results.map((r) => r.written.filter((f) => f !== 'meta.json').length > 0);
    expect(wrote).toEqual([true, false, true, false, false, false, false]);

    const scratch = await dirs.make();
    await reconcile({ out: scratch, metaRepo: sim.metaRepo, full: true }, { client });
    const mine = await snapshot(out);
    expect(records(mine)).toEqual(records(await snapshot(scratch)));
    expect(JSON.parse(mine['rfcs/replayed.json']!).body).toContain('Third.');
  });

  it('runs a full sweep when there is no artifact yet', async () => {
    const out = await dirs.make();
    const r = await refresh(
      {
        out,
        metaRepo: sim.metaRepo,
        event: { name: 'push', payload: { ref: 'refs/heads/main', repository: { full_name: sim.metaRepo } } },
      },
      { client },
    );
    expect(r).toMatchObject({ action: 'swept', changed: true });
  });
});
