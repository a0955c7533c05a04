import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { GiteaClient } from './client.ts';
import { GiteaNetworkError, NotFoundError, OutcomeUnknownError } from './errors.ts';
import { sendJson, startTestServer, type TestServer } from './test-server.ts';

const TOKEN = 'sekret-T0KEN-4f9a2c';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('client.api (gitea-js) through the choke point', () => {
  it('sends our auth, files calls under route templates and raises typed errors', async () => {
    server = await startTestServer((r, res, n) => {
      if (r.url.includes('/missing')) return sendJson(res, 404, { message: 'repo not found' });
      if (r.url.endsWith('/pulls/5') && n === 1) return sendJson(res, 503, {});
      if (r.method === 'POST') return sendJson(res, 201, { number: 7 });
      sendJson(res, 200, { path: r.url });
    });
    const client = new GiteaClient({ baseUrl: `${server.url}/`, token: TOKEN, sleep: async () => {} });

    const repo = await client.api.repos.repoGet('o', 'r');
    expect(repo.data).toEqual({ path: '/api/v1/repos/o/r' });
    const pr = await client.api.repos.repoGetPullRequest('o', 'r', 5);
    expect(pr.status).toBe(200);
    await client.api.repos.repoGetContents('o', 'r', 'rfcs/a.md', { ref: 'main' });
    await client.api.repos.repoGetBranch('o', 'r', 'edit/slug/x');
    const issue = await client.api.repos.issueCreateIssue('o', 'r', { title: 't' });
    expect(issue.data).toEqual({ number: 7 });
    const err = await client.api.repos.repoGet('o', 'missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({
      status: 404,
      route: '/repos/{owner}/{repo}',
      body: { message: 'repo not found' },
    });

    expect(server.seen.every((r) => r.headers.authorization === `token ${TOKEN}`)).toBe(true);
    const post = server.seen.find((r) => r.method === 'POST')!;
    expect(post.body).toBe('{"title":"t"}');
    expect(post.headers['content-type']).toBe('application/json');
    expect(server.seen.map((r) => r.url)).toContain('/api/v1/repos/o/r/contents/rfcs/a.md?ref=main');
    expect(client.stats()).toEqual({
      total: 7,
      retries: 1,
      byMethod: { GET: 6, POST: 1 },
      byRoute: {
        'GET /repos/{owner}/{repo}': 2,
        'GET /repos/{owner}/{repo}/branches/{branch}': 1,
        'GET /repos/{owner}/{repo}/contents/{filepath}': 1,
        'GET /repos/{owner}/{repo}/pulls/{index}': 2,
        'POST /repos/{owner}/{repo}/issues': 1,
      },
    });
  });

  it('counts request() and paginate() calls by template, and resets', async () => {
    server = await startTestServer((_r, res) => sendJson(res, 200, []));
    const client = new GiteaClient({ baseUrl: server.url });
    await client.paginate('/repos/{owner}/{repo}/pulls', { path: { owner: 'o', repo: 'r' } });
    await client.request('HEAD', '/repos/{owner}/{repo}', { path: { owner: 'o', repo: 'r' } });
    await client.api.orgs.orgListRepos('acme', { page: 1, limit: 50 });
    expect(client.stats()).toEqual({
      total: 3,
      retries: 0,
      byMethod: { GET: 2, HEAD: 1 },
      byRoute: {
        'GET /orgs/{org}/repos': 1,
        'GET /repos/{owner}/{repo}/pulls': 1,
        'HEAD /repos/{owner}/{repo}': 1,
      },
    });
    client.resetStats();
    expect(client.stats()).toEqual({ total: 0, retries: 0, byMethod: {}, byRoute: {} });
  });
});

describe('token secrecy', () => {
  it('never shows the token in errors, stats, logs or the client itself', async () => {
    server = await startTestServer((r, res, n) => {
      // A hostile or confused server echoing the credentials back.
      if (n === 0) return sendJson(res, 404, { message: `no access for ${r.headers.authorization}` });
      if (n === 1) return res.writeHead(500).end(`bad token ${TOKEN}`);
      if (n === 2) return sendJson(res, 502, { message: TOKEN });
      if (n === 3) return res.socket?.destroy();
      sendJson(res, 200, { ok: true });
    });
    const lines: string[] = [];
    const client = new GiteaClient({
      baseUrl: server.url,
      token: TOKEN,
      retries: 0,
      sleep: async () => {},
      log: (line) => lines.push(line),
    });
    const errors: unknown[] = [];
    const path = { owner: 'o', repo: 'r' };
    errors.push(await client.request('GET', '/repos/{owner}/{repo}', { path }).catch((e: unknown) => e));
    errors.push(
      await client
        .request('GET', '/repos/{owner}/{repo}', { path, query: { token: TOKEN } })
        .catch((e: unknown) => e),
    );
    errors.push(
      await client.request('POST', '/repos/{owner}/{repo}/issues', { path }).catch((e: unknown) => e),
    );
    errors.push(
      await client
        .request('GET', '/repos/{owner}/{repo}', { path, query: { access_token: TOKEN } })
        .catch((e: unknown) => e),
    );
    const refused = new GiteaClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, retries: 0 });
    errors.push(await refused.request('GET', '/user').catch((e: unknown) => e));

    expect(errors[2]).toBeInstanceOf(OutcomeUnknownError);
    expect(errors[3]).toBeInstanceOf(GiteaNetworkError);
    expect(errors[4]).toBeInstanceOf(GiteaNetworkError);
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    expect(server.seen[1]!.url).toContain(TOKEN);

    const exposed = [
      ...errors.flatMap((e) => [
        String(e),
        JSON.stringify(e),
        inspect(e, { depth: 10 }),
        (e as Error).stack ?? '',
      ]),
      JSON.stringify(client.stats()),
      JSON.stringify(client),
      inspect(client, { depth: 6, showHidden: true }),
      inspect(client.api, { depth: 3 }),
      ...lines,
    ].join('\n');
    expect(exposed).toContain('/api/v1/repos/o/r');
    expect(exposed).toContain('REDACTED');
    expect(exposed).not.toContain(TOKEN);
    expect(lines.length).toBeGreaterThanOrEqual(4);
  });
});
