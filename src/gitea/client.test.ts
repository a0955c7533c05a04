import { afterEach, describe, expect, it } from 'vitest';
import { GiteaClient } from './client.ts';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GiteaHttpError,
  InvalidResponseError,
  isStatus,
  MethodNotAllowedError,
  NotFoundError,
  ServerError,
  UnauthorizedError,
  UnprocessableError,
} from './errors.ts';
import { type Handler, sendJson, startTestServer, type TestServer } from './test-server.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(handler: Handler, options: { token?: string; concurrency?: number; sub?: string } = {}) {
  server = await startTestServer(handler);
  const client = new GiteaClient({
    baseUrl: `${server.url}${options.sub ?? ''}`,
    token: options.token,
    concurrency: options.concurrency,
    sleep: async () => {},
  });
  return { server, client };
}

describe('constructor', () => {
  it.each([
    [{ concurrency: 0 }, /"concurrency"/],
    [{ retries: -1 }, /"retries"/],
    [{ timeoutMs: 1.5 }, /"timeoutMs"/],
  ])('rejects %j', (options, message) => {
    expect(() => new GiteaClient({ baseUrl: 'http://127.0.0.1:1', ...options })).toThrow(message);
  });
});

describe('request', () => {
  it('sends auth, user agent, encoded path, query and JSON body', async () => {
    const { server, client } = await setup((_r, res) => sendJson(res, 201, { id: 1 }), {
      token: 't0k',
      sub: '/gitea/',
    });
    const res = await client.request<{ id: number }>('POST', '/repos/{owner}/{repo}/contents/{filepath}', {
      path: { owner: 'o', repo: 'r', filepath: 'rfcs/a b.md' },
      query: { ref: 'edit/x', labels: ['a', 'b'], skip: undefined, flag: true },
      body: { message: 'hi' },
    });
    expect(res).toMatchObject({ status: 201, data: { id: 1 } });
    const seen = server.seen[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe(
      '/gitea/api/v1/repos/o/r/contents/rfcs/a%20b.md?ref=edit%2Fx&labels=a&labels=b&flag=true',
    );
    expect(seen.headers.authorization).toBe('token t0k');
    expect(seen.headers['user-agent']).toBe('rfc-actions');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen.body)).toEqual({ message: 'hi' });
    expect(client.baseUrl).toBe(`${server.url}/gitea`);
    expect(client.apiUrl).toBe(`${server.url}/gitea/api/v1`);
  });

  it('sends no Authorization header without a token', async () => {
    const { server, client } = await setup((_r, res) => sendJson(res, 200, []));
    await client.request('GET', '/user/repos');
    expect(server.seen[0]!.headers.authorization).toBeUndefined();
  });

  it('returns undefined data for 204, text for accept text, bytes for accept bytes', async () => {
    const { client } = await setup((r, res) => {
      if (r.url.endsWith('/merge')) {
        res.writeHead(204).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('diff --git a/x b/x\n');
      }
    });
    const merged = await client.request('GET', '/repos/{owner}/{repo}/pulls/{index}/merge', {
      path: { owner: 'o', repo: 'r', index: 1 },
    });
    expect(merged).toMatchObject({ status: 204, data: undefined });
    const path = { owner: 'o', repo: 'r', index: 1, diffType: 'diff' };
    const diff = await client.request<string>('GET', '/repos/{owner}/{repo}/pulls/{index}.{diffType}', {
      path,
      accept: 'text',
    });
    expect(diff.data).toBe('diff --git a/x b/x\n');
    const bytes = await client.request<Uint8Array>('GET', '/repos/{owner}/{repo}/pulls/{index}.{diffType}', {
      path,
      accept: 'bytes',
    });
    expect(new TextDecoder().decode(bytes.data)).toBe('diff --git a/x b/x\n');
  });

  it('raises InvalidResponseError for a 2xx body that is not JSON', async () => {
    const { client } = await setup((_r, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
    );
    const err = await client.request('GET', '/version').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err).toMatchObject({ status: 200, body: '<html>' });
  });
});

