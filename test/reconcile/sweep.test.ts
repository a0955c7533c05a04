import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile, SweepError } from '../../src/cache/reconcile.ts';
import type { GiteaClient } from '../../src/gitea/index.ts';
import type { SimHandle } from '../../src/sim/index.ts';
import { entryText, Mutator, mtimes, seeded, snapshot, tempDirs } from './helpers.ts';

const run = promisify(execFile);
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

async function full(): Promise<Record<string, string>> {
  const out = await dirs.make();
  await reconcile({ out, metaRepo: sim.metaRepo, full: true }, { client });
  return snapshot(out);
}

describe('reconcile against the example org', () => {
  let out: string;
  it.each([
    ['a shallow git fetch', { token: 'from-the-sim' }, 'git'],
    ['the API when git is disabled', { gitFetch: false }, 'api'],
    ['the API when the git fetch is refused', { token: 'not-a-token' }, 'api'],
  ] as const)('a cold sweep reads the entries with %s', async (_what, extra, source) => {
    const dir = await dirs.make();
    const opts = 'token' in extra && extra.token === 'from-the-sim' ? { token: sim.token } : extra;
    const r = await reconcile({ out: dir, metaRepo: sim.metaRepo, full: true, ...opts }, { client });
    expect(r.entrySource).toBe(source);
    if ('token' in extra) expect(r.requests.byMethod.git).toBeGreaterThanOrEqual(1);
    else expect(r.requests.byMethod.git).toBeUndefined();
    expect(r.requests.total).toBe(Object.values(r.requests.byMethod).reduce((a, b) => a + b, 0));
    expect(await snapshot(dir)).toEqual(await full());
  });

  it('a cold sweep builds every RFC and lists the broken entry as a problem', async () => {
    out = await dirs.make();
    const r = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(r.mode).toBe('full');
    expect(r.changed).toBe(true);
    expect(r.counts.rfcs).toBeGreaterThan(5);
    expect(r.problems.map((p) => p.file)).toEqual(['rfcs/broken-entry.md']);
  });

  it('a no-change sweep makes at most 2 + ceil(R/50) requests and rewrites nothing', async () => {
    const before = await mtimes(out);
    const bytes = await snapshot(out);
    const repos = await client.paginate('/orgs/{org}/repos', { path: { org: sim.org } });
    const r = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(r).toMatchObject({ mode: 'incremental', changed: false, written: [], removed: [] });
    expect(r.requests.total).toBeLessThanOrEqual(2 + Math.ceil(repos.length / 50));
    expect(await mtimes(out)).toEqual(before);
    expect(await snapshot(out)).toEqual(bytes);
  });

  it('after changes, the incremental sweep equals a full sweep from scratch', async () => {
    await mut.putFile(sim.metaRepo, 'rfcs/new-idea.md', entryText('new-idea'));
    await mut.createBranch(sim.metaRepo, 'edit/new-idea/wording');
    await mut.putFile(sim.metaRepo, 'rfcs/new-idea.md', entryText('new-idea', {}, 'Better.\n'), {
      branch: 'edit/new-idea/wording',
    });
    const n = await mut.openPull(sim.metaRepo, 'edit/new-idea/wording', 'Better wording');
    const r = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(r.changed).toBe(true);
    expect(r.written).toContain('rfcs/new-idea.json');
    expect(await snapshot(out)).toEqual(await full());
    await mut.mergePull(sim.metaRepo, n);
    await mut.deleteBranch(sim.metaRepo, 'edit/new-idea/wording');
    await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    const snap = await snapshot(out);
    expect(snap).toEqual(await full());
    const rec = JSON.parse(snap['rfcs/new-idea.json']!);
    expect(rec.branches.find((b: { name: string }) => b.name === 'edit/new-idea/wording').state).toBe(
      'deleted',
    );
  });

  it('finds a PR changed later in the second of the PR cursor', async () => {
    // Every write in one second: the cursor's second is re-read, since Gitea's `since` is inclusive.
    sim.core.clock.useFixed('2026-07-01T00:00:00Z', 0);
    try {
      await mut.createBranch(sim.metaRepo, 'edit/new-idea/same-second');
      await mut.putFile(sim.metaRepo, 'rfcs/new-idea.md', entryText('new-idea', {}, 'Same second.\n'), {
        branch: 'edit/new-idea/same-second',
      });
      const n = await mut.openPull(sim.metaRepo, 'edit/new-idea/same-second', 'Same second');
      await reconcile({ out, metaRepo: sim.metaRepo }, { client });
      const open = JSON.parse((await snapshot(out))['rfcs/new-idea.json']!);
      expect(open.prs.find((p: { number: number }) => p.number === n).state).toBe('open');
      await mut.closePull(sim.metaRepo, n);
      const r = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
      expect(r.changed).toBe(true);
      const snap = await snapshot(out);
      expect(
        JSON.parse(snap['rfcs/new-idea.json']!).prs.find((p: { number: number }) => p.number === n).state,
      ).toBe('closed');
      expect(snap).toEqual(await full());
    } finally {
      sim.core.clock.useFixed('2026-08-01T00:00:00Z', 1000);
    }
  });

  it('flags an entry deleted out of band, in both sweep kinds', async () => {
    await mut.deleteFile(sim.metaRepo, 'rfcs/new-idea.md');
    const r = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(r.written).toContain('rfcs/new-idea.json');
    const snap = await snapshot(out);
    expect(JSON.parse(snap['rfcs/new-idea.json']!)).toMatchObject({
      deletedOutOfBand: true,
      body: 'Better.\n',
    });
    expect(snap).toEqual(await full());
  });

  it('records a missing RFC repo as a problem and completes the rest', async () => {
    const text = entryText('ghost', { state: 'active', id: '99', repo: `${sim.org}/rfc-9999` });
    await mut.putFile(sim.metaRepo, 'rfcs/ghost.md', text);
    const r = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(r.problems.map((p) => [p.file, p.reasons[0]!.field])).toContainEqual(['rfcs/ghost.md', 'repo']);
    const snap = await snapshot(out);
    expect(JSON.parse(snap['rfcs/ghost.json']!).bodySource).toBe('entry');
    expect(snap).toEqual(await full());
  });

  it('a Gitea failure mid-sweep fails with a clear error and writes nothing', async () => {
    await mut.putFile(sim.metaRepo, 'rfcs/ghost.md', entryText('ghost'));
    const before = await snapshot(out);
    const times = await mtimes(out);
    const remove = sim.faults.add({
      method: 'GET',
      route: '/repos/{owner}/{repo}/git/blobs/{sha}',
      status: 500,
    });
    try {
      await expect(reconcile({ out, metaRepo: sim.metaRepo }, { client })).rejects.toThrow(SweepError);
      await expect(reconcile({ out, metaRepo: sim.metaRepo }, { client })).rejects.toThrow(
        /nothing was written/,
      );
    } finally {
      remove();
    }
    expect(await snapshot(out)).toEqual(before);
    expect(await mtimes(out)).toEqual(times);
    const r = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(r.changed).toBe(true);
    expect(await snapshot(out)).toEqual(await full());
  });

  it('reads the entries over the API from one archive, and by blob where the archive differs', async () => {
    // export-subst rewrites `$Format:...$` in archives only: that entry must come from its blob.
    await mut.putFile(sim.metaRepo, '.gitattributes', 'rfcs/*.md export-subst\n');
    await mut.putFile(sim.metaRepo, 'rfcs/subst.md', entryText('subst', {}, 'Commit $Format:%H$.\n'));
    const dir = await dirs.make();
    client.resetStats();
    const r = await reconcile({ out: dir, metaRepo: sim.metaRepo, full: true, gitFetch: false }, { client });
    expect(r.entrySource).toBe('api');
    const byRoute = client.stats().byRoute;
    expect(byRoute['GET /repos/{owner}/{repo}/archive/{archive}']).toBe(1);
    const blobs = byRoute['GET /repos/{owner}/{repo}/git/blobs/{sha}'] ?? 0;
    expect(blobs).toBeGreaterThanOrEqual(1);
    expect(blobs).toBeLessThan(r.counts.rfcs / 2);
    const snap = await snapshot(dir);
    expect(JSON.parse(snap['rfcs/subst.json']!).body).toContain('$Format:%H$');
    expect(snap).toEqual(await full());
  });

  it('reads entries from a checkout of the meta repo without tree or blob requests', async () => {
    const ws = await dirs.make();
    await run('git', [
      'clone',
      '-q',
      `${sim.url.replace('//', `//x:${sim.token}@`)}/${sim.metaRepo}.git`,
      ws,
    ]);
    const fresh = await dirs.make();
    client.resetStats();
    const r = await reconcile({ out: fresh, metaRepo: sim.metaRepo, workspace: ws }, { client });
    expect(r.entrySource).toBe('workspace');
    const routes = Object.keys(client.stats().byRoute);
    expect(routes.filter((k) => /git\/(trees|blobs)|commits/.test(k))).toEqual([]);
    const apiOut = await full();
    const wsSnap = await snapshot(fresh);
    // The API form also records the rfcs/ tree sha as a cursor; everything else is the same.
    const strip = (s: Record<string, string>) => {
      const meta = JSON.parse(s['meta.json']!);
      delete meta.cursors['meta.rfcs'];
      return { ...s, 'meta.json': JSON.stringify(meta) };
    };
    expect(strip(wsSnap)).toEqual(strip(apiOut));
  });
});
