/**
 * The cache artifact in the audit directory: graduate_rfc takes the ids of unchanged entries from
 * it (a listing shows which blobs are unchanged), withdraw_branch_pr takes the RFC's repo from it
 * as a hint the PR read checks. A stale or wrong artifact costs requests, never correctness.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { reconcile } from '../../src/cache/reconcile.ts';
import { type Entry, parseEntry, serializeEntry } from '../../src/entry/index.ts';
import { type Command, DEFAULT_MATRIX, runGate } from '../../src/gate/index.ts';
import { GiteaClient } from '../../src/gitea/client.ts';
import {
  entry,
  type Fixture,
  META,
  type Recorded,
  RFC_REPO,
  sampleCommands,
  startFixture,
} from './harness.ts';

let f: Fixture;
beforeEach(async () => {
  f = await startFixture();
  await sweep();
}, 30_000);
afterEach(async () => {
  await f.close();
});

/** Brings the artifact in the audit directory up to date, as the last sweep or refresh did. */
async function sweep(): Promise<void> {
  const quiet = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token, sleep: async () => {} });
  await reconcile({ out: f.auditDir, metaRepo: META, full: true, sqlite: false }, { client: quiet });
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const gets = (log: Recorded[]) => log.filter((r) => r.method === 'GET').map((r) => r.path);
const contents = (path: string) => `/api/v1/repos/rfcs/meta/contents/${path}`;

/** Adds or replaces an entry on main through the API: a change the artifact has not seen. */
async function putOnMain(e: Entry): Promise<void> {
  const path = `rfcs/${e.slug}.md`;
  let sha: string | undefined;
  try {
    sha = (
      await f.admin.request<{ sha: string }>('GET', '/repos/{owner}/{repo}/contents/{filepath}', {
        path: { owner: 'rfcs', repo: 'meta', filepath: path },
      })
    ).data.sha;
  } catch {
    sha = undefined;
  }
  await f.admin.request(sha ? 'PUT' : 'POST', '/repos/{owner}/{repo}/contents/{filepath}', {
    path: { owner: 'rfcs', repo: 'meta', filepath: path },
    body: {
      branch: 'main',
      message: `out of band: ${e.slug}`,
      content: b64(serializeEntry(e)),
      ...(sha ? { sha } : {}),
    },
  });
}

async function entryOnMain(slug: string): Promise<Entry> {
  const res = await f.admin.request<{ content: string }>('GET', '/repos/{owner}/{repo}/contents/{filepath}', {
    path: { owner: 'rfcs', repo: 'meta', filepath: `rfcs/${slug}.md` },
  });
  const parsed = parseEntry(Buffer.from(res.data.content, 'base64').toString('utf8'), {
    path: `rfcs/${slug}.md`,
  });
  if (!parsed.ok) throw new Error(`rfcs/${slug}.md does not parse`);
  return parsed.entry;
}

/** Rewrites one row of the artifact. */
async function editRow(slug: string, change: Record<string, unknown>): Promise<void> {
  const file = join(f.auditDir, 'rfcs', `${slug}.json`);
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), ...change }));
}

async function gate(command: Command) {
  f.log.length = 0;
  return runGate(command, f.deps());
}

const active = (slug: string, id: number): Entry =>
  entry({
    slug,
    state: 'active',
    id,
    repo: `rfcs/elsewhere-${slug}`,
    graduated_by: 'bob',
    graduated_at: '2026-02-02T00:00:00Z',
  });

