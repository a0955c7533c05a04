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

async function put(name: string, value: unknown): Promise<void> {
  await mkdir(join(dir, 'rfcs'), { recursive: true });
  await writeFile(join(dir, 'rfcs', name), typeof value === 'string' ? value : JSON.stringify(value));
}

describe('readCachedEntries', () => {
  test('no artifact: empty', async () => {
    expect(await readCachedEntries(dir)).toEqual(new Map());
  });

  test('rows by entry path, with the blob they were read from', async () => {
    await put('live.json', row('live', { id: 1, repo: 'rfcs/rfc-0001', state: 'active' }));
    await put('intro.json', row('intro'));
    expect([...(await readCachedEntries(dir)).values()]).toEqual([
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
    expect([...(await readCachedEntries(dir)).keys()]).toEqual(['rfcs/ok.md']);
  });
});
