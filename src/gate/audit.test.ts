import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AuditRecord } from '../cache/model.ts';
import { appendAudit, auditPath, auditSlotConflict, auditSuccess, readAudit } from './audit.ts';

const row = (key: string, outcome: AuditRecord['outcome'], at = '2026-03-01T12:00:00.000Z'): AuditRecord => ({
  key,
  op: 'create_issue',
  repo: 'rfcs/meta',
  actor: 'alice',
  source: 'cli',
  request: 'r1',
  outcome,
  number: outcome === 'success' ? 3 : null,
  url: null,
  message: outcome,
  at,
});

describe('audit log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gate-audit-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  test('appends sorted-key lines, in order, creating the file', async () => {
    await appendAudit(dir, [row('k1', 'pending')]);
    await appendAudit(dir, [row('k1', 'success')]);
    const text = await readFile(auditPath(dir), 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect(text.startsWith('{"actor":"alice","at":')).toBe(true);
    expect((await readAudit(dir)).map((r) => r.outcome)).toEqual(['pending', 'success']);
  });

  test('an absent log reads as empty', async () => {
    expect(await readAudit(join(dir, 'none'))).toEqual([]);
  });

  test('a broken line is named, not skipped', async () => {
    await writeFile(auditPath(dir), '{"key":"a"}\nnot json\n');
    await expect(readAudit(dir)).rejects.toThrow(/line 2 is not JSON/);
  });

  test('concurrent appends lose no row', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(dir, [row(`k${i}`, 'pending')])));
    const keys = (await readAudit(dir)).map((r) => r.key).sort();
    expect(keys).toHaveLength(20);
    expect(new Set(keys).size).toBe(20);
  });

  test('finds the success of a key and a slot conflict', () => {
    const key = `${'a'.repeat(16)}${'b'.repeat(24)}`;
    const sibling = `${'a'.repeat(16)}${'c'.repeat(24)}`;
    const rows = [row(key, 'pending'), row(key, 'success'), row(sibling, 'failed')];
    expect(auditSuccess(rows, key)?.outcome).toBe('success');
    expect(auditSuccess(rows, sibling)).toBeUndefined();
    expect(auditSlotConflict(rows, sibling)?.key).toBe(key);
    expect(auditSlotConflict(rows, key)).toBeUndefined();
  });
});