describe('graduate_rfc with the cache artifact', () => {
  test('a fresh artifact: the entry and one listing are all it reads', async () => {
    const ack = await gate(sampleCommands('c-1').graduate_rfc);
    expect(ack).toMatchObject({ success: true, prior_execution: false, number: 2 });
    expect(gets(f.log)).toEqual([contents('rfcs/grad.md'), contents('rfcs')]);
    expect(await entryOnMain('grad')).toMatchObject({ state: 'active', id: 2, repo: 'rfcs/rfc-0002' });
  });

  test('a stale artifact: entries added or changed since are read, and their ids are not handed out', async () => {
    // After the sweep: two new entries take ids 2 and 3, and "gone" takes id 5.
    await putOnMain(active('late', 2));
    await putOnMain(active('later', 3));
    await putOnMain(active('gone', 5));
    const ack = await gate(sampleCommands('c-2').graduate_rfc);
    expect(ack).toMatchObject({ success: true, number: 4 });
    const read = gets(f.log);
    for (const slug of ['late', 'later', 'gone']) expect(read).toContain(contents(`rfcs/${slug}.md`));
    for (const slug of ['claimme', 'intro', 'live']) expect(read).not.toContain(contents(`rfcs/${slug}.md`));
    expect(await entryOnMain('grad')).toMatchObject({ state: 'active', id: 4, repo: 'rfcs/rfc-0004' });
  });

  test('a row whose blob sha does not match the listing is not trusted', async () => {
    // The row claims id 2 for "intro" from another blob; the listing shows intro's real blob.
    await editRow('intro', { entrySha: '0'.repeat(40), id: 2 });
    const ack = await gate(sampleCommands('c-3').graduate_rfc);
    expect(ack).toMatchObject({ success: true, number: 2 });
    expect(gets(f.log)).toContain(contents('rfcs/intro.md'));
  });

  test('a broken artifact row costs a read, nothing else', async () => {
    await writeFile(join(f.auditDir, 'rfcs', 'live.json'), '{ not json');
    const ack = await gate(sampleCommands('c-4').graduate_rfc);
    expect(ack).toMatchObject({ success: true, number: 2 });
    expect(gets(f.log)).toContain(contents('rfcs/live.md'));
  });

  test('no artifact: every entry is read once (its own and the four others)', async () => {
    await rm(join(f.auditDir, 'rfcs'), { recursive: true, force: true });
    const ack = await gate(sampleCommands('c-5').graduate_rfc);
    expect(ack).toMatchObject({ success: true, number: 2 });
    expect(gets(f.log).filter((p) => p.startsWith(contents('rfcs/')))).toHaveLength(5);
  });

  test('a repo name taken by another RFC is passed over after its 409', async () => {
    await f.admin.request('POST', '/orgs/{org}/repos', {
      path: { org: 'rfcs' },
      body: { name: 'rfc-0002', auto_init: true, default_branch: 'main', description: 'not ours' },
    });
    const ack = await gate(sampleCommands('c-6').graduate_rfc);
    expect(ack).toMatchObject({ success: true, number: 3 });
    expect(await entryOnMain('grad')).toMatchObject({ id: 3, repo: 'rfcs/rfc-0003' });
  });
});

