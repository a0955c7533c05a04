import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildActionDir, ROOT } from './build.ts';

// dist/ is committed: a Gitea runner fetches the action's repository at the tag named in
// `uses:` and runs dist/index.js as it is, with no install or build step.
let fresh: string;

beforeAll(async () => {
  fresh = await buildActionDir();
});
afterAll(async () => {
  await rm(fresh, { recursive: true, force: true });
});

describe('the committed dist/ matches the source', () => {
  it('the JavaScript in dist/ is byte for byte what "npm run build" makes from this tree', async () => {
    const js = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.js')).sort();
    const names = await js(join(ROOT, 'dist'));
    const stale = 'dist/ is stale: run "npm run build" and commit dist/';
    expect(names, stale).toEqual(await js(join(fresh, 'dist')));
    expect(names).toContain('index.js');
    for (const name of names) {
      const committed = await readFile(join(ROOT, 'dist', name));
      const rebuilt = await readFile(join(fresh, 'dist', name));
      expect(committed.equals(rebuilt), `${stale} (${name} differs)`).toBe(true);
    }
  });

  it('dist/package.json makes node read index.js as ESM', async () => {
    expect(JSON.parse(await readFile(join(ROOT, 'dist', 'package.json'), 'utf8'))).toEqual({
      type: 'module',
    });
  });

  it('dist/native.json names the ABI, platform and better-sqlite3 version of this build', async () => {
    // The addon's bytes differ per compile, so its description is what can be compared.
    const committed = JSON.parse(await readFile(join(ROOT, 'dist', 'native.json'), 'utf8'));
    const rebuilt = JSON.parse(await readFile(join(fresh, 'dist', 'native.json'), 'utf8'));
    expect(committed).toEqual(rebuilt);
    expect(committed).toMatchObject({ abi: '115', node: '20', platform: 'linux', arch: 'x64' });
  });

  it('dist/better_sqlite3.node is a linux x64 addon that opens a database on this node', async () => {
    const path = join(ROOT, 'dist', 'better_sqlite3.node');
    const head = (await readFile(path)).subarray(0, 20);
    expect(head.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(head.readUInt16LE(18)).toBe(62); // e_machine: x86-64
    const db = new Database(':memory:', { nativeBinding: path });
    expect(db.prepare('select sqlite_version() as v').get()).toHaveProperty('v');
    db.close();
  });
});
