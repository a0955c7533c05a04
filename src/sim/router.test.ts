import { describe, expect, it } from 'vitest';
import { Router } from './router.ts';
import { linkHeader } from './server.ts';

describe('Router', () => {
  const r = new Router<string>();
  r.add('GET', '/repos/{owner}/{repo}', 'repo');
  r.add('GET', '/repos/{owner}/{repo}/contents/{filepath}', 'contents');
  r.add('GET', '/repos/{owner}/{repo}/branches/{branch}', 'branch');
  r.add('GET', '/repos/{owner}/{repo}/pulls/{index}', 'pull');
  r.add('GET', '/repos/{owner}/{repo}/pulls/{index}/merge', 'merged');
  r.add('GET', '/repos/{owner}/{repo}/pulls/pinned', 'pinned');
  r.add('GET', '/repos/{owner}/{repo}/pulls/{index}.{diffType}', 'diff');
  r.add('GET', '/repos/{owner}/{repo}/pulls/{base}/{head}', 'by-head');
  r.add('GET', '/repos/{owner}/{repo}/raw/v{major}.{minor}+x', 'mixed');

  it.each([
    ['/repos/a/b', 'repo', { owner: 'a', repo: 'b' }],
    ['/repos/a/b/contents/x/y%20z.md', 'contents', { owner: 'a', repo: 'b', filepath: 'x/y z.md' }],
    ['/repos/a/b/branches/edit/x/typo', 'branch', { owner: 'a', repo: 'b', branch: 'edit/x/typo' }],
    ['/repos/a/b/pulls/3', 'pull', { owner: 'a', repo: 'b', index: '3' }],
    ['/repos/a/b/pulls/3/merge', 'merged', { owner: 'a', repo: 'b', index: '3' }],
    ['/repos/a/b/pulls/pinned', 'pinned', { owner: 'a', repo: 'b' }],
    ['/repos/a/b/pulls/3.diff', 'diff', { owner: 'a', repo: 'b', index: '3', diffType: 'diff' }],
    ['/repos/a/b/pulls/3.patch', 'diff', { owner: 'a', repo: 'b', index: '3', diffType: 'patch' }],
    ['/repos/a/b/pulls/3.tar.gz', 'diff', { owner: 'a', repo: 'b', index: '3', diffType: 'tar.gz' }],
    [
      '/repos/a/b/pulls/main/propose/x',
      'by-head',
      { owner: 'a', repo: 'b', base: 'main', head: 'propose/x' },
    ],
    ['/repos/a/b/pulls/main/topic', 'by-head', { owner: 'a', repo: 'b', base: 'main', head: 'topic' }],
    ['/repos/a/b/pulls/3/merge/x', 'by-head', { owner: 'a', repo: 'b', base: '3', head: 'merge/x' }],
    ['/repos/a/b/raw/v1.2%2B+x', 'mixed', { owner: 'a', repo: 'b', major: '1', minor: '2+' }],
  ])('matches %s', (path, handler, params) => {
    const m = r.match('GET', path);
    expect(m?.handler).toBe(handler);
    expect(m?.params).toEqual(params);
  });

  it.each([['/repos/a'], ['/repos/a/b/contents'], ['/repos/a/b/raw/v1.2x'], ['/repos/a/b/raw/v.2+x']])(
    'does not match %s',
    (path) => {
      expect(r.match('GET', path)).toBeNull();
    },
  );

  it('refuses a duplicate registration', () => {
    expect(() => r.add('GET', '/repos/{owner}/{repo}', 'again')).toThrow(/twice/);
  });
});

describe('linkHeader (Gitea SetLinkHeader)', () => {
  const base = 'http://h/api/v1/orgs/o/repos';
  it.each([
    [95, 30, 1, ['next:2', 'last:4']],
    [95, 30, 2, ['next:3', 'last:4', 'first:1', 'prev:1']],
    [95, 30, 4, ['first:1', 'prev:3']],
    [10, 30, 1, []],
    [0, 30, 1, []],
  ])('total %i size %i page %i', (total, size, page, rels) => {
    const h = linkHeader(
      base,
      new URLSearchParams({ limit: String(size), page: String(page) }),
      total,
      size,
      page,
    );
    const got = h ? h.split(',').map((l) => `${/rel="(\w+)"/.exec(l)![1]}:${/page=(\d+)/.exec(l)![1]}`) : [];
    expect(got).toEqual(rels);
  });

  it('sorts query keys like Go and keeps other parameters', () => {
    const h = linkHeader(base, new URLSearchParams({ token: 't', limit: '2' }), 5, 2, 1);
    expect(h?.split(',')[0]).toBe(`<${base}?limit=2&page=2&token=t>; rel="next"`);
  });
});
