import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRepos } from './git.ts';
import {
  checkMerge,
  diffStats,
  mergeBase,
  mergePull,
  mergeStatus,
  pullDiff,
  pullDiffStats,
  resolveCommit,
  updateRef,
} from './merge.ts';

let dir = '';
const doer = { name: 'alice', email: 'alice@noreply.localhost', when: new Date('2026-01-02T03:04:05Z') };

function sh(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.test',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.test',
      GIT_AUTHOR_DATE: '1700000000 +0000',
      GIT_COMMITTER_DATE: '1700000000 +0000',
    },
  }).trim();
}

function commitFile(branch: string, file: string, text: string): string {
  sh('checkout', '-q', branch);
  writeFileSync(join(dir, file), text);
  sh('add', file);
  sh('commit', '-q', '-m', `${branch}: ${file}`);
  return sh('rev-parse', 'HEAD');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sim-merge-'));
  sh('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'a.txt'), 'one\ntwo\nthree\n');
  sh('add', 'a.txt');
  sh('commit', '-q', '-m', 'init');
  sh('branch', 'topic');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('merge plumbing', () => {
  it('writes a two-parent merge commit and moves the base ref', async () => {
    const gitDir = join(dir, '.git');
    const base = await resolveCommit(gitDir, 'refs/heads/main');
    const head = commitFile('topic', 'b.txt', 'new\n');
    const out = await mergePull({
      gitDir,
      baseRef: 'refs/heads/main',
      headSha: head,
      style: 'merge',
      message: 'm',
      doer,
    });
    expect(out.result).toBe('merged');
    const sha = out.result === 'merged' ? out.sha : '';
    expect(sh('rev-parse', 'refs/heads/main')).toBe(sha);
    expect(sh('log', '-1', '--format=%P', sha)).toBe(`${base} ${head}`);
    expect(sh('log', '-1', '--format=%an %ae %at', sha)).toBe('alice alice@noreply.localhost 1767323045');
    expect(sh('show', `${sha}:b.txt`)).toBe('new');
  });

  it('squashes into one single-parent commit', async () => {
    const gitDir = join(dir, '.git');
    const base = await resolveCommit(gitDir, 'refs/heads/main');
    commitFile('topic', 'b.txt', 'one\n');
    const head = commitFile('topic', 'c.txt', 'two\n');
    const out = await mergePull({
      gitDir,
      baseRef: 'refs/heads/main',
      headSha: head,
      style: 'squash',
      message: 's (#1)',
      doer,
    });
    const sha = out.result === 'merged' ? out.sha : '';
    expect(sh('log', '-1', '--format=%P', sha)).toBe(base);
    expect(sh('log', '-1', '--format=%s', sha)).toBe('s (#1)');
    expect(sh('ls-tree', '--name-only', sha).split('\n')).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('reports conflicts without touching the base ref', async () => {
    const gitDir = join(dir, '.git');
    const mainTip = commitFile('main', 'a.txt', 'one\nTWO main\nthree\n');
    const head = commitFile('topic', 'a.txt', 'one\nTWO topic\nthree\n');
    const check = await checkMerge(gitDir, mainTip, head);
    expect(check).toMatchObject({ status: 'conflict', conflicts: ['a.txt'] });
    const out = await mergePull({
      gitDir,
      baseRef: 'refs/heads/main',
      headSha: head,
      style: 'merge',
      message: 'm',
      doer,
    });
    expect(out).toEqual({ result: 'conflict', files: ['a.txt'] });
    expect(sh('rev-parse', 'refs/heads/main')).toBe(mainTip);
  });

  it('computes merge base, diff, patch and stats between merge base and head', async () => {
    const gitDir = join(dir, '.git');
    const base = sh('rev-parse', 'main');
    commitFile('main', 'm.txt', 'main only\n');
    const head = commitFile('topic', 'b.txt', 'x\ny\n');
    const mb = await mergeBase(gitDir, 'refs/heads/main', head);
    expect(mb).toBe(base);
    const diff = await pullDiff(gitDir, { mergeBase: base, headSha: head, kind: 'diff' });
    expect(diff).toContain('diff --git a/b.txt b/b.txt');
    expect(diff).not.toContain('m.txt');
    const patch = await pullDiff(gitDir, { mergeBase: base, headSha: head, kind: 'patch' });
    expect(patch).toMatch(/^From [0-9a-f]{40} /);
    expect(await diffStats(gitDir, base, head)).toEqual({ additions: 2, deletions: 0, changedFiles: 1 });
  });

  it('updates a ref only from the expected old value', async () => {
    const gitDir = join(dir, '.git');
    const main = sh('rev-parse', 'main');
    const head = commitFile('topic', 'b.txt', 'x\n');
    expect(await updateRef(gitDir, 'refs/heads/main', head, head)).toBe(false);
    expect(await updateRef(gitDir, 'refs/pull/1/head', head, null)).toBe(true);
    expect(await updateRef(gitDir, 'refs/pull/1/head', main, null)).toBe(false);
    expect(await updateRef(gitDir, 'refs/heads/main', head, main)).toBe(true);
  });

  it('rebases head onto base (doer as committer, authors kept) and fast-forwards', async () => {
    const gitDir = join(dir, '.git');
    commitFile('topic', 'b.txt', 'b\n');
    const head = commitFile('topic', 'c.txt', 'c\n');
    const mainTip = commitFile('main', 'm.txt', 'm\n');
    const out = await mergePull({
      gitDir,
      baseRef: 'refs/heads/main',
      headSha: head,
      style: 'rebase',
      message: '',
      doer,
    });
    const sha = out.result === 'merged' ? out.sha : '';
    expect(sh('rev-list', '--count', `${mainTip}..${sha}`)).toBe('2');
    expect(sh('log', '-1', '--format=%P', `${sha}~1`)).toBe(mainTip);
    expect(sh('log', '-1', '--format=%an|%cn|%s', sha)).toBe('t|alice|topic: c.txt');
    expect(sh('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('rebase-merge writes a merge commit over the rebased head; conflicts leave base alone', async () => {
    const gitDir = join(dir, '.git');
    const head = commitFile('topic', 'b.txt', 'b\n');
    const mainTip = commitFile('main', 'm.txt', 'm\n');
    const out = await mergePull({
      gitDir,
      baseRef: 'refs/heads/main',
      headSha: head,
      style: 'rebase-merge',
      message: 'rm',
      doer,
    });
    const sha = out.result === 'merged' ? out.sha : '';
    const [first, second] = sh('log', '-1', '--format=%P', sha).split(' ');
    expect(first).toBe(mainTip);
    expect(sh('log', '-1', '--format=%P', second!)).toBe(mainTip);
    const clash = commitFile('topic', 'a.txt', 'one\nTOPIC\nthree\n');
    commitFile('main', 'a.txt', 'one\nMAIN\nthree\n');
    const before = sh('rev-parse', 'main');
    const conflict = await mergePull({
      gitDir,
      baseRef: 'refs/heads/main',
      headSha: clash,
      style: 'rebase',
      message: '',
      doer,
    });
    expect(conflict).toEqual({ result: 'conflict', files: ['a.txt'] });
    expect(sh('rev-parse', 'main')).toBe(before);
    expect(sh('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('reports unrelated histories', async () => {
    const gitDir = join(dir, '.git');
    sh('checkout', '-q', '--orphan', 'lonely');
    sh('rm', '-rq', '--cached', '.');
    writeFileSync(join(dir, 'z.txt'), 'z\n');
    sh('add', 'z.txt');
    sh('commit', '-q', '-m', 'lonely');
    const lonely = sh('rev-parse', 'HEAD');
    const out = await mergePull({
      gitDir,
      baseRef: 'refs/heads/main',
      headSha: lonely,
      style: 'merge',
      message: 'm',
      doer,
    });
    expect(out).toEqual({ result: 'unrelated' });
  });
});

/** Writes files (`null` removes) on a branch and commits them; returns the commit. */
function commitFiles(branch: string, files: Record<string, string | Buffer | null>): string {
  sh('checkout', '-q', branch);
  for (const [file, text] of Object.entries(files)) {
    if (text === null) {
      sh('rm', '-q', file);
      continue;
    }
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
    sh('add', file);
  }
  sh('commit', '-q', '-m', `${branch}: ${Object.keys(files).join(' ')}`);
  return sh('rev-parse', 'HEAD');
}

function move(branch: string, from: string, to: string): string {
  sh('checkout', '-q', branch);
  mkdirSync(join(dir, to, '..'), { recursive: true });
  sh('mv', from, to);
  sh('commit', '-q', '-m', `${branch}: move ${from}`);
  return sh('rev-parse', 'HEAD');
}

const long = Array.from({ length: 40 }, (_, i) => `line ${i}\n\n`).join('');

describe('in-process trial merges and stats agree with git', () => {
  it.each<[string, () => void]>([
    ['head ahead of base', () => commitFiles('topic', { 'b.txt': 'b\n' })],
    ['head already in base', () => commitFiles('main', { 'm.txt': 'm\n' })],
    [
      'diverged, disjoint files',
      () => {
        commitFiles('main', { 'm.txt': 'm\n' });
        commitFiles('topic', { 'docs/b.txt': 'b\n', 'a.txt': 'one\n2\nthree\n' });
      },
    ],
    [
      'diverged, same file, conflicting',
      () => {
        commitFiles('main', { 'a.txt': 'ONE\ntwo\nthree\n' });
        commitFiles('topic', { 'a.txt': 'uno\ntwo\nthree\n' });
      },
    ],
    [
      'diverged, same file, same change',
      () => {
        commitFiles('main', { 'a.txt': 'one\ntwo\n3\n' });
        commitFiles('topic', { 'a.txt': 'one\ntwo\n3\n', 'b.txt': long });
      },
    ],
    [
      'rename on base, edit on head',
      () => {
        commitFiles('main', { 'a.txt': long });
        sh('branch', '-f', 'topic', 'main');
        move('main', 'a.txt', 'moved/a.txt');
        commitFiles('topic', { 'a.txt': `${long}tail\n` });
      },
    ],
    [
      'directory renamed on base, file added to it on head',
      () => {
        commitFiles('main', { 'rfcs/x.md': long });
        sh('branch', '-f', 'topic', 'main');
        move('main', 'rfcs/x.md', 'accepted/x.md');
        commitFiles('topic', { 'rfcs/new.md': 'new\n' });
      },
    ],
    [
      'file on base where head has a directory',
      () => {
        commitFiles('main', { f: 'file\n' });
        commitFiles('topic', { 'f/g.txt': 'g\n' });
      },
    ],
    [
      'deletion on base, unrelated edit on head',
      () => {
        commitFiles('main', { 'x.txt': 'x\n' });
        sh('branch', '-f', 'topic', 'main');
        commitFiles('main', { 'x.txt': null });
        commitFiles('topic', { 'a.txt': `${long}one\n`, 'bin.dat': Buffer.from([1, 0, 2]) });
      },
    ],
    [
      'head with attributes and a removed file',
      () => {
        commitFiles('topic', { '.gitattributes': '*.txt -diff\n', 'a.txt': 'changed\n' });
        commitFiles('topic', { 'a.txt': null });
      },
    ],
  ])('%s', async (_name, setup) => {
    setup();
    const gitDir = join(dir, '.git');
    const repos = new GitRepos(join(gitDir, 'sim-objects'));
    try {
      const base = sh('rev-parse', 'main');
      const head = sh('rev-parse', 'topic');
      const want = await checkMerge(gitDir, base, head);
      const got = await mergeStatus(repos, gitDir, base, head);
      expect(got).toEqual({ mergeBase: want.mergeBase, status: want.status });
      if (got.mergeBase) {
        expect(await pullDiffStats(repos, gitDir, got.mergeBase, head)).toEqual(
          await diffStats(gitDir, got.mergeBase, head),
        );
      }
    } finally {
      repos.close();
    }
  });

  it('finds unrelated histories without a merge base', async () => {
    const gitDir = join(dir, '.git');
    sh('checkout', '-q', '--orphan', 'lonely');
    sh('rm', '-rq', '--cached', '.');
    writeFileSync(join(dir, 'z.txt'), 'z\n');
    sh('add', 'z.txt');
    sh('commit', '-q', '-m', 'lonely');
    const lonely = sh('rev-parse', 'HEAD');
    const repos = new GitRepos(join(gitDir, 'sim-objects'));
    expect(await mergeStatus(repos, gitDir, sh('rev-parse', 'main'), lonely)).toEqual({
      mergeBase: null,
      status: 'unrelated',
    });
    repos.close();
  });
});