describe('typed errors', () => {
  it.each([
    [400, BadRequestError],
    [401, UnauthorizedError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [405, MethodNotAllowedError],
    [409, ConflictError],
    [422, UnprocessableError],
    [500, ServerError],
    [418, GiteaHttpError],
  ])('%i -> %o', async (status, cls) => {
    const { server, client } = await setup((_r, res) =>
      sendJson(res, status, { message: `status ${status}`, url: 'https://gitea.io/api/swagger' }),
    );
    const err = await client
      .request('POST', '/repos/{owner}/{repo}/pulls/{index}/merge', {
        path: { owner: 'o', repo: 'r', index: 3 },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(GiteaHttpError);
    expect(err).toMatchObject({
      method: 'POST',
      route: '/repos/{owner}/{repo}/pulls/{index}/merge',
      url: '/api/v1/repos/o/r/pulls/3/merge',
      status,
      body: { message: `status ${status}`, url: 'https://gitea.io/api/swagger' },
    });
    expect((err as Error).message).toContain(`"status ${status}"`);
    expect(isStatus(err, status)).toBe(true);
    expect(isStatus(err, 999)).toBe(false);
    expect(server.seen).toHaveLength(1);
  });

  it('keeps a non-JSON error body as truncated text', async () => {
    const { client } = await setup((_r, res) => res.writeHead(404).end('x'.repeat(2000)));
    const err = (await client.request('GET', '/user').catch((e: unknown) => e)) as NotFoundError;
    expect(typeof err.body).toBe('string');
    expect((err.body as string).length).toBeLessThanOrEqual(501);
  });

  it('isStatus is false for other errors', () => {
    expect(isStatus(new Error('x'), 404)).toBe(false);
    expect(isStatus(undefined, 404)).toBe(false);
  });
});

describe('paginate', () => {
  function listServer(count: number, opts: { max?: number; totalHeader?: boolean } = {}): Handler {
    return (r, res) => {
      const u = new URL(r.url, 'http://x');
      const page = Number(u.searchParams.get('page'));
      const limit = Math.min(Number(u.searchParams.get('limit')), opts.max ?? 50);
      const items = Array.from({ length: count }, (_, i) => ({ id: i + 1 })).slice(
        (page - 1) * limit,
        page * limit,
      );
      sendJson(res, 200, items, opts.totalHeader ? { 'x-total-count': String(count) } : {});
    };
  }
  const pages = (s: TestServer) => s.seen.map((r) => new URL(r.url, 'http://x').searchParams.get('page'));

  it.each([
    [0, ['1']],
    [1, ['1']],
    [49, ['1']],
    [50, ['1', '2']],
    [51, ['1', '2']],
    [100, ['1', '2', '3']],
    [120, ['1', '2', '3']],
  ])('%i items without X-Total-Count -> pages %j', async (count, expected) => {
    const { server, client } = await setup(listServer(count));
    const items = await client.paginate<{ id: number }>('/orgs/{org}/repos', { path: { org: 'acme' } });
    expect(items.map((i) => i.id)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(pages(server)).toEqual(expected);
    expect(server.seen.every((r) => r.url.includes('limit=50'))).toBe(true);
  });

  it('keeps caller query and overrides limit', async () => {
    const { server, client } = await setup(listServer(3));
    await client.paginate('/repos/{owner}/{repo}/pulls', {
      path: { owner: 'o', repo: 'r' },
      query: { state: 'all', limit: 7 },
    });
    expect(server.seen[0]!.url).toBe('/api/v1/repos/o/r/pulls?state=all&limit=50&page=1');
  });

  it('detects a server that clamps limit below 50 from X-Total-Count', async () => {
    const { server, client } = await setup(listServer(45, { max: 20, totalHeader: true }));
    const items = await client.paginate('/orgs/{org}/repos', { path: { org: 'acme' } });
    expect(items).toHaveLength(45);
    expect(pages(server)).toEqual(['1', '2', '3']);
  });

  it('stops at a short first page when X-Total-Count is absent (documented limitation)', async () => {
    const { server, client } = await setup(listServer(45, { max: 20 }));
    const items = await client.paginate('/orgs/{org}/repos', { path: { org: 'acme' } });
    expect(items).toHaveLength(20);
    expect(pages(server)).toEqual(['1']);
  });

  it('does not stop early on X-Total-Count alone', async () => {
    const { server, client } = await setup(listServer(50, { totalHeader: true }));
    await client.paginate('/orgs/{org}/repos', { path: { org: 'acme' } });
    expect(pages(server)).toEqual(['1', '2']);
  });

  it.each([
    [50, ['1']],
    [100, ['1', '2']],
    [101, ['1', '2', '3']],
    [0, ['1']],
  ])('with stopAtTotal, %i items and X-Total-Count -> pages %j', async (count, expected) => {
    const { server, client } = await setup(listServer(count, { totalHeader: true }));
    const items = await client.paginate('/orgs/{org}/repos', { path: { org: 'acme' }, stopAtTotal: true });
    expect(items).toHaveLength(count);
    expect(pages(server)).toEqual(expected);
  });

  it('with stopAtTotal but no X-Total-Count, reads until the empty page', async () => {
    const { server, client } = await setup(listServer(50));
    await client.paginate('/orgs/{org}/repos', { path: { org: 'acme' }, stopAtTotal: true });
    expect(pages(server)).toEqual(['1', '2']);
  });

  it('picks items from wrapped pages and iterates lazily', async () => {
    const { server, client } = await setup((r, res) => {
      const page = Number(new URL(r.url, 'http://x').searchParams.get('page'));
      sendJson(res, 200, { ok: true, data: page === 1 ? [{ id: 1 }, { id: 2 }] : [] });
    });
    const seen: number[] = [];
    for await (const repo of client.paginateIter<{ id: number }>('/repos/search', {
      limit: 2,
      items: (b) => (b as { data: { id: number }[] }).data,
    })) {
      seen.push(repo.id);
    }
    expect(seen).toEqual([1, 2]);
    expect(pages(server)).toEqual(['1', '2']);
  });

  it('treats a null page as empty', async () => {
    const { server, client } = await setup((_r, res) => sendJson(res, 200, null));
    expect(await client.paginate('/repos/{owner}/{repo}/pulls', { path: { owner: 'o', repo: 'r' } })).toEqual(
      [],
    );
    expect(server.seen).toHaveLength(1);
  });

  it('raises InvalidResponseError for a page that is not an array', async () => {
    const { client } = await setup((_r, res) => sendJson(res, 200, { ok: true }));
    await expect(client.paginate('/repos/search')).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('stops after maxPages', async () => {
    const { client } = await setup((_r, res) => sendJson(res, 200, [{ id: 1 }]));
    await expect(client.paginate('/user/repos', { limit: 1, maxPages: 3 })).rejects.toThrow(/past 3 pages/);
  });

  // Gitea's issueGetComments takes no page or limit: every page is the whole list. (Exactly 50 such
  // items would look like a full page; the gate reads that route with one request instead.)
  it.each([
    [3, ['1']],
    [51, ['1']],
    [120, ['1']],
  ])('reads a route that is not paged once: %i items -> pages %j, no duplicates', async (count, expected) => {
    const all = Array.from({ length: count }, (_, i) => ({ id: i + 1 }));
    const { server, client } = await setup((_r, res) => sendJson(res, 200, all));
    const items = await client.paginate<{ id: number }>('/repos/{owner}/{repo}/issues/{index}/comments', {
      path: { owner: 'o', repo: 'r', index: 1 },
    });
    expect(items).toEqual(all);
    expect(pages(server)).toEqual(expected);
  });
});

describe('concurrency', () => {
  it('never has more than `concurrency` requests in flight', async () => {
    const { server, client } = await setup(
      (_r, res) => {
        setTimeout(() => sendJson(res, 200, {}), 20);
      },
      { concurrency: 2 },
    );
    await Promise.all(Array.from({ length: 8 }, () => client.request('GET', '/version')));
    expect(server.seen).toHaveLength(8);
    expect(server.maxInFlight()).toBe(2);
  });
});
