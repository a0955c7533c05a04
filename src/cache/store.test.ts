import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rfcRecord } from '../../test/records.ts';
import { readArtifact } from './artifact.ts';
import type { Artifact, RfcRecord } from './model.ts';
import { MIGRATIONS, migrate } from './sqlite.ts';
import { recoverArtifact, SQLITE_FILE, writeArtifact } from './store.ts';

function rfc(slug: string, title = `T ${slug}`): RfcRecord {
  return rfcRecord(slug, { title, entrySha: `sha-${slug}` });
}

function artifact(rfcs: RfcRecord[]): Artifact {
  return {
    meta: {
      schemaVersion: 1,
      giteaUrl: 'http://g',
      metaRepo: 'o/meta',
      defaultBranch: 'main',
      cursors: { a: '1' },
    },
    rfcs,
    ideas: [],
    problems: [],
    audit: [],
    unattached: [],
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rfc-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeArtifact', () => {
  it('writes once, then rewrites nothing when nothing changed', async () => {
    const first = await writeArtifact(dir, artifact([rfc('a'), rfc('b')]));
    expect(first).toMatchObject({ changed: true, sqlite: 'regenerated' });
    expect(first.written).toEqual([
      'ideas.json',
      'meta.json',
      'problems.json',
      'rfcs/a.json',
      'rfcs/b.json',
      'unattached.json',
    ]);
    const before = await stat(join(dir, 'rfcs/a.json'));
    const dbBefore = await stat(join(dir, SQLITE_FILE));
    const second = await writeArtifact(dir, artifact([rfc('b'), rfc('a')]));
    expect(second).toEqual({ changed: false, written: [], removed: [], sqlite: 'unchanged' });
    expect((await stat(join(dir, 'rfcs/a.json'))).mtimeMs).toBe(before.mtimeMs);
    expect((await stat(join(dir, SQLITE_FILE))).mtimeMs).toBe(dbBefore.mtimeMs);
  });

  it('touches only the changed file and removes RFC files that are gone', async () => {
    await writeArtifact(dir, artifact([rfc('a'), rfc('b')]));
    const r = await writeArtifact(dir, artifact([rfc('a', 'New title')]));
    expect(r.written).toEqual(['rfcs/a.json']);
    expect(r.removed).toEqual(['rfcs/b.json']);
    expect((await readArtifact(dir)).rfcs.map((x) => x.title)).toEqual(['New title']);
    expect(await readdir(dir)).not.toContain('.staging');
  });

  it('never rewrites the audit log and loads it into SQLite', async () => {
    const line = `${JSON.stringify({ key: 'k', op: 'add_comment', repo: 'o/meta', actor: 'a', source: 's', request: 'r', outcome: 'success', number: 1, url: null, message: '', at: '2026-01-01T00:00:00Z' })}\n`;
    await writeFile(join(dir, 'audit.jsonl'), line);
    const a = artifact([rfc('a')]);
    a.audit = [JSON.parse(line)];
    a.audit[0]!.message = 'a different message: the file on disk wins';
    await writeArtifact(dir, a);
    expect(await readFile(join(dir, 'audit.jsonl'), 'utf8')).toBe(line);
    const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
    expect(db.prepare('SELECT key, outcome FROM audit').all()).toEqual([{ key: 'k', outcome: 'success' }]);
    expect(db.prepare('SELECT slug FROM rfcs').all()).toEqual([{ slug: 'a' }]);
    db.close();
  });

  it('regenerates a missing or corrupt cache.sqlite even when the JSON is unchanged', async () => {
    await writeArtifact(dir, artifact([rfc('a')]));
    await writeFile(join(dir, SQLITE_FILE), 'not a database');
    expect((await writeArtifact(dir, artifact([rfc('a')]))).sqlite).toBe('regenerated');
  });
});

describe('recoverArtifact', () => {
  it('discards a staging area without a manifest (the previous artifact stays)', async () => {
    await writeArtifact(dir, artifact([rfc('a')]));
    await mkdir(join(dir, '.staging/rfcs'), { recursive: true });
    await writeFile(join(dir, '.staging/rfcs/a.json'), 'half');
    expect(await recoverArtifact(dir)).toBe('discarded');
    expect((await readArtifact(dir)).rfcs[0]!.title).toBe('T a');
  });
  it('rolls a complete staging area forward', async () => {
    await writeArtifact(dir, artifact([rfc('a')]));
    await mkdir(join(dir, '.staging/rfcs'), { recursive: true });
    await writeFile(join(dir, '.staging/rfcs/a.json'), JSON.stringify(rfc('a', 'Staged')));
    await writeFile(
      join(dir, '.staging/MANIFEST.json'),
      JSON.stringify({ write: ['rfcs/a.json'], remove: [] }),
    );
    expect(await recoverArtifact(dir)).toBe('rolled-forward');
    expect((await readArtifact(dir)).rfcs[0]!.title).toBe('Staged');
  });
});

describe('migrations', () => {
  it('brings an empty database to the latest version and refuses a newer one', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    db.pragma('user_version = 99');
    expect(() => migrate(db)).toThrow(/newer than this code/);
    db.close();
  });

  it('adds the withdrawal and wrote columns to a version 1 database and keeps its rows', () => {
    const db = new Database(':memory:');
    db.exec(MIGRATIONS[0]!.sql);
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO rfcs VALUES ('a', 'A', 'withdrawn', NULL, NULL, NULL, NULL, NULL, NULL, '[]', '[]', '[]', '', 'entry', 'rfcs/a.md', NULL, NULL, NULL, 0)`,
    ).run();
    expect(migrate(db)).toBe(3);
    expect(db.prepare('SELECT slug, withdrawn_by, withdrawn_at FROM rfcs').all()).toEqual([
      { slug: 'a', withdrawn_by: null, withdrawn_at: null },
    ]);
    expect(db.prepare('SELECT wrote FROM audit').all()).toEqual([]);
    db.close();
  });

  it('loads withdrawn_by and withdrawn_at, null for an artifact written before they existed', async () => {
    const a = artifact([
      { ...rfc('a'), state: 'withdrawn', withdrawnBy: 'carol', withdrawnAt: '2026-04-01T00:00:00Z' },
      rfc('b'),
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'rfc-store-'));
    try {
      await writeArtifact(dir, a);
      // b.json as a version before the fields existed wrote it; the reader fills them in.
      const old = JSON.parse(await readFile(join(dir, 'rfcs', 'b.json'), 'utf8')) as Partial<RfcRecord>;
      delete old.withdrawnBy;
      delete old.withdrawnAt;
      await writeFile(join(dir, 'rfcs', 'b.json'), `${JSON.stringify(old, null, 2)}\n`);
      await rm(join(dir, SQLITE_FILE));
      await writeArtifact(dir, await readArtifact(dir));
      const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
      expect(db.prepare('SELECT slug, withdrawn_by, withdrawn_at FROM rfcs ORDER BY slug').all()).toEqual([
        { slug: 'a', withdrawn_by: 'carol', withdrawn_at: '2026-04-01T00:00:00Z' },
        { slug: 'b', withdrawn_by: null, withdrawn_at: null },
      ]);
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
