import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readCachedEntries } from './cached.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gate-cached-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const row = (slug: string, extra: Record<string, unknown> = {}) => ({
  slug,
  entryPath: `rfcs/${slug}.md`,
  entrySha: `sha-${slug}`,
  id: null,
  repo: null,
  state: 'super-draft',
  deletedOutOfBand: false,
  ...extra,
});

const OF = { metaRepo: 'rfcs/meta', giteaUrl: 'https://git.example' };

async function putMeta(meta: Record<string, unknown> = {}): Promise<void> {
  await writeFile(
    join(dir, 'meta.json'),
    JSON.stringify({
      schemaVersion: 1,
      giteaUrl: 'https://git.example',
      metaRepo: 'rfcs/meta',
      defaultBranch: 'main',
      cursors: {},
      ...meta,
    }),
  );
}

async function put(name: string, value: unknown): Promise<void> {
  await putMeta();
  await mkdir(join(dir, 'rfcs'), { recursive: true });
  await writeFile(join(dir, 'rfcs', name), typeof value === 'string' ? value : JSON.stringify(value));
}

describe('readCachedEntries', () => {
  test('no artifact: empty', async () => {
    expect(await readCachedEntries(dir, OF)).toEqual(new Map());
  });

  test('rows by entry path, with the blob they were read from', async () => {
    await put('live.json', row('live', { id: 1, repo: 'rfcs/rfc-0001', state: 'active' }));
    await put('intro.json', row('intro'));
    expect([...(await readCachedEntries(dir, OF)).values()]).toEqual([
      { slug: 'intro', path: 'rfcs/intro.md', sha: 'sha-intro', id: null, repo: null, state: 'super-draft' },
      { slug: 'live', path: 'rfcs/live.md', sha: 'sha-live', id: 1, repo: 'rfcs/rfc-0001', state: 'active' },
    ]);
  });

  test.each([
    ['not JSON', '{ nope'],
    ['no blob sha', row('x', { entrySha: null })],
    ['deleted out of band', row('x', { deletedOutOfBand: true })],
    ['an id that is not an integer', row('x', { id: 1.5 })],
    ['not an object', '[1, 2]'],
  ])('a row that is %s is left out, the others stay', async (_name, bad) => {
    await put('bad.json', bad);
    await put('ok.json', row('ok'));
    expect([...(await readCachedEntries(dir, OF)).keys()]).toEqual(['rfcs/ok.md']);
  });

  test.each([
    ['another meta repo', { metaRepo: 'rfcs/other' }],
    ['another Gitea', { giteaUrl: 'https://staging.example' }],
    ['no meta repo', { metaRepo: null }],
  ])('rows of an artifact of %s are not used', async (_name, meta) => {
    await put('live.json', row('live', { id: 1, repo: 'rfcs/rfc-0001', state: 'active' }));
    await putMeta(meta);
    expect(await readCachedEntries(dir, OF)).toEqual(new Map());
  });

  test('the same meta repo in other case, and a trailing slash on the URL, match', async () => {
    await put('live.json', row('live'));
    await putMeta({ metaRepo: 'RFCS/Meta', giteaUrl: 'https://git.example/' });
    expect([...(await readCachedEntries(dir, OF)).keys()]).toEqual(['rfcs/live.md']);
  });

  test('rows without a meta.json are not used', async () => {
    await put('live.json', row('live'));
    await rm(join(dir, 'meta.json'));
    expect(await readCachedEntries(dir, OF)).toEqual(new Map());
  });
});
