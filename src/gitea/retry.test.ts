import { afterEach, describe, expect, it } from 'vitest';
import { GiteaClient, type GiteaClientOptions } from './client.ts';
import {
  GiteaNetworkError,
  GiteaTimeoutError,
  OutcomeUnknownError,
  RateLimitedError,
  ServerError,
} from './errors.ts';
import { type Handler, sendJson, startTestServer, type TestServer } from './test-server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(handler: Handler, options: Partial<GiteaClientOptions> = {}) {
  const server = await startTestServer(handler);
  servers.push(server);
  const delays: number[] = [];
  const client = new GiteaClient({
    baseUrl: server.url,
    token: 'tok',
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  return { server, client, delays };
}

/** Fails the first `failures.length` requests with those statuses/headers, then answers 200 `{ ok: true }`. */
function failThen(failures: { status: number; headers?: Record<string, string> }[]): Handler {
  return (_r, res, n) => {
    const f = failures[n];
    if (f) sendJson(res, f.status, { message: `fail ${f.status}` }, f.headers);
    else sendJson(res, 200, { ok: true });
  };
}

async function freePort(): Promise<number> {
  const s = await startTestServer(() => {});
  await s.close();
  return s.port;
}

describe('retry on 429', () => {
  it.each(['GET', 'POST'] as const)('%s honours Retry-After in seconds', async (method) => {
    const { server, client, delays } = await setup(
      failThen([{ status: 429, headers: { 'retry-after': '2' } }]),
    );
    const res = await client.request(method, '/repos/{owner}/{repo}/issues', {
      path: { owner: 'o', repo: 'r' },
    });
    expect(res.data).toEqual({ ok: true });
    expect(delays).toEqual([2000]);
    expect(server.seen.map((r) => r.method)).toEqual([method, method]);
    expect(client.stats()).toMatchObject({ total: 2, retries: 1 });
  });

  it('honours Retry-After as an HTTP-date', async () => {
    const now = Date.parse('Sun, 22 Nov 2026 06:00:00 GMT');
    const { client, delays } = await setup(
      failThen([{ status: 429, headers: { 'retry-after': 'Sun, 22 Nov 2026 06:00:07 GMT' } }]),
      { now: () => now },
    );
    await client.request('GET', '/version');
    expect(delays).toEqual([7000]);
  });

  it('caps Retry-After at 60 s and treats a past date as 0', async () => {
    const now = Date.parse('Sun, 22 Nov 2026 06:00:00 GMT');
    const { client, delays } = await setup(
      failThen([
        { status: 429, headers: { 'retry-after': '3600' } },
        { status: 429, headers: { 'retry-after': 'Sun, 22 Nov 2026 05:00:00 GMT' } },
      ]),
      { now: () => now },
    );
    await client.request('GET', '/version');
    expect(delays).toEqual([60_000, 0]);
  });

  it('raises RateLimitedError when retries run out', async () => {
    const { server, client } = await setup((_r, res) => sendJson(res, 429, { message: 'slow down' }), {
      retries: 2,
    });
    const err = await client
      .request('POST', '/repos/{owner}/{repo}/issues', { path: { owner: 'o', repo: 'r' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(server.seen).toHaveLength(3);
  });
});

describe('retry on gateway errors', () => {
  it('retries a GET on 502/503/504 with full-jitter exponential backoff', async () => {
    const { server, client, delays } = await setup(
      failThen([{ status: 502 }, { status: 503 }, { status: 504 }]),
    );
    const res = await client.request('GET', '/version');
    expect(res.status).toBe(200);
    expect(server.seen).toHaveLength(4);
    // random() = 0.5 of min(10 s, 250 ms * 2^n)
    expect(delays).toEqual([125, 250, 500]);
    expect(client.stats()).toMatchObject({ total: 4, retries: 3, byRoute: { 'GET /version': 4 } });
  });

  it('caps the backoff ceiling at 10 s', async () => {
    const { client, delays } = await setup((_r, res) => sendJson(res, 503, {}), {
      retries: 8,
      random: () => 0.999,
    });
    await expect(client.request('GET', '/version')).rejects.toBeInstanceOf(ServerError);
    expect(delays.map((d) => Math.round(d / 10) * 10)).toEqual([
      250, 500, 1000, 2000, 4000, 7990, 9990, 9990,
    ]);
  });

  it('raises the last ServerError after the retries', async () => {
    const { server, client } = await setup((_r, res) => sendJson(res, 503, {}), { retries: 2 });
    const err = await client.request('GET', '/version').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ status: 503 });
    expect(server.seen).toHaveLength(3);
  });

  it.each([
    ['POST', 502],
    ['PATCH', 503],
    ['PUT', 504],
    ['DELETE', 502],
  ] as const)('does not retry %s on %i: OutcomeUnknownError', async (method, status) => {
    const { server, client, delays } = await setup(failThen([{ status }]));
    const err = await client
      .request(method, '/repos/{owner}/{repo}/issues/{index}', { path: { owner: 'o', repo: 'r', index: 1 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ method, route: '/repos/{owner}/{repo}/issues/{index}', status });
    expect((err as OutcomeUnknownError).cause).toBeInstanceOf(ServerError);
    expect(server.seen.map((r) => r.method)).toEqual([method]);
    expect(delays).toEqual([]);
  });

  it('retries a write marked idempotent', async () => {
    const { server, client } = await setup(failThen([{ status: 503 }]));
    const res = await client.request('PATCH', '/repos/{owner}/{repo}/issues/{index}', {
      path: { owner: 'o', repo: 'r', index: 1 },
      body: { state: 'closed' },
      idempotent: true,
    });
    expect(res.status).toBe(200);
    expect(server.seen.map((r) => r.body)).toEqual(['{"state":"closed"}', '{"state":"closed"}']);
  });

  it('does not retry a plain 500', async () => {
    const { server, client } = await setup(failThen([{ status: 500 }]));
    await expect(client.request('GET', '/version')).rejects.toBeInstanceOf(ServerError);
    expect(server.seen).toHaveLength(1);
  });
});

describe('timeouts', () => {
  const hangFirst: Handler = (_r, res, n) => {
    if (n > 0) sendJson(res, 200, { ok: true });
  };

  it('retries a GET that timed out', async () => {
    // Generous enough that the second, answered attempt never times out on a loaded machine.
    const { server, client, delays } = await setup(hangFirst, { timeoutMs: 500 });
    const res = await client.request('GET', '/version');
    expect(res.data).toEqual({ ok: true });
    expect(server.seen).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it('raises OutcomeUnknownError for a POST that timed out, without retrying', async () => {
    const { server, client } = await setup(hangFirst, { timeoutMs: 150 });
    const err = await client
      .request('POST', '/repos/{owner}/{repo}/issues', {
        path: { owner: 'o', repo: 'r' },
        body: { title: 't' },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect((err as OutcomeUnknownError).cause).toBeInstanceOf(GiteaTimeoutError);
    expect(err).toMatchObject({ method: 'POST', route: '/repos/{owner}/{repo}/issues' });
    expect(server.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('raises GiteaTimeoutError for a GET once retries run out', async () => {
    const { server, client } = await setup(() => {}, { timeoutMs: 100, retries: 1 });
    await expect(client.request('GET', '/version')).rejects.toBeInstanceOf(GiteaTimeoutError);
    expect(server.seen).toHaveLength(2);
  });
});

describe('network errors', () => {
  const resetFirst: Handler = (_r, res, n) => {
    if (n === 0) res.socket?.destroy();
    else sendJson(res, 200, { ok: true });
  };

  it('retries a GET whose connection was reset after sending', async () => {
    const { server, client } = await setup(resetFirst);
    expect((await client.request('GET', '/version')).data).toEqual({ ok: true });
    expect(server.seen).toHaveLength(2);
  });

  it('raises OutcomeUnknownError for a POST whose connection was reset after sending', async () => {
    const { server, client } = await setup(resetFirst);
    const err = await client
      .request('POST', '/repos/{owner}/{repo}/pulls', { path: { owner: 'o', repo: 'r' }, body: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect((err as OutcomeUnknownError).cause).toBeInstanceOf(GiteaNetworkError);
    expect(server.seen).toHaveLength(1);
  });

  it.each(['GET', 'POST'] as const)(
    'retries %s on connection refused, then raises GiteaNetworkError',
    async (method) => {
      const port = await freePort();
      const delays: number[] = [];
      const client = new GiteaClient({
        baseUrl: `http://127.0.0.1:${port}`,
        retries: 2,
        random: () => 0,
        sleep: async (ms) => {
          delays.push(ms);
        },
      });
      const err = await client
        .request(method, '/user/repos', { body: method === 'POST' ? {} : undefined })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GiteaNetworkError);
      expect(err).toMatchObject({ code: 'ECONNREFUSED', method, route: '/user/repos' });
      expect(client.stats()).toMatchObject({ total: 3, retries: 2 });
      expect(delays).toHaveLength(2);
    },
  );

  it('succeeds when the server comes up during the backoff', async () => {
    const port = await freePort();
    const client = new GiteaClient({
      baseUrl: `http://127.0.0.1:${port}`,
      sleep: async () => {
        if (servers.length === 0)
          servers.push(await startTestServer((_r, res) => sendJson(res, 201, { id: 9 }), port));
      },
    });
    const res = await client.request('POST', '/user/repos', { body: { name: 'x' } });
    expect(res).toMatchObject({ status: 201, data: { id: 9 } });
    expect(servers[0]!.seen).toHaveLength(1);
  });

  it('stops retrying when the caller aborts', async () => {
    const controller = new AbortController();
    const { server, client } = await setup((_r, res) => sendJson(res, 503, {}), {
      sleep: async () => {
        controller.abort(new Error('cancelled by caller'));
      },
    });
    await expect(client.request('GET', '/version', { signal: controller.signal })).rejects.toThrow(
      'cancelled by caller',
    );
    expect(server.seen).toHaveLength(1);
  });
});
