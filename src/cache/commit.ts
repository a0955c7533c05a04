/**
 * Commits the artifact to a branch of the meta repo with the `git` CLI over HTTP. The token
 * travels in an `http.extraHeader` set through `GIT_CONFIG_*` environment variables, never on a
 * command line. A rejected (non-fast-forward) push fetches the new tip, merges its audit rows
 * into ours (union by key and outcome, nothing dropped), regenerates, and tries again a bounded
 * number of times. It never force-pushes and never merges generated files.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from './model.ts';
import { AUDIT_FILE, SQLITE_FILE } from './store.ts';

/** Options of `commitArtifact`. */
export interface CommitOptions {
  /** the artifact directory to commit */
  out: string;
  /** `https://host/owner/meta.git` (no credentials in it) */
  remoteUrl: string;
  token: string;
  /** default `rfc-cache` */
  branch?: string;
  /** folder in the branch; default `cache-artifacts` */
  path?: string;
  message?: string;
  author?: { name: string; email: string };
  /** default 4 */
  maxAttempts?: number;
  /**
   * Rebuilds `out` after the audit rows of a newer remote tip were merged into it (for example an
   * incremental `reconcile`), so the retry commits an artifact derived from the new state.
   */
  regenerate?: (out: string) => Promise<void>;
}

/** What `commitArtifact` did. */
export interface CommitOutcome {
  result: 'committed' | 'unchanged';
  /** the branch tip after the call (null when the branch does not exist and nothing was committed) */
  commit: string | null;
  attempts: number;
}

/** The push was rejected every time. */
export class CommitConflictError extends Error {
  constructor(branch: string, attempts: number) {
    super(
      `pushing the cache artifact to "${branch}" was rejected ${attempts} times because the branch kept moving; run again later`,
    );
    this.name = 'CommitConflictError';
  }
}

function gitEnv(token: string): NodeJS.ProcessEnv {
  const basic = Buffer.from(`rfc-actions:${token}`).toString('base64');
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<GitRun> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function mustGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runGit(cwd, args, env);
  if (r.code !== 0)
    throw new Error(`"git ${args[0]}" failed (exit ${r.code}): ${r.stderr.trim().split('\n').at(-1)}`);
  return r.stdout;
}

/** Audit rows of a JSONL text; blank lines skipped. */
export function parseAuditLines(text: string): AuditRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** Union of two audit logs by key and outcome: `base` in its order, then the rows only `ours` has. */
export function mergeAudit(base: AuditRecord[], ours: AuditRecord[]): AuditRecord[] {
  const id = (r: AuditRecord): string => `${r.key}\u0000${r.outcome}`;
  const seen = new Set(base.map(id));
  const out = [...base];
  for (const r of ours) {
    if (!seen.has(id(r))) {
      seen.add(id(r));
      out.push(r);
    }
  }
  return out;
}

function auditText(rows: AuditRecord[]): string {
  return rows.map((r) => `${JSON.stringify(r, Object.keys(r).sort())}\n`).join('');
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw e;
  }
}

/** Copies the committed part of the artifact (JSON files and the audit log) into `dest`, replacing it. */
async function copyArtifact(out: string, dest: string): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  for (const name of await readdir(out)) {
    if (name.startsWith('.') || name === SQLITE_FILE || name.endsWith('.tmp')) continue;
    await cp(join(out, name), join(dest, name), { recursive: true });
  }
}

function withoutCursors(text: string): string {
  const meta = JSON.parse(text) as { cursors?: unknown };
  delete meta.cursors;
  return JSON.stringify(meta);
}

/**
 * True when the staged tree equals the tip's, or differs only in `meta.json` cursors. Our own
 * commit moves the meta repo's `updated_at`, so the next sweep always sees a new cursor; a
 * cursor-only change is not worth a commit (the next sweep re-checks from the older cursor).
 */
async function onlyCursorsMoved(
  work: string,
  path: string,
  env: NodeJS.ProcessEnv,
  tip: string | null,
): Promise<boolean> {
  const names = (await mustGit(work, ['diff', '--cached', '--name-only'], env))
    .split('\n')
    .filter((l) => l !== '');
  if (names.length === 0) return true;
  const metaPath = `${path}/meta.json`;
  if (tip === null || names.length !== 1 || names[0] !== metaPath) return false;
  const before = await runGit(work, ['show', `${tip}:${metaPath}`], env);
  if (before.code !== 0) return false;
  const after = await readFile(join(work, metaPath), 'utf8');
  return withoutCursors(before.stdout) === withoutCursors(after);
}

/** Options of `restoreArtifact`. */
export interface RestoreOptions {
  out: string;
  remoteUrl: string;
  token: string;
  /** default `rfc-cache` */
  branch?: string;
  /** default `cache-artifacts` */
  path?: string;
}

/**
 * Fills an empty `out` with the artifact committed on the cache branch, so a job on a fresh runner
 * sweeps incrementally. `absent` when the branch or folder does not exist yet (the sweep starts
 * from scratch); `kept` when `out` already holds an artifact.
 */
