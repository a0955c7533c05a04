/** Shared helpers for the simulator's integration tests: a started simulator, fetch, git. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type SimHandle, type SimulatorOptions, startSimulator } from '../../src/sim/index.ts';

const execFileP = promisify(execFile);

/** A temp dir removed by `cleanup()`. */
export function tempDir(prefix = 'sim-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Starts a simulator in a fresh data dir; `stop()` closes it and removes the dir. */
export async function withSim(
  opts: SimulatorOptions = {},
): Promise<{ sim: SimHandle; stop: () => Promise<void> }> {
  const dir = opts.dataDir ? null : tempDir();
  const sim = await startSimulator({ ...opts, dataDir: opts.dataDir ?? dir!.path });
  return {
    sim,
    stop: async () => {
      await sim.close();
      dir?.cleanup();
    },
  };
}

export interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests
  body: any;
}

/** Calls the API with a token (or none) and parses JSON. */
export async function call(
  sim: SimHandle,
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; signal?: AbortSignal } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? sim.token : opts.token;
  if (token) headers.authorization = `token ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}/api/v1${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // raw bodies stay text
  }
  return { status: res.status, headers: res.headers, body };
}

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Runs git with no host configuration and a fixed identity. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileP(
    'git',
    ['-c', 'user.name=Tester', '-c', 'user.email=tester@example.org', ...args],
    {
      cwd,
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
      },
    },
  );
  return stdout;
}

/** The clone URL with credentials for a token. */
export function authedUrl(sim: SimHandle, repo: string, token: string, user = 'x-access-token'): string {
  const u = new URL(`${sim.url}/${repo}.git`);
  u.username = user;
  u.password = token;
  return u.href;
}

/** Creates an org with one auto-initialised repo through the API. */
export async function orgWithRepo(sim: SimHandle, org: string, repo: string): Promise<void> {
  expectStatus(await call(sim, 'POST', '/orgs', { body: { username: org } }), 201);
  expectStatus(
    await call(sim, 'POST', `/orgs/${org}/repos`, {
      body: { name: repo, auto_init: true, default_branch: 'main' },
    }),
    201,
  );
}

export function expectStatus(r: CallResult, status: number): CallResult {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r;
}
