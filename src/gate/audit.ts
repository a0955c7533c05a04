/**
 * The gate's audit log: `<artifact dir>/audit.jsonl`, one `AuditRecord` per line, append-only.
 * Each command writes an intent row (`pending`) before its first write and an outcome row after.
 * Appends are read-modify-write under an exclusive lock file, then temp file + rename, so a
 * reader never sees a torn line and two processes never lose each other's rows.
 */
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditRecord } from '../cache/model.ts';
import { canonicalJson, relateKey } from './key.ts';

/** The audit log's file name inside the artifact directory. */
export const AUDIT_FILE = 'audit.jsonl';

/** A lock file older than this is left over from a killed process and is removed. */
const STALE_LOCK_MS = 30_000;

/** Path of the audit log in `dir`. */
export function auditPath(dir: string): string {
  return join(dir, AUDIT_FILE);
}

/** Every row of the log in `dir`, in log order; an absent log is empty. Throws naming the line that is not JSON. */
export async function readAudit(dir: string): Promise<AuditRecord[]> {
  const path = auditPath(dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read the audit log "${path}"`, { cause: e });
  }
  const rows: AuditRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      rows.push(JSON.parse(line) as AuditRecord);
    } catch (cause) {
      throw new Error(`audit log "${path}" line ${i + 1} is not JSON; repair or remove that line`, { cause });
    }
  }
  return rows;
}

/** One row as its log line: sorted keys, no whitespace, LF. */
export function auditLine(row: AuditRecord): string {
  return `${canonicalJson(row)}\n`;
}

/** Appends `rows` to the log in `dir` (created when absent). */
export async function appendAudit(
  dir: string,
  rows: readonly AuditRecord[],
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = auditPath(dir);
  const lockPath = `${path}.lock`;
  await acquire(lockPath, sleep);
  try {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text !== '' && !text.endsWith('\n')) text += '\n';
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, text + rows.map(auditLine).join(''), 'utf8');
    await rename(tmp, path);
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, sleep: (ms: number) => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`cannot lock the audit log with "${lockPath}"`, { cause: e });
      }
    }
    try {
      const st = await stat(lockPath);
      if (Date.now() - st.mtimeMs > STALE_LOCK_MS) await rm(lockPath, { force: true });
    } catch {
      // The holder released it between our open and stat: try again at once.
    }
    if (i > 2000) throw new Error(`the audit log lock "${lockPath}" stays held; remove it if no gate runs`);
    await sleep(5);
  }
}

/**
 * Whether `dir` holds the cache artifact (its `meta.json`), whose audit log records every command
 * committed so far. An audit log alone proves nothing: a fresh runner writes one for its first
 * command, and it knows none of the runs before.
 */
export async function auditKnown(dir: string): Promise<boolean> {
  try {
    await stat(join(dir, 'meta.json'));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return false;
  }
}

/** Whether the log has no row at all of `key`'s request slot (this command or another of the same request). */
export function auditSilent(rows: readonly AuditRecord[], key: string): boolean {
  return rows.every((r) => relateKey(r.key, key) === 'unrelated');
}

/** The last `success` row of `key`, when the log has one. */
export function auditSuccess(rows: readonly AuditRecord[], key: string): AuditRecord | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    if (r.key === key && r.outcome === 'success') return r;
  }
  return undefined;
}

/** A `success` row of another command from the same request slot. */
export function auditSlotConflict(rows: readonly AuditRecord[], key: string): AuditRecord | undefined {
  return rows.find((r) => r.outcome === 'success' && relateKey(r.key, key) === 'same-request');
}