export async function restoreArtifact(options: RestoreOptions): Promise<'restored' | 'absent' | 'kept'> {
  const branch = options.branch ?? 'rfc-cache';
  const path = options.path ?? 'cache-artifacts';
  try {
    await readFile(join(options.out, 'meta.json'));
    return 'kept';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const env = gitEnv(options.token);
  const work = await mkdtemp(join(tmpdir(), 'rfc-cache-restore-'));
  try {
    await mustGit(work, ['init', '-q'], env);
    const fetched = await runGit(
      work,
      ['fetch', '-q', '--depth=1', options.remoteUrl, `refs/heads/${branch}`],
      env,
    );
    if (fetched.code !== 0) {
      const ls = await runGit(
        work,
        ['ls-remote', '--exit-code', options.remoteUrl, `refs/heads/${branch}`],
        env,
      );
      if (ls.code === 2) return 'absent';
      throw new Error(
        `cannot fetch "${branch}" from the meta repo: ${fetched.stderr.trim().split('\n').at(-1)}`,
      );
    }
    await mustGit(work, ['checkout', '-q', '--detach', 'FETCH_HEAD'], env);
    try {
      await readFile(join(work, path, 'meta.json'));
    } catch {
      return 'absent';
    }
    await mkdir(options.out, { recursive: true });
    for (const name of await readdir(join(work, path))) {
      await cp(join(work, path, name), join(options.out, name), { recursive: true });
    }
    return 'restored';
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Commits `out` to the branch; `unchanged` (no commit) when the branch already holds the same files, cursors aside. */
export async function commitArtifact(options: CommitOptions): Promise<CommitOutcome> {
  const branch = options.branch ?? 'rfc-cache';
  const path = options.path ?? 'cache-artifacts';
  const maxAttempts = options.maxAttempts ?? 4;
  const author = options.author ?? { name: 'rfc-actions', email: 'rfc-actions@noreply.invalid' };
  const env = gitEnv(options.token);
  const work = await mkdtemp(join(tmpdir(), 'rfc-cache-commit-'));
  try {
    await mustGit(work, ['init', '-q', '-b', branch], env);
    await mustGit(work, ['remote', 'add', 'origin', options.remoteUrl], env);
    let lastTip: string | null = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const fetched = await runGit(work, ['fetch', '-q', '--depth=1', 'origin', `refs/heads/${branch}`], env);
      let tip: string | null = null;
      if (fetched.code === 0) {
        tip = (await mustGit(work, ['rev-parse', 'FETCH_HEAD'], env)).trim();
        await mustGit(work, ['checkout', '-q', '-f', '--detach', tip], env);
      } else {
        const ls = await runGit(work, ['ls-remote', '--exit-code', 'origin', `refs/heads/${branch}`], env);
        // ls-remote exits 2 when the ref does not exist: a first commit starts the branch.
        if (ls.code !== 2)
          throw new Error(`cannot fetch "${branch}" from the meta repo: ${fetched.stderr.trim()}`);
        await mustGit(work, ['checkout', '-q', '--orphan', `rfc-cache-${attempt}`], env);
        await runGit(work, ['rm', '-rfq', '--cached', '.'], env);
      }
      const remoteAudit = parseAuditLines(await readOr(join(work, path, AUDIT_FILE), ''));
      const localAudit = parseAuditLines(await readOr(join(options.out, AUDIT_FILE), ''));
      const merged = mergeAudit(remoteAudit, localAudit);
      if (merged.length !== localAudit.length) {
        await writeFile(join(options.out, AUDIT_FILE), auditText(merged));
        if (options.regenerate) await options.regenerate(options.out);
      } else if (attempt > 1 && options.regenerate && tip !== lastTip) {
        await options.regenerate(options.out);
      }
      lastTip = tip;
      await copyArtifact(options.out, join(work, path));
      await mustGit(work, ['add', '-A', '--', path], env);
      if (await onlyCursorsMoved(work, path, env, tip)) {
        return { result: 'unchanged', commit: tip, attempts: attempt };
      }
      await mustGit(
        work,
        [
          '-c',
          `user.name=${author.name}`,
          '-c',
          `user.email=${author.email}`,
          'commit',
          '-q',
          '--no-verify',
          '-m',
          options.message ?? 'Update the RFC cache artifact',
        ],
        env,
      );
      const pushed = await runGit(work, ['push', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`], env);
      const line = pushed.stdout.split('\n').find((l) => l.includes(`refs/heads/${branch}`)) ?? '';
      if (pushed.code === 0) {
        const head = (await mustGit(work, ['rev-parse', 'HEAD'], env)).trim();
        return { result: 'committed', commit: head, attempts: attempt };
      }
      // `--porcelain` marks a rejected ref with "!"; anything else is not a race we can retry.
      if (!line.startsWith('!')) {
        throw new Error(
          `pushing the cache artifact to "${branch}" failed: ${pushed.stderr.trim().split('\n').at(-1)}`,
        );
      }
    }
    throw new CommitConflictError(branch, maxAttempts);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