describe('withdraw_branch_pr with the cache artifact', () => {
  const withdraw = (actor: string, request: string): Command => ({
    ...sampleCommands(request).withdraw_branch_pr,
    actor,
  });

  test("its author: the PR (whose repo carries the RFC's tag) and the comment probe, no entry", async () => {
    const ack = await gate(withdraw('carol', 'w-1'));
    expect(ack).toMatchObject({ success: true, prior_execution: false, number: 1 });
    expect(gets(f.log)).toEqual([
      '/api/v1/repos/rfcs/rfc-0001/pulls/1',
      '/api/v1/repos/rfcs/rfc-0001/issues/1/comments',
    ]);
  });

  test('a meta repo PR whose branch names the RFC, by its author: no entry either', async () => {
    const ack = await gate({
      ...withdraw('carol', 'w-6'),
      payload: { slug: 'intro', number: 1, where: 'meta' },
    });
    expect(ack).toMatchObject({ success: true, number: 1 });
    expect(gets(f.log)).toEqual([
      '/api/v1/repos/rfcs/meta/pulls/1',
      '/api/v1/repos/rfcs/meta/issues/1/comments',
    ]);
  });

  test('a meta repo PR whose branch names another RFC: the entry is read', async () => {
    const ack = await gate({
      ...withdraw('carol', 'w-7'),
      payload: { slug: 'claimme', number: 1, where: 'meta' },
    });
    expect(ack).toMatchObject({ success: true, number: 1 });
    expect(gets(f.log)).toContain(contents('rfcs/claimme.md'));
  });

  test('a wrong repo in the artifact: the entry decides, and the right PR is withdrawn', async () => {
    await editRow('live', { repo: 'rfcs/meta' });
    const ack = await gate(withdraw('carol', 'w-2'));
    expect(ack).toMatchObject({ success: true, number: 1, url: expect.stringContaining(RFC_REPO) });
    expect(gets(f.log)).toContain(contents('rfcs/live.md'));
    const meta1 = await f.admin.request<{ state: string }>('GET', '/repos/{owner}/{repo}/pulls/{index}', {
      path: { owner: 'rfcs', repo: 'meta', index: 1 },
    });
    expect(meta1.data.state).toBe('open');
  });

  test("an owner who is not the author: the entry's owners are read", async () => {
    await putOnMain({ ...(await entryOnMain('live')), owners: ['carol', 'erin'] });
    const ack = await gate(withdraw('erin', 'w-3'));
    expect(ack).toMatchObject({ success: true, number: 1 });
    expect(gets(f.log)).toContain(contents('rfcs/live.md'));
  });

  test('neither author nor owner: denied after reading the entry, nothing written', async () => {
    const ack = await gate(withdraw('erin', 'w-4'));
    expect(ack).toMatchObject({ success: false });
    expect(ack.message).toContain('held by "carol"');
    expect(f.log.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test("a repo without the RFC's tag: the entry is read before the author may withdraw", async () => {
    await f.admin.request('PATCH', '/repos/{owner}/{repo}', {
      path: { owner: 'rfcs', repo: 'rfc-0001' },
      body: { description: 'retagged' },
    });
    const ack = await gate(withdraw('carol', 'w-5'));
    expect(ack).toMatchObject({ success: true, number: 1 });
    expect(gets(f.log)).toContain(contents('rfcs/live.md'));
  });
});

describe('create_issue and add_comment with the cache artifact', () => {
  const writesOf = (log: Recorded[]) => log.filter((r) => r.method !== 'GET').map((r) => r.method);

  test('an unrecorded request takes its claim first: the permission and the probe under the claim are all it reads', async () => {
    const ack = await gate(sampleCommands('ci-1').create_issue);
    expect(ack).toMatchObject({ success: true, prior_execution: false });
    expect(gets(f.log).map((p) => p.split('?')[0])).toEqual([
      '/api/v1/repos/rfcs/meta/collaborators/alice/permission',
      '/api/v1/repos/rfcs/meta/issues',
    ]);
    // claim, issue, release
    expect(writesOf(f.log)).toEqual(['POST', 'POST', 'DELETE']);
  });

  test('add_comment likewise reads the permission and the comments under the claim', async () => {
    const ack = await gate(sampleCommands('ci-2').add_comment);
    expect(ack).toMatchObject({ success: true, prior_execution: false });
    expect(gets(f.log).map((p) => p.split('?')[0])).toEqual([
      '/api/v1/repos/rfcs/meta/collaborators/alice/permission',
      '/api/v1/repos/rfcs/meta/issues/2/comments',
    ]);
    expect(writesOf(f.log)).toEqual(['POST', 'POST', 'DELETE']);
  });

  test('a recorded request is answered from the audit log: no request at all', async () => {
    const command = sampleCommands('ci-3').create_issue;
    const first = await gate(command);
    const again = await gate(command);
    expect(again).toMatchObject({ success: true, prior_execution: true, number: first.number });
    expect(f.log).toEqual([]);
  });
});

describe('open_branch_pr with the cache artifact', () => {
  const probe = '/api/v1/repos/rfcs/rfc-0001/pulls/main/work';
  const permission = '/api/v1/repos/rfcs/rfc-0001/collaborators/alice/permission';
  const pullsOf = async (repo: string) =>
    (
      await f.admin.request<{ number: number; head: { ref: string } }[]>(
        'GET',
        '/repos/{owner}/{repo}/pulls',
        {
          path: { owner: 'rfcs', repo },
          query: { state: 'all' },
        },
      )
    ).data;

  test("an active row gives the RFC's repo: the permission there and the PR probe, no entry", async () => {
    const ack = await gate(sampleCommands('b-1').open_branch_pr);
    expect(ack).toMatchObject({
      success: true,
      prior_execution: false,
      url: expect.stringContaining(RFC_REPO),
    });
    expect(gets(f.log)).toEqual([permission, probe]);
    expect((await pullsOf('rfc-0001')).filter((p) => p.head.ref === 'work')).toHaveLength(1);
  });

  test('a row that is not active yet (graduated since the artifact was written): the entry is read and decides', async () => {
    await editRow('live', { state: 'super-draft', repo: null });
    const ack = await gate(sampleCommands('b-2').open_branch_pr);
    expect(ack).toMatchObject({ success: true, url: expect.stringContaining(RFC_REPO) });
    expect(gets(f.log)).toEqual([contents('rfcs/live.md'), permission, probe]);
  });

  test('no row: the entry is read', async () => {
    await rm(join(f.auditDir, 'rfcs', 'live.json'));
    const ack = await gate(sampleCommands('b-3').open_branch_pr);
    expect(ack).toMatchObject({ success: true });
    expect(gets(f.log)[0]).toBe(contents('rfcs/live.md'));
  });

  test('a row that is not active and an entry that is not either: refused, nothing written', async () => {
    await putOnMain({ ...(await entryOnMain('live')), state: 'withdrawn' });
    await editRow('live', { state: 'withdrawn' });
    const ack = await gate(sampleCommands('b-4').open_branch_pr);
    expect(ack).toMatchObject({ success: false });
    expect(ack.message).toContain('it is "withdrawn"');
    expect(f.log.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test('a matrix that gives the cell to owners reads them fresh from the entry', async () => {
    const command = { ...sampleCommands('b-5').open_branch_pr, actor: 'carol' };
    f.log.length = 0;
    const ack = await runGate(
      command,
      f.deps({ config: { ...f.deps().config, matrix: { ...DEFAULT_MATRIX, open_branch_pr: ['owner'] } } }),
    );
    expect(ack).toMatchObject({ success: true });
    expect(gets(f.log)).toEqual([contents('rfcs/live.md'), probe]);
  });

  test('the documented limit: an active row of an RFC withdrawn since the last refresh still opens the PR', async () => {
    // The PR create carries no entry sha, so a fresh read would only narrow this window, not close it.
    await putOnMain({ ...(await entryOnMain('live')), state: 'withdrawn' });
    const ack = await gate(sampleCommands('b-6').open_branch_pr);
    expect(ack).toMatchObject({ success: true });
    expect(gets(f.log)).toEqual([permission, probe]);
  });
});

describe('an artifact of another meta repo or another Gitea in the audit directory', () => {
  test('open_branch_pr for a meta repo without the RFC reads its entry and refuses', async () => {
    await f.admin.request('POST', '/orgs/{org}/repos', {
      path: { org: 'rfcs' },
      body: { name: 'meta2', auto_init: true, default_branch: 'main' },
    });
    const ack = await gate({ ...sampleCommands('x-1').open_branch_pr, repo: 'rfcs/meta2' });
    expect(ack).toMatchObject({ success: false });
    expect(ack.message).toMatch(/"rfcs\/meta2" has no RFC "live"/);
    expect(f.log.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  test('rows the artifact took from another Gitea are not used: open_branch_pr reads the entry', async () => {
    const file = join(f.auditDir, 'meta.json');
    const meta = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...meta, giteaUrl: 'https://staging.example' }));
    const ack = await gate(sampleCommands('x-2').open_branch_pr);
    expect(ack).toMatchObject({ success: true });
    expect(gets(f.log)[0]).toBe(contents('rfcs/live.md'));
  });
});
