import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { gitBlobId, untar } from './tar.ts';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rfc-tar-'));
  dirs.push(dir);
  const git = (...args: string[]) =>
    run('git', ['-C', dir, ...args], { encoding: 'buffer', maxBuffer: 1 << 26 });
  await git('init', '-q', '-b', 'main');
  for (const [path, text] of Object.entries(files)) {
    await run('mkdir', ['-p', join(dir, path, '..')]);
    await writeFile(join(dir, path), text);
  }
  await git('add', '-A');
  await git('-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-qm', 'c');
  return dir;
}

describe('untar', () => {
  it('reads what git archive writes: prefix, pax long names, unicode, empty files; blob ids match git', async () => {
    const long = `rfcs/${'a-very-long-directory-name/'.repeat(5)}entry-with-a-name-well-past-one-hundred-bytes.md`;
    const files = {
      'rfcs/one.md': '---\nslug: one\n---\nBody\n',
      'rfcs/ünïcode.md': 'Grüße\n',
      'rfcs/empty.md': '',
      [long]: 'deep\n',
      'README.md': `${'x'.repeat(5000)}\n`,
    };
    const dir = await repo(files);
    const { stdout } = await run('git', ['-C', dir, 'archive', '--format=tar.gz', '--prefix=meta/', 'HEAD'], {
      encoding: 'buffer',
      maxBuffer: 1 << 26,
    });
    const got = untar(gunzipSync(stdout));
    const texts = Object.fromEntries([...got].map(([p, b]) => [p, Buffer.from(b).toString('utf8')]));
    expect(texts).toEqual(Object.fromEntries(Object.entries(files).map(([p, t]) => [`meta/${p}`, t])));
    const { stdout: ls } = await run('git', ['-C', dir, 'ls-tree', '-r', '-z', 'HEAD']);
    const listed = ls.split('\0').filter((l) => l !== '');
    expect(listed).toHaveLength(Object.keys(files).length);
    for (const line of listed) {
      const [meta, path] = line.split('\t') as [string, string];
      expect(gitBlobId(got.get(`meta/${path}`)!)).toBe(meta.split(' ')[2]);
    }
    expect(gitBlobId(Buffer.from(''))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });

  it('throws on a truncated archive and stops at the end blocks', async () => {
    const dir = await repo({ 'a.md': 'a'.repeat(2000) });
    const { stdout } = await run('git', ['-C', dir, 'archive', '--format=tar', 'HEAD'], {
      encoding: 'buffer',
    });
    expect(() => untar(stdout.subarray(0, 1800))).toThrow(/truncated/);
    expect([...untar(stdout).keys()]).toEqual(['a.md']);
    expect(untar(new Uint8Array(1024)).size).toBe(0);
  });
});
