import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitArtifact, mergeAudit, parseAuditLines, restoreArtifact } from '../../src/cache/commit.ts';
import type { AuditRecord } from '../../src/cache/model.ts';
import { reconcile } from '../../src/cache/reconcile.ts';
import type { GiteaClient } from '../../src/gitea/index.ts';
import type { SimHandle } from '../../src/sim/index.ts';
import { Mutator, seeded, snapshot, tempDirs } from './helpers.ts';

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

function row(key: string, outcome: AuditRecord['outcome'] = 'success'): AuditRecord {
  return {
    key,
    op: 'add_comment',
    repo: 'rfcs/meta',
    actor: 'alice',
    source: 'slash-command',
    request: `comment:${key}`,
    outcome,
    number: 3,
    url: null,
    message: '',
    at: '2026-06-01T00:00:00Z',
  };
}

async function tip(branch: string): Promise<string> {
  const r = await client.request<{ commit: { id: string } }>(
    'GET',
    '/repos/{owner}/{repo}/branches/{branch}',
    {
      path: { owner: sim.org, repo: 'meta', branch },
    },
  );
  return r.data.commit.id;
}

async function remoteFile(path: string, branch: string): Promise<string> {
  const r = await client.request<{ content: string }>('GET', '/repos/{owner}/{repo}/contents/{filepath}', {
    path: { owner: sim.org, repo: 'meta', filepath: path },
    query: { ref: branch },
  });
  return Buffer.from(r.data.content, 'base64').toString('utf8');
}

describe('mergeAudit', () => {
  it('keeps every row: the base in order, then ours that the base lacks (by key and outcome)', () => {
    const merged = mergeAudit(
      [row('a', 'pending'), row('a')],
      [row('a', 'pending'), row('b', 'pending'), row('a')],
    );
    expect(merged.map((r) => `${r.key}:${r.outcome}`)).toEqual(['a:pending', 'a:success', 'b:pending']);
  });
});

describe('commitArtifact', () => {
  const remoteUrl = (): string => `${sim.url}/${sim.metaRepo}.git`;

  it('commits a new artifact, then makes no commit when nothing changed', async () => {
    const out = await dirs.make();
    await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    const first = await commitArtifact({ out, remoteUrl: remoteUrl(), token: sim.token, branch: 'cache-a' });
    expect(first.result).toBe('committed');
    expect(await tip('cache-a')).toBe(first.commit);
    expect(JSON.parse(await remoteFile('cache-artifacts/meta.json', 'cache-a')).metaRepo).toBe(sim.metaRepo);
    await expect(remoteFile('cache-artifacts/cache.sqlite', 'cache-a')).rejects.toMatchObject({
      status: 404,
    });

    // Our own commit moved the meta repo's updated_at: the sweep sees only a new cursor.
    const again = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(again.written).toEqual(['meta.json']);
    const quiet = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(quiet.changed).toBe(false);
    const second = await commitArtifact({ out, remoteUrl: remoteUrl(), token: sim.token, branch: 'cache-a' });
    expect(second).toEqual({ result: 'unchanged', commit: first.commit, attempts: 1 });
    expect(await tip('cache-a')).toBe(first.commit);
  });

  it('restores an empty out dir from the cache branch, so the next sweep is incremental', async () => {
    const src = await dirs.make();
    await reconcile({ out: src, metaRepo: sim.metaRepo }, { client });
    await commitArtifact({ out: src, remoteUrl: remoteUrl(), token: sim.token, branch: 'cache-r' });
    const out = await dirs.make();
    expect(await restoreArtifact({ out, remoteUrl: remoteUrl(), token: sim.token, branch: 'cache-r' })).toBe(
      'restored',
    );
    expect(await snapshot(out)).toEqual(await snapshot(src));
    expect(await restoreArtifact({ out, remoteUrl: remoteUrl(), token: sim.token, branch: 'cache-r' })).toBe(
      'kept',
    );
    const r = await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    expect(r.mode).toBe('incremental');
    const none = await dirs.make();
    expect(
      await restoreArtifact({ out: none, remoteUrl: remoteUrl(), token: sim.token, branch: 'no-such' }),
    ).toBe('absent');
  });

  it('on a rejected push fetches, merges the audit rows, regenerates and retries without force', async () => {
    const out = await dirs.make();
    await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    const base = await commitArtifact({ out, remoteUrl: remoteUrl(), token: sim.token, branch: 'cache-b' });
    // Another job appended a gate row to the remote log.
    await mut.putFile(sim.metaRepo, 'cache-artifacts/audit.jsonl', `${JSON.stringify(row('remote-1'))}\n`, {
      branch: 'cache-b',
    });
    await appendFile(join(out, 'audit.jsonl'), `${JSON.stringify(row('local-1'))}\n`);
    let regenerated = 0;
    const r = await commitArtifact({
      out,
      remoteUrl: remoteUrl(),
      token: sim.token,
      branch: 'cache-b',
      regenerate: async () => {
        regenerated++;
        if (regenerated === 1) {
          // The branch moves again between our fetch and our push.
          const now = await remoteFile('cache-artifacts/audit.jsonl', 'cache-b');
          await mut.putFile(
            sim.metaRepo,
            'cache-artifacts/audit.jsonl',
            `${now}${JSON.stringify(row('remote-2'))}\n`,
            {
              branch: 'cache-b',
            },
          );
        }
        await reconcile({ out, metaRepo: sim.metaRepo }, { client });
      },
    });
    expect(r.result).toBe('committed');
    expect(r.attempts).toBe(2);
    expect(regenerated).toBe(2);
    const keys = parseAuditLines(await remoteFile('cache-artifacts/audit.jsonl', 'cache-b')).map(
      (x) => x.key,
    );
    expect(keys).toEqual(['remote-1', 'remote-2', 'local-1']);
    expect(parseAuditLines(await readFile(join(out, 'audit.jsonl'), 'utf8')).map((x) => x.key)).toEqual(keys);
    // A fast-forward of the earlier tip: nothing was force-pushed.
    const commits = await client.paginate<{ sha: string }>('/repos/{owner}/{repo}/commits', {
      path: { owner: sim.org, repo: 'meta' },
      query: { sha: 'cache-b', stat: false, verification: false, files: false },
    });
    expect(commits.map((c) => c.sha)).toContain(base.commit);
  });

  it('fails without putting the token in the message', async () => {
    const out = await dirs.make();
    await reconcile({ out, metaRepo: sim.metaRepo }, { client });
    const bad = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';
    const err = await commitArtifact({ out, remoteUrl: remoteUrl(), token: bad, branch: 'cache-c' }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).not.toContain(bad);
  });
});
