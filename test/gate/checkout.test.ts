/**
 * Fewer requests: entries from a checkout of the meta repo (fresh and stale), and the permission
 * lookup a comment or dispatch source makes unnecessary.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Entry, parseEntry, serializeEntry } from '../../src/entry/index.ts';
import { checkoutEntries } from '../../src/gate/entries.ts';
import { type Command, DEFAULT_MATRIX, type EntrySource, runGate } from '../../src/gate/index.ts';
import type { GiteaClient } from '../../src/gitea/client.ts';
import {
  entry,
  type Fixture,
  META,
  type Recorded,
  RFC_REPO,
  sampleCommands,
  startFixture,
  writes,
} from './harness.ts';

const run = promisify(execFile);
const PERMISSION = /\/collaborators\/[^/]+\/permission$/;

let f: Fixture;
const dirs: string[] = [];
beforeAll(async () => {
  f = await startFixture();
}, 30_000);
afterAll(async () => {
  await f.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const freshAudit = () => mkdtemp(join(f.auditDir, 'c-'));

/** A clone of the meta repo as it is now, and its entry source. */
async function checkout(): Promise<{ dir: string; entries: EntrySource }> {
  const dir = await mkdtemp(join(tmpdir(), 'gate-ws-'));
  dirs.push(dir);
  await run('git', ['clone', '-q', `${f.sim.url.replace('//', `//x:${f.sim.token}@`)}/${META}.git`, dir]);
  const entries = await checkoutEntries(dir, { repo: META });
  if (!entries) throw new Error('the clone is not a checkout of the meta repo');
  return { dir, entries };
}

/** Commits a changed entry in the checkout only: the checkout then disagrees with Gitea. */
async function commitLocally(dir: string, e: Entry): Promise<void> {
  await writeFile(join(dir, `rfcs/${e.slug}.md`), serializeEntry(e));
  await run('git', [
    '-C',
    dir,
    '-c',
    'user.name=t',
    '-c',
    'user.email=t@example.com',
    'commit',
    '-qam',
    'local',
  ]);
}

async function entryOnMain(slug: string): Promise<{ entry: Entry; sha: string }> {
  const res = await f.admin.request<{ content: string; sha: string }>(
    'GET',
    '/repos/{owner}/{repo}/contents/{filepath}',
    { path: { owner: 'rfcs', repo: 'meta', filepath: `rfcs/${slug}.md` } },
  );
  const parsed = parseEntry(Buffer.from(res.data.content, 'base64').toString('utf8'), {
    path: `rfcs/${slug}.md`,
  });
  if (!parsed.ok) throw new Error(`rfcs/${slug}.md does not parse`);
  return { entry: parsed.entry, sha: res.data.sha };
}

/** Replaces an entry on main through the API (someone else's commit after the checkout). */
async function commitOnMain(e: Entry): Promise<void> {
  const { sha } = await entryOnMain(e.slug);
  await f.admin.request('PUT', '/repos/{owner}/{repo}/contents/{filepath}', {
    path: { owner: 'rfcs', repo: 'meta', filepath: `rfcs/${e.slug}.md` },
    body: {
      branch: 'main',
      message: `change ${e.slug}`,
      sha,
      content: Buffer.from(serializeEntry(e)).toString('base64'),
    },
  });
}

async function newSlug(slug: string, extra: Partial<Entry> = {}): Promise<void> {
  await f.admin.request('POST', '/repos/{owner}/{repo}/contents/{filepath}', {
    path: { owner: 'rfcs', repo: 'meta', filepath: `rfcs/${slug}.md` },
    body: {
      branch: 'main',
      message: `add ${slug}`,
      content: Buffer.from(serializeEntry(entry({ slug, ...extra }))).toString('base64'),
    },
  });
}

const reads = (log: Recorded[]) => log.filter((r) => r.method === 'GET');
const entryReads = (log: Recorded[], slug: string) =>
  reads(log).filter(
    (r) => r.path.endsWith(`/contents/rfcs%2F${slug}.md`) || r.path.endsWith(`/contents/rfcs/${slug}.md`),
  );

async function gate(command: Command, entries?: EntrySource, client?: GiteaClient) {
  f.log.length = 0;
  return runGate(command, {
    ...f.deps({ auditDir: await freshAudit() }),
    ...(client ? { gitea: client } : {}),
    ...(entries ? { entries } : {}),
  });
}

describe('entries from a checkout of the meta repo', () => {
  test('a fresh checkout: open_claim_pr reads no entry from the API', async () => {
    await newSlug('ws-fresh');
    const { entries } = await checkout();
    const ack = await gate(
      { ...sampleCommands('ws-1').open_claim_pr, payload: { slug: 'ws-fresh' } },
      entries,
    );
    expect(ack).toMatchObject({ success: true, prior_execution: false });
    expect(entryReads(f.log, 'ws-fresh')).toEqual([]);
    expect(reads(f.log).map((r) => r.path)).toEqual([
      '/api/v1/repos/rfcs/meta/collaborators/alice/permission',
      '/api/v1/repos/rfcs/meta/branches/claim%2Fws-fresh',
    ]);
  });

  test('withdraw_rfc reads its entry from the API even with a checkout (the entry is its probe)', async () => {
    await newSlug('ws-wd');
    const { entries } = await checkout();
    const ack = await gate({ ...sampleCommands('ws-1w').withdraw_rfc, payload: { slug: 'ws-wd' } }, entries);
    expect(ack.success).toBe(true);
    expect(entryReads(f.log, 'ws-wd')).toHaveLength(1);
  });

  test('a stale checkout: the sha-guarded write is refused (422), the gate reads the API and retries once', async () => {
    await newSlug('ws-stale', { tags: ['old'] });
    const { entries } = await checkout();
    await commitOnMain(entry({ slug: 'ws-stale', tags: ['newer'], title: 'Renamed meanwhile' }));
    f.sim.events.clear();
    const before = f.sim.requests().length;
    const ack = await gate(
      {
        ...sampleCommands('ws-2').open_metadata_pr,
        payload: { slug: 'ws-stale', changes: { tags: ['lang'] } },
      },
      entries,
      f.client({ retries: 0 }),
    );
    expect(ack).toMatchObject({ success: true, prior_execution: false });
    const statuses = f.sim
      .requests()
      .slice(before)
      .filter((r) => r.method === 'POST' && r.route.endsWith('/contents'))
      .map((r) => r.status);
    expect(statuses).toEqual([422, 201]);
    expect(entryReads(f.log, 'ws-stale')).toHaveLength(1);
    // The PR carries the newer main with the change, not the stale checkout's entry.
    const files = await f.admin.request<{ content: string }>(
      'GET',
      '/repos/{owner}/{repo}/contents/{filepath}',
      {
        path: { owner: 'rfcs', repo: 'meta', filepath: 'rfcs/ws-stale.md' },
        query: {
          ref: (
            await f.admin.request<{ head: { ref: string } }>('GET', '/repos/{owner}/{repo}/pulls/{index}', {
              path: { owner: 'rfcs', repo: 'meta', index: ack.number! },
            })
          ).data.head.ref,
        },
      },
    );
    const onBranch = parseEntry(Buffer.from(files.data.content, 'base64').toString('utf8'), {
      path: 'rfcs/ws-stale.md',
    });
    expect(onBranch.ok && { title: onBranch.entry.title, tags: onBranch.entry.tags }).toEqual({
      title: 'Renamed meanwhile',
      tags: ['lang'],
    });
  });

  test('a refusal drawn from a stale checkout is drawn again from the API', async () => {
    await newSlug('ws-undo', { owners: ['carol'] });
    const { dir, entries } = await checkout();
    await commitLocally(dir, entry({ slug: 'ws-undo', owners: ['carol', 'alice'] }));
    const ack = await gate(
      { ...sampleCommands('ws-3').open_claim_pr, payload: { slug: 'ws-undo' } },
      entries,
    );
    expect(ack).toMatchObject({ success: true, prior_execution: false });
    expect(ack.message).toMatch(/^opened PR #\d+/);
    expect(entryReads(f.log, 'ws-undo')).toHaveLength(1);
  });

  const ownersOnly = async (auditDir: string) => {
    const deps = f.deps({ auditDir });
    return {
      ...deps,
      config: { ...deps.config, matrix: { ...DEFAULT_MATRIX, open_metadata_pr: ['owner'] as const } },
    };
  };
  const metadata = (slug: string, request: string): Command => ({
    ...sampleCommands(request).open_metadata_pr,
    payload: { slug, changes: { tags: ['x'] } },
  });

  test('a stale checkout that names the actor an owner still ends in a denial, and writes nothing', async () => {
    await newSlug('ws-deny', { owners: ['carol'] });
    const { dir, entries } = await checkout();
    await commitLocally(dir, entry({ slug: 'ws-deny', owners: ['carol', 'alice'] }));
    f.log.length = 0;
    const ack = await runGate(metadata('ws-deny', 'ws-4'), {
      ...(await ownersOnly(await freshAudit())),
      entries,
    });
    expect(ack.success).toBe(false);
    expect(ack.message).toBe(
      'denied: "alice" may not run open_metadata_pr: it needs an owner of "ws-deny" (held by "carol")',
    );
    // The one write tried is the commit carrying the checkout's blob sha, which Gitea refused.
    expect(writes(f.log).map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /api/v1/repos/rfcs/meta/contents',
    ]);
    const branches = await f.admin.paginate<{ name: string }>('/repos/{owner}/{repo}/branches', {
      path: { owner: 'rfcs', repo: 'meta' },
    });
    expect(branches.map((b) => b.name).filter((n) => n.includes('ws-deny'))).toEqual([]);
  });

  test('a denial drawn from a stale checkout is drawn again from the API', async () => {
    await newSlug('ws-allow', { owners: ['carol'] });
    const { entries } = await checkout();
    await commitOnMain(entry({ slug: 'ws-allow', owners: ['carol', 'alice'] }));
    const ack = await runGate(metadata('ws-allow', 'ws-5'), {
      ...(await ownersOnly(await freshAudit())),
      entries,
    });
    expect(ack).toMatchObject({ success: true, prior_execution: false });
  });

  test('graduate_rfc: one listing checks the checkout; an id given meanwhile is not handed out again', async () => {
    await newSlug('ws-grad');
    await newSlug('ws-taken');
    const { entries } = await checkout();
    // After the checkout, another entry takes id 2 with a repo that does not follow the naming.
    await commitOnMain(
      entry({
        slug: 'ws-taken',
        state: 'active',
        id: 2,
        repo: 'rfcs/elsewhere',
        graduated_by: 'bob',
        graduated_at: '2026-02-02T00:00:00Z',
      }),
    );
    const ack = await gate({ ...sampleCommands('ws-6').graduate_rfc, payload: { slug: 'ws-grad' } }, entries);
    expect(ack).toMatchObject({ success: true, number: 3 });
    expect(entryReads(f.log, 'ws-taken')).toHaveLength(1);
    expect(entryReads(f.log, 'ws-grad')).toEqual([]);
    expect((await entryOnMain('ws-grad')).entry).toMatchObject({
      state: 'active',
      id: 3,
      repo: 'rfcs/rfc-0003',
    });
  });

  test('a checkout of another repo is not used', async () => {
    const { dir } = await checkout();
    expect(await checkoutEntries(dir, { repo: 'rfcs/other' })).toBeNull();
    const plain = await mkdtemp(join(tmpdir(), 'gate-plain-'));
    dirs.push(plain);
    expect(await checkoutEntries(plain)).toBeNull();
    expect(await checkoutEntries(dir, { repo: META })).not.toBeNull();
  });
});

describe('the permission lookup and the command source', () => {
  const issue = (source: string, request: string): Command => ({
    ...sampleCommands(request).create_issue,
    source,
    payload: { title: `From ${source}`, body: 'x' },
  });

  test.each([
    ['slash-command', 0],
    ['dispatch', 0],
    ['cli', 1],
    ['test', 1],
  ])('source "%s": %i permission lookups for a commenter cell', async (source, lookups) => {
    const ack = await gate(issue(source, `src-${source}`));
    expect(ack.success).toBe(true);
    expect(reads(f.log).filter((r) => PERMISSION.test(r.path))).toHaveLength(lookups);
  });

  test('a comment proves read only: a writer cell still looks up, and denies', async () => {
    const ack = await gate({
      ...sampleCommands('src-w').assign_issue,
      actor: 'alice',
      source: 'slash-command',
    });
    expect(ack.success).toBe(false);
    expect(ack.message).toMatch(/needs write access to "rfcs\/meta"; "alice" has "read" access/);
    expect(reads(f.log).filter((r) => PERMISSION.test(r.path))).toHaveLength(1);
    expect(writes(f.log)).toEqual([]);
  });

  test('a comment proves nothing about another repo: open_branch_pr from the meta repo looks up on the RFC repo', async () => {
    const ack = await gate({
      ...sampleCommands('src-b').open_branch_pr,
      source: 'slash-command',
      payload: { slug: 'live', head: 'work', title: 'From a comment' },
    });
    expect(ack.success).toBe(true);
    expect(
      reads(f.log)
        .filter((r) => PERMISSION.test(r.path))
        .map((r) => r.path),
    ).toEqual(['/api/v1/repos/rfcs/rfc-0001/collaborators/alice/permission']);
  });

  test('a comment written on the RFC repo proves read there: open_branch_pr looks nothing up', async () => {
    await f.admin.request('POST', '/repos/{owner}/{repo}/contents/{filepath}', {
      path: { owner: 'rfcs', repo: 'rfc-0001', filepath: 'work3.md' },
      body: {
        branch: 'main',
        new_branch: 'work3',
        message: 'work3',
        content: Buffer.from('w\n').toString('base64'),
      },
    });
    f.log.length = 0;
    const deps = f.deps({ auditDir: await freshAudit() });
    const ack = await runGate(
      {
        ...sampleCommands('src-r').open_branch_pr,
        repo: RFC_REPO,
        source: 'slash-command',
        payload: { slug: 'live', head: 'work3', base: 'main', title: 'From a comment there' },
      },
      { ...deps, config: { ...deps.config, metaRepo: META } },
    );
    expect(ack).toMatchObject({ success: true, prior_execution: false });
    expect(reads(f.log).filter((r) => PERMISSION.test(r.path))).toEqual([]);
    expect(reads(f.log)).toHaveLength(2);
  });

  test('a matrix that raises a commenter cell to writer still looks up for comment sources', async () => {
    f.log.length = 0;
    const deps = f.deps({ auditDir: await freshAudit() });
    const ack = await runGate(issue('slash-command', 'src-m'), {
      ...deps,
      config: { ...deps.config, matrix: { ...DEFAULT_MATRIX, create_issue: ['writer'] } },
    });
    expect(ack.success).toBe(false);
    expect(ack.message).toMatch(/needs write access/);
    expect(writes(f.log)).toEqual([]);
  });
});
