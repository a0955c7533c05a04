import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRepos, signatureAt } from './git.ts';

const root = mkdtempSync(join(tmpdir(), 'sim-git-'));
const repos = new GitRepos(join(root, 'git'));
const bare = repos.pathOf('o', 'r');
const work = join(root, 'work');
let t = 1_700_000_000;

function g(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
    encoding: 'utf8',
  });
}

function commit(message: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries(files)) {
    execFileSync('mkdir', ['-p', join(work, p, '..')]);
    writeFileSync(join(work, p), c);
  }
  g(work, ['add', '-A']);
  t += 60;
  const date = `${t} +0000`;
  g(work, ['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', message], {
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
}

beforeAll(async () => {
  await repos.init(bare, 'main');
  g(root, ['init', '-q', work]);
  g(work, ['remote', 'add', 'origin', bare]);
  g(work, ['checkout', '-q', '-b', 'main']);
  commit('one', { 'a.md': '1', 'd/x.md': 'x' });
  commit('two', { 'a.md': '2' });
  g(work, ['checkout', '-q', '-b', 'side']);
  commit('side1', { 'd/x.md': 'x2' });
  g(work, ['checkout', '-q', 'main']);
  commit('three', { 'b.md': 'b' });
  commit('side2-ish on main', { 'c.md': 'c' });
  t += 60;
  g(
    work,
    ['-c', 'user.name=T', '-c', 'user.email=t@e', 'merge', '-q', '--no-ff', '-m', 'merge side', 'side'],
    {
      GIT_AUTHOR_DATE: `${t} +0000`,
      GIT_COMMITTER_DATE: `${t} +0000`,
    },
  );
  commit('four', { 'a.md': '4' });
  g(work, ['push', '-q', 'origin', 'main', 'side']);
  repos.invalidateRefs(bare);
});

afterAll(() => {
  repos.close();
  rmSync(root, { recursive: true, force: true });
});

const revList = (args: string[]) =>
  g(bare, ['rev-list', ...args])
    .split('\n')
    .filter(Boolean);

describe('GitRepos walks match git', () => {
  it('walks like rev-list, with and without an excluded commit and a limit', async () => {
    const main = (await repos.resolveCommit(bare, 'main'))!;
    const side = (await repos.resolveCommit(bare, 'side'))!;
    expect(await repos.walk(bare, { from: main })).toEqual(revList([main]));
    expect(await repos.walk(bare, { from: main, not: side })).toEqual(revList([main, `^${side}`]));
    expect(await repos.walk(bare, { from: main, limit: 3 })).toEqual(revList(['--max-count=3', main]));
    expect(await repos.walk(bare, { from: side, not: main })).toEqual([]);
  });

  it('computes line stats for a batch of commits like git diff --numstat against the first parent', async () => {
    const fresh = new GitRepos(join(root, 'git'));
    const main = (await fresh.resolveCommit(bare, 'main'))!;
    const all = revList([main]);
    await fresh.prefetchNumstats(bare, all);
    for (const sha of all) {
      const parent = g(bare, ['log', '-1', '--format=%P', sha]).trim().split(' ')[0];
      const args = parent
        ? ['diff', '--numstat', parent, sha]
        : ['diff-tree', '--root', '--no-commit-id', '-r', '--numstat', sha];
      const expected = g(bare, args)
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'))
        .map(([a, d, p]) => [p, { additions: Number(a), deletions: Number(d) }]);
      expect([...(await fresh.numstat(bare, sha)).entries()].sort()).toEqual(expected.sort());
    }
    fresh.close();
  });

  it('finds the merge base like git merge-base', async () => {
    const main = (await repos.resolveCommit(bare, 'main'))!;
    const side = (await repos.resolveCommit(bare, 'side'))!;
    const two = revList(['--max-count=1', '--grep=^two$', main])[0]!;
    expect(await repos.mergeBase(bare, two, side)).toBe(g(bare, ['merge-base', two, side]).trim());
    expect(await repos.mergeBase(bare, main, side)).toBe(g(bare, ['merge-base', main, side]).trim());
  });

  it.each(['a.md', 'b.md', 'c.md', 'd/x.md', 'd'])('finds the last commit touching %s', async (path) => {
    const main = (await repos.resolveCommit(bare, 'main'))!;
    const expected = revList(['-1', main, '--', path])[0];
    expect(await repos.lastCommitTouching(bare, main, path)).toBe(expected);
  });
});

describe('GitRepos writes', () => {
  it('writes trees in git order and commits that pass fsck', async () => {
    const main = (await repos.resolveCommit(bare, 'main'))!;
    const base = (await repos.readCommit(bare, main))!;
    const tree = await repos.applyChanges(bare, base.tree, [
      { path: 'a.b', content: Buffer.from('dot') },
      { path: 'a/z.md', content: Buffer.from('z') },
      { path: 'a-b', content: Buffer.from('dash') },
      { path: 'd/x.md', content: null },
      { path: 'b.md', content: null },
    ]);
    const sig = signatureAt('Ann', 'ann@example.org', new Date('2025-01-01T00:00:00Z'));
    const sha = repos.writeCommit(bare, {
      tree,
      parents: [main],
      author: sig,
      committer: sig,
      message: 'write',
    });
    await repos.withLock(bare, () => repos.updateRef(bare, 'refs/heads/main', sha, main));
    g(bare, ['fsck', '--strict', '--no-dangling']);
    expect(g(bare, ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter(Boolean)).toEqual([
      'a-b',
      'a.b',
      'a.md',
      'a/z.md',
      'c.md',
    ]);
    expect(g(bare, ['log', '-1', '--format=%an <%ae> %aI %s', 'main']).trim()).toBe(
      'Ann <ann@example.org> 2025-01-01T00:00:00+00:00 write',
    );
    expect((await repos.listRefs(bare)).get('refs/heads/main')).toBe(sha);
    await expect(
      repos.withLock(bare, () => repos.updateRef(bare, 'refs/heads/main', main, main)),
    ).rejects.toThrow();
    expect((await repos.listRefs(bare)).get('refs/heads/main')).toBe(sha);
  });

  it('reads, moves and deletes packed refs like git', async () => {
    const main = (await repos.resolveCommit(bare, 'main'))!;
    const side = (await repos.resolveCommit(bare, 'side'))!;
    await repos.withLock(bare, () => repos.updateRef(bare, 'refs/heads/topic/a', side, null));
    g(bare, ['pack-refs', '--all']);
    repos.invalidateRefs(bare);
    const refs = await repos.listRefs(bare);
    expect([refs.get('refs/heads/main'), refs.get('refs/heads/topic/a')]).toEqual([main, side]);
    await expect(
      repos.withLock(bare, () => repos.updateRef(bare, 'refs/heads/topic/a', main, null)),
    ).rejects.toThrow(/expected/);
    await repos.withLock(bare, () => repos.updateRef(bare, 'refs/heads/topic/a', main, side));
    expect(g(bare, ['rev-parse', 'refs/heads/topic/a']).trim()).toBe(main);
    await repos.withLock(bare, () => repos.updateRef(bare, 'refs/heads/topic/a', null, main));
    await repos.withLock(bare, () => repos.updateRef(bare, 'refs/heads/side', null, side));
    expect(g(bare, ['for-each-ref', '--format=%(refname)']).trim().split('\n')).toEqual(['refs/heads/main']);
    repos.invalidateRefs(bare);
    expect([...(await repos.listRefs(bare)).keys()]).toEqual(['refs/heads/main']);
  });
});

describe('GitRepos.mergeBases', () => {
  it('finds every best common ancestor of a criss-cross merge like git merge-base --all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-git-cross-'));
    try {
      const own = new GitRepos(join(dir, 'git'));
      const gitDir = own.pathOf('o', 'cross');
      await own.init(gitDir, 'main');
      const wt = join(dir, 'wt');
      g(dir, ['init', '-q', wt]);
      g(wt, ['remote', 'add', 'origin', gitDir]);
      // One fixed date for every commit, as the simulator's clock gives: no date ordering to lean on.
      const env = { GIT_AUTHOR_DATE: '1700000000 +0000', GIT_COMMITTER_DATE: '1700000000 +0000' };
      const id = ['-c', 'user.name=T', '-c', 'user.email=t@e'];
      const step = (file: string) => {
        writeFileSync(join(wt, file), file);
        g(wt, ['add', '-A'], env);
        g(wt, [...id, 'commit', '-q', '-m', file], env);
        return g(wt, ['rev-parse', 'HEAD']).trim();
      };
      g(wt, ['checkout', '-q', '-b', 'main']);
      const root = step('root.md');
      g(wt, ['checkout', '-q', '-b', 'x']);
      const x1 = step('x1.md');
      g(wt, ['checkout', '-q', '-b', 'y', root]);
      const y1 = step('y1.md');
      g(wt, [...id, 'merge', '-q', '--no-ff', '-m', 'y takes x1', x1], env);
      const my = step('y2.md');
      g(wt, ['checkout', '-q', 'x']);
      g(wt, [...id, 'merge', '-q', '--no-ff', '-m', 'x takes y1', y1], env);
      const mx = step('x2.md');
      g(wt, ['push', '-q', 'origin', 'main', 'x', 'y']);
      const all = (a: string, b: string) =>
        g(gitDir, ['merge-base', '--all', a, b]).trim().split('\n').sort();
      expect((await own.mergeBases(gitDir, mx, my)).sort()).toEqual(all(mx, my));
      expect(await own.mergeBases(gitDir, mx, my)).toHaveLength(2);
      expect(await own.mergeBase(gitDir, x1, my)).toBe(x1);
      expect(await own.mergeBase(gitDir, my, y1)).toBe(y1);
      expect(await own.mergeBase(gitDir, x1, y1)).toBe(root);
      own.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
