/** Real git merges for simulated pull requests: merge-tree, commit-tree, atomic ref updates. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitRepos } from './git.ts';
import { isBinary, lineStats } from './numstat.ts';

/** Merge styles the simulator performs (Gitea's `Do` values it supports). */
export type MergeStyle = 'merge' | 'squash' | 'rebase' | 'rebase-merge';

/** Who a commit is written as, and when. */
export interface Signature {
  name: string;
  email: string;
  when: Date;
}

/** Outcome of a trial merge of head into base. */
export interface MergeCheck {
  mergeBase: string | null;
  /** `clean`: merges without conflicts; `conflict`: files conflict; `unrelated`: no merge base. */
  status: 'clean' | 'conflict' | 'unrelated';
  /** Tree of the merge result when clean. */
  tree: string | null;
  conflicts: string[];
}

/** Outcome of a merge attempt. */
export type MergeOutcome =
  | { result: 'merged'; sha: string }
  | { result: 'conflict'; files: string[] }
  | { result: 'unrelated' }
  | { result: 'base-moved' };

/** Error from a git command; names the command and carries its stderr. */
export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`);
    this.name = 'GitCommandError';
  }
}

interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function git(
  gitDir: string,
  args: readonly string[],
  options: { env?: Record<string, string>; okCodes?: readonly number[] } = {},
): Promise<GitResult> {
  const okCodes = options.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, ...args], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (cause) => reject(new Error(`could not run "git ${args[0] ?? ''}"`, { cause })));
    child.on('close', (code) => {
      const result = {
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (code !== null && okCodes.includes(code)) resolve(result);
      else reject(new GitCommandError(args, code, result.stderr));
    });
  });
}

/** The merge base of two commits, or null when the histories are unrelated. */
export async function mergeBase(gitDir: string, a: string, b: string): Promise<string | null> {
  const r = await git(gitDir, ['merge-base', a, b], { okCodes: [0, 1] });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** True when `ancestor` is reachable from `commit`. */
export async function isAncestor(gitDir: string, ancestor: string, commit: string): Promise<boolean> {
  const r = await git(gitDir, ['merge-base', '--is-ancestor', ancestor, commit], { okCodes: [0, 1] });
  return r.code === 0;
}

/** Resolve a ref or revision to a commit sha, or null when it does not exist. */
export async function resolveCommit(gitDir: string, rev: string): Promise<string | null> {
  const r = await git(gitDir, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], {
    okCodes: [0, 1, 128],
  });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Trial-merge head into base with `git merge-tree --write-tree` (no work tree touched). */
export async function checkMerge(gitDir: string, baseSha: string, headSha: string): Promise<MergeCheck> {
  const base = await mergeBase(gitDir, baseSha, headSha);
  if (!base) return { mergeBase: null, status: 'unrelated', tree: null, conflicts: [] };
  const r = await git(
    gitDir,
    ['merge-tree', '--write-tree', '--name-only', '--no-messages', baseSha, headSha],
    {
      okCodes: [0, 1],
    },
  );
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  const tree = lines[0] ?? null;
  if (r.code === 0) return { mergeBase: base, status: 'clean', tree, conflicts: [] };
  const conflicts = [...new Set(lines.slice(1))].sort();
  return { mergeBase: base, status: 'conflict', tree: null, conflicts };
}

/** Outcome of a trial merge when only the status is needed (no merge tree). */
export interface MergeStatus {
  mergeBase: string | null;
  status: MergeCheck['status'];
}

/**
 * The status a trial merge of head into base would have, in-process wherever git's answer is
 * certain: unrelated histories, head already in base or base in head, or both sides changing
 * disjoint paths with no possible rename on either side. Otherwise (overlapping paths, renames,
 * criss-cross merge bases) it runs `git merge-tree` like {@link checkMerge}.
 */
export async function mergeStatus(
  repos: GitRepos,
  gitDir: string,
  baseSha: string,
  headSha: string,
): Promise<MergeStatus> {
  const bases = await repos.mergeBases(gitDir, baseSha, headSha);
  if (bases.length === 0) return { mergeBase: null, status: 'unrelated' };
  const mergeBaseSha = bases[0]!;
  if (bases.length === 1) {
    if (mergeBaseSha === baseSha || mergeBaseSha === headSha)
      return { mergeBase: mergeBaseSha, status: 'clean' };
    const [mb, base, head] = await Promise.all(
      [mergeBaseSha, baseSha, headSha].map((sha) => repos.readCommit(gitDir, sha)),
    );
    if (mb && base && head) {
      const ours = await repos.diffTrees(gitDir, mb.tree, base.tree);
      const theirs = await repos.diffTrees(gitDir, mb.tree, head.tree);
      if (disjoint(ours, theirs)) return { mergeBase: mergeBaseSha, status: 'clean' };
    }
  }
  const checked = await checkMerge(gitDir, baseSha, headSha);
  return { mergeBase: checked.mergeBase, status: checked.status };
}

type Change = { path: string; status: 'added' | 'modified' | 'removed' };

/**
 * True when two sides' changes cannot meet in a merge: no shared path, no file on one side where
 * the other has a directory, and no side that both removes and adds files (a possible rename,
 * which merge-ort follows, and a directory rename, which `merge.directoryRenames=conflict`
 * reports as a conflict).
 */
function disjoint(a: Change[], b: Change[]): boolean {
  const mayRename = (c: Change[]) =>
    c.some((x) => x.status === 'removed') && c.some((x) => x.status === 'added');
  if (mayRename(a) || mayRename(b)) return false;
  const paths = new Set(a.map((c) => c.path));
  const dirs = new Set<string>();
  for (const c of a) {
    for (let i = c.path.indexOf('/'); i >= 0; i = c.path.indexOf('/', i + 1)) dirs.add(c.path.slice(0, i));
  }
  for (const c of b) {
    if (paths.has(c.path) || dirs.has(c.path)) return false;
    for (let i = c.path.indexOf('/'); i >= 0; i = c.path.indexOf('/', i + 1)) {
      if (paths.has(c.path.slice(0, i))) return false;
    }
  }
  return true;
}

/** Point `ref` at `newSha` only if it still points at `oldSha` (null: must not exist). */
export async function updateRef(
  gitDir: string,
  ref: string,
  newSha: string,
  oldSha: string | null,
): Promise<boolean> {
  const old = oldSha ?? '0000000000000000000000000000000000000000';
  const r = await git(gitDir, ['update-ref', ref, newSha, old], { okCodes: [0, 1, 128] });
  return r.code === 0;
}

function signatureEnv(author: Signature, committer: Signature): Record<string, string> {
  const stamp = (d: Date) => `${Math.floor(d.getTime() / 1000)} +0000`;
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: stamp(author.when),
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: stamp(committer.when),
  };
}

/**
 * Replays head's commits onto base with `git rebase` in a throwaway worktree, as
 * services/pull/merge_rebase.go does: authors stay, the doer becomes committer, commits that
 * become empty are dropped. A head already on top of base is returned as is.
 */
export async function rebaseOnto(
  gitDir: string,
  baseSha: string,
  headSha: string,
  doer: Signature,
): Promise<MergeCommitOutcome> {
  const base = await mergeBase(gitDir, baseSha, headSha);
  if (!base) return { result: 'unrelated' };
  if (base === baseSha) return { result: 'commit', sha: headSha };
  const dir = mkdtempSync(join(tmpdir(), 'sim-rebase-'));
  const env = {
    GIT_COMMITTER_NAME: doer.name,
    GIT_COMMITTER_EMAIL: doer.email,
    GIT_COMMITTER_DATE: `${Math.floor(doer.when.getTime() / 1000)} +0000`,
  };
  try {
    await git(gitDir, ['worktree', 'add', '--detach', '--quiet', dir, headSha]);
    const rebase = await gitIn(dir, ['-c', 'rebase.autoStash=false', 'rebase', '--quiet', baseSha], env);
    if (rebase.code !== 0) {
      const unmerged = await gitIn(dir, ['diff', '--name-only', '--diff-filter=U'], env);
      await gitIn(dir, ['rebase', '--abort'], env);
      const files = [...new Set(unmerged.stdout.split('\n').filter((l) => l.length > 0))].sort();
      return { result: 'conflict', files };
    }
    const head = await gitIn(dir, ['rev-parse', 'HEAD'], env);
    return { result: 'commit', sha: head.stdout.trim() };
  } finally {
    await git(gitDir, ['worktree', 'remove', '--force', dir], { okCodes: [0, 128] });
    rmSync(dir, { recursive: true, force: true });
    await git(gitDir, ['worktree', 'prune']);
  }
}

function gitIn(cwd: string, args: readonly string[], env: Record<string, string>): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (cause) =>
      reject(new Error(`could not run "git ${args[0] ?? ''}" in "${cwd}"`, { cause })),
    );
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** Options for {@link mergePull}. */
export interface MergePullOptions {
  gitDir: string;
  /** Full base ref, e.g. `refs/heads/main`. */
  baseRef: string;
  headSha: string;
  style: MergeStyle;
  message: string;
  doer: Signature;
}

/** Options for {@link createMergeCommit}. */
export interface MergeCommitOptions {
  gitDir: string;
  baseSha: string;
  headSha: string;
  style: MergeStyle;
  message: string;
  doer: Signature;
}

/** Outcome of writing a merge commit (no ref moves). */
export type MergeCommitOutcome =
  | { result: 'commit'; sha: string }
  | { result: 'conflict'; files: string[] }
  | { result: 'unrelated' };

/**
 * Writes the commit that merging head into base produces, as Gitea does: `merge` is always a
 * two-parent merge commit (services/pull/merge_merge.go runs `git merge --no-ff`), `squash` one
 * commit on top of base (merge_squash.go). No ref is moved.
 */
export async function createMergeCommit(options: MergeCommitOptions): Promise<MergeCommitOutcome> {
  const { gitDir, baseSha, headSha, style, message, doer } = options;
  if (style === 'rebase' || style === 'rebase-merge') {
    const rebased = await rebaseOnto(gitDir, baseSha, headSha, doer);
    if (rebased.result !== 'commit' || style === 'rebase') return rebased;
    // merge_rebase.go: rebase-merge rebases, then merges the rebased head with --no-ff.
    const body = message.endsWith('\n') ? message : `${message}\n`;
    const tree = (await git(gitDir, ['rev-parse', `${rebased.sha}^{tree}`])).stdout.trim();
    const args = ['commit-tree', tree, '-p', baseSha, '-p', rebased.sha, '-F', '-'];
    const out = await gitWithInput(gitDir, args, body, signatureEnv(doer, doer));
    return { result: 'commit', sha: out.trim() };
  }
  const check = await checkMerge(gitDir, baseSha, headSha);
  if (check.status === 'unrelated') return { result: 'unrelated' };
  if (check.status === 'conflict' || !check.tree) return { result: 'conflict', files: check.conflicts };
  const parents = style === 'merge' ? ['-p', baseSha, '-p', headSha] : ['-p', baseSha];
  const env = signatureEnv(doer, doer);
  const body = message.endsWith('\n') ? message : `${message}\n`;
  const out = await gitWithInput(gitDir, ['commit-tree', check.tree, ...parents, '-F', '-'], body, env);
  return { result: 'commit', sha: out.trim() };
}

/** Options for {@link mergePull}. */
export interface MergePullOptions {
  gitDir: string;
  /** Full base ref, e.g. `refs/heads/main`. */
  baseRef: string;
  headSha: string;
  style: MergeStyle;
  message: string;
  doer: Signature;
}

/** Merges head into the base branch; the base ref moves only if nobody moved it meanwhile. */
export async function mergePull(options: MergePullOptions): Promise<MergeOutcome> {
  const { gitDir, baseRef } = options;
  const baseSha = await resolveCommit(gitDir, baseRef);
  if (!baseSha) throw new Error(`base ref "${baseRef}" does not exist in "${gitDir}"`);
  const made = await createMergeCommit({ ...options, baseSha });
  if (made.result !== 'commit') return made;
  const moved = await updateRef(gitDir, baseRef, made.sha, baseSha);
  if (!moved) return { result: 'base-moved' };
  return { result: 'merged', sha: made.sha };
}

function gitWithInput(gitDir: string, args: readonly string[], input: string, env: Record<string, string>) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, ...args], {
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (cause) => reject(new Error(`could not run "git ${args[0] ?? ''}"`, { cause })));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new GitCommandError(args, code, Buffer.concat(err).toString('utf8')));
    });
    child.stdin.end(input);
  });
}

/**
 * The PR's diff or patch as Gitea serves `pulls/{index}.diff|.patch`
 * (services/pull/pull.go DownloadDiffOrPatch: `git diff -M merge_base head`, or
 * `git format-patch --stdout merge_base...head` for the patch).
 */
export async function pullDiff(
  gitDir: string,
  options: { mergeBase: string; headSha: string; kind: 'diff' | 'patch'; binary?: boolean },
): Promise<string> {
  const binary = options.binary ? ['--binary'] : [];
  const args =
    options.kind === 'diff'
      ? ['diff', '-M', ...binary, options.mergeBase, options.headSha]
      : [
          'format-patch',
          '--stdout',
          '--no-signature',
          ...binary,
          `${options.mergeBase}...${options.headSha}`,
        ];
  const r = await git(gitDir, args);
  return r.stdout;
}

/** Line stats of a pull: additions, deletions, changed files. */
export interface DiffStats {
  additions: number;
  deletions: number;
  changedFiles: number;
}

/**
 * {@link diffStats} in-process from cached objects (git's line counting, see `numstat.ts`); runs
 * git when renames are possible (files both removed and added, as `-M` pairs them), for
 * non-regular files, `.gitattributes` (diff drivers) or edits too large to count exactly.
 */
export async function pullDiffStats(
  repos: GitRepos,
  gitDir: string,
  mergeBaseSha: string,
  headSha: string,
): Promise<DiffStats> {
  const viaGit = () => diffStats(gitDir, mergeBaseSha, headSha);
  const [mb, head] = await Promise.all([
    repos.readCommit(gitDir, mergeBaseSha),
    repos.readCommit(gitDir, headSha),
  ]);
  if (!mb || !head) return viaGit();
  const changes = await repos.diffTrees(gitDir, mb.tree, head.tree);
  if (changes.some((c) => c.status === 'removed') && changes.some((c) => c.status === 'added'))
    return viaGit();
  const out: DiffStats = { additions: 0, deletions: 0, changedFiles: changes.length };
  for (const c of changes) {
    const dirs = [''];
    for (let i = c.path.indexOf('/'); i >= 0; i = c.path.indexOf('/', i + 1))
      dirs.push(`${c.path.slice(0, i)}/`);
    for (const tree of [mb.tree, head.tree]) {
      for (const dir of dirs)
        if (await repos.entryInTree(gitDir, tree, `${dir}.gitattributes`)) return viaGit();
    }
    const before = c.status === 'added' ? null : await repos.entryInTree(gitDir, mb.tree, c.path);
    const after = c.status === 'removed' ? null : await repos.entryInTree(gitDir, head.tree, c.path);
    const regular = (e: typeof before) => e === null || (e.type === 'blob' && e.mode !== '120000');
    if (!regular(before) || !regular(after)) return viaGit();
    const a = before ? await repos.readBlob(gitDir, before.sha) : Buffer.alloc(0);
    const b = after ? await repos.readBlob(gitDir, after.sha) : Buffer.alloc(0);
    if (!a || !b) return viaGit();
    // numstat prints `-` for binary files; they count as changed with no lines.
    if (isBinary(a) || isBinary(b)) continue;
    const lines = lineStats(a, b);
    if (!lines) return viaGit();
    out.additions += lines.additions;
    out.deletions += lines.deletions;
  }
  return out;
}

/** Additions, deletions and changed files between merge base and head (`git diff --numstat`). */
export async function diffStats(
  gitDir: string,
  mergeBaseSha: string,
  headSha: string,
): Promise<{ additions: number; deletions: number; changedFiles: number }> {
  const r = await git(gitDir, ['diff', '--numstat', '-M', mergeBaseSha, headSha]);
  let additions = 0;
  let deletions = 0;
  let changedFiles = 0;
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const [a, d] = line.split('\t');
    changedFiles += 1;
    additions += Number.parseInt(a ?? '0', 10) || 0;
    deletions += Number.parseInt(d ?? '0', 10) || 0;
  }
  return { additions, deletions, changedFiles };
}
