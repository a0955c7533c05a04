import { describe, expect, it } from 'vitest';
import { normalizeBaseUrl } from './client.ts';
import { fillRoute, RouteMatcher } from './routes.ts';

describe('normalizeBaseUrl', () => {
  it.each([
    ['https://git.example.com', 'https://git.example.com'],
    ['https://git.example.com/', 'https://git.example.com'],
    ['https://git.example.com/api/v1', 'https://git.example.com'],
    ['https://git.example.com/api/v1/', 'https://git.example.com'],
    ['https://host/gitea/', 'https://host/gitea'],
    ['https://host/gitea', 'https://host/gitea'],
    ['https://host/gitea/api/v1', 'https://host/gitea'],
    ['https://host/gitea//', 'https://host/gitea'],
    ['  http://127.0.0.1:3000/  ', 'http://127.0.0.1:3000'],
    ['http://127.0.0.1:3000/api/v1?x=1#frag', 'http://127.0.0.1:3000'],
    ['HTTPS://Host.Example.COM:8443/Sub/', 'https://host.example.com:8443/Sub'],
  ])('%s -> %s', (input, baseUrl) => {
    expect(normalizeBaseUrl(input)).toEqual({ baseUrl, apiUrl: `${baseUrl}/api/v1` });
  });

  it.each([
    ['not a url', /is not a URL/],
    ['ftp://host/', /must use http or https/],
    ['https://user:pw@host/', /must not carry credentials/],
  ])('rejects %s', (input, message) => {
    expect(() => normalizeBaseUrl(input)).toThrow(message);
  });

  it('does not echo credentials it rejects', () => {
    expect(() => normalizeBaseUrl('https://bot:hunter2@host/')).toThrow(/^(?!.*hunter2)/s);
  });
});

describe('fillRoute', () => {
  it.each([
    ['/repos/{owner}/{repo}/pulls/{index}', { owner: 'o', repo: 'r', index: 5 }, '/repos/o/r/pulls/5'],
    [
      '/repos/{owner}/{repo}/branches/{branch}',
      { owner: 'o', repo: 'r', branch: 'edit/x y' },
      '/repos/o/r/branches/edit%2Fx%20y',
    ],
    [
      '/repos/{owner}/{repo}/contents/{filepath}',
      { owner: 'o', repo: 'r', filepath: 'rfcs/a b#1.md' },
      '/repos/o/r/contents/rfcs/a%20b%231.md',
    ],
    [
      '/repos/{owner}/{repo}/pulls/{index}.{diffType}',
      { owner: 'o', repo: 'r', index: 7, diffType: 'diff' },
      '/repos/o/r/pulls/7.diff',
    ],
    ['/user', {}, '/user'],
  ])('%s', (route, path, expected) => {
    expect(fillRoute(route, path)).toBe(expected);
  });

  it('names a missing parameter', () => {
    expect(() => fillRoute('/repos/{owner}/{repo}', { owner: 'o' })).toThrow(/"repo"/);
  });

  it('names an unknown parameter', () => {
    expect(() => fillRoute('/repos/{owner}/{repo}', { owner: 'o', repo: 'r', index: 1 })).toThrow(/"index"/);
  });

  it('rejects a route without a leading slash', () => {
    expect(() => fillRoute('repos/{owner}', { owner: 'o' })).toThrow(/must start with/);
  });
});

describe('RouteMatcher', () => {
  const m = new RouteMatcher();
  it.each([
    ['GET', '/repos/o/r', '/repos/{owner}/{repo}'],
    ['GET', '/repos/o/r/pulls', '/repos/{owner}/{repo}/pulls'],
    ['GET', '/repos/o/r/pulls/5', '/repos/{owner}/{repo}/pulls/{index}'],
    ['GET', '/repos/o/r/pulls/5.diff', '/repos/{owner}/{repo}/pulls/{index}.{diffType}'],
    ['GET', '/repos/o/r/pulls/5/merge', '/repos/{owner}/{repo}/pulls/{index}/merge'],
    ['POST', '/repos/o/r/pulls/5/merge', '/repos/{owner}/{repo}/pulls/{index}/merge'],
    ['GET', '/repos/issues/search', '/repos/issues/search'],
    ['GET', '/repos/search', '/repos/search'],
    ['GET', '/repos/o/r/contents/rfcs/a.md', '/repos/{owner}/{repo}/contents/{filepath}'],
    ['PUT', '/repos/o/r/contents/a/b/c.md', '/repos/{owner}/{repo}/contents/{filepath}'],
    ['POST', '/repos/o/r/contents', '/repos/{owner}/{repo}/contents'],
    ['GET', '/repos/o/r/branches/edit/slug/x', '/repos/{owner}/{repo}/branches/{branch}'],
    ['GET', '/repos/o/r/raw/RFC.md', '/repos/{owner}/{repo}/raw/{filepath}'],
    ['GET', '/orgs/acme/repos', '/orgs/{org}/repos'],
    ['PATCH', '/repos/o/r/issues/3', '/repos/{owner}/{repo}/issues/{index}'],
    ['GET', '/repos/o/r/issues/comments/9', '/repos/{owner}/{repo}/issues/comments/{id}'],
    ['GET', '/repos/o/r/pulls/', '/repos/{owner}/{repo}/pulls'],
    ['GET', '/no/such/12/route', '/no/such/{n}/route'],
  ])('%s %s', (method, path, template) => {
    expect(m.match(method, path)).toBe(template);
  });
});
