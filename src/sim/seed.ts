/**
 * Seeds a simulator through its own HTTP API with a deterministic clock, so every run of the same
 * scenario gives the same commit shas and timestamps. Format: examples/README.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimHandle } from './index.ts';

export interface ScenarioUser {
  login: string;
  fullName?: string;
  email?: string;
}

export type ScenarioStep =
  | {
      op: 'commit';
      repo: string;
      branch: string;
      from?: string;
      author: string;
      message: string;
      files?: Record<string, string>;
      delete?: string[];
    }
  | { op: 'pull'; repo: string; head: string; base: string; title: string; body?: string; author: string }
  | { op: 'merge'; repo: string; number: number; by: string; style?: 'merge' | 'squash' }
  | { op: 'close'; repo: string; number: number; by: string }
  | { op: 'issue'; repo: string; title: string; body?: string; author: string }
  | { op: 'comment'; repo: string; number: number; author: string; body: string }
  | { op: 'deleteBranch'; repo: string; branch: string; by?: string };

export interface Scenario {
  org: string;
  metaRepo: string;
  bot?: string;
  /** Time of the first seeded write (default 2025-01-06T09:00:00Z); each write moves the clock on. */
  start?: string;
  users?: ScenarioUser[];
  collaborators?: { repo: string; login: string; permission: 'read' | 'write' | 'admin' }[];
  /** `dir` is relative to `baseDir` (examples/ by default); `files` gives the tree inline. */
  repos: { name: string; description?: string; dir?: string; files?: Record<string, string> }[];
  steps?: ScenarioStep[];
  /** Where `dir` paths resolve; defaults to the directory of the scenario file. */
  baseDir?: string;
}

export interface SeedResult {
  org: string;
  metaRepo: string;
  /** login → token for the scenario's users and bot. */
  tokens: Record<string, string>;
  /** Steps that could not run (for example routes this simulator does not serve yet). */
  skipped: string[];
}

const DEFAULT_START = '2025-01-06T09:00:00Z';
const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

class SeedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeedError';
  }
}

/** A tiny API client over fetch for the seed. */
function client(sim: SimHandle) {
  return async (method: string, path: string, token: string | null, body?: unknown): Promise<unknown> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `token ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${sim.url}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new SeedError(`${method} ${path} answered ${res.status}: ${text.trim()}`);
    return text ? JSON.parse(text) : undefined;
  };
}

function filesOfDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p).split('\\').join('/')] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** `--seed empty`: org `rfcs` and a meta repo `meta` with an initial commit on `main`. */
export async function seedEmpty(sim: SimHandle): Promise<SeedResult> {
  const clock = sim.core.clock;
  clock.useFixed(DEFAULT_START);
  try {
    const api = client(sim);
    await api('POST', '/orgs', sim.token, { username: 'rfcs', full_name: 'RFCs', visibility: 'public' });
    await api('POST', '/orgs/rfcs/repos', sim.token, {
      name: 'meta',
      description: 'RFC process meta repository',
      auto_init: true,
      default_branch: 'main',
    });
    return { org: 'rfcs', metaRepo: 'rfcs/meta', tokens: {}, skipped: [] };
  } finally {
    clock.useReal();
  }
}

/** Reads `examples/scenario.json` (or the file given). */
export function loadScenario(file = join(EXAMPLES_DIR, 'scenario.json')): Scenario {
  if (!existsSync(file))
    throw new SeedError(`no scenario at "${file}"; write it (format: examples/README.md)`);
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Scenario;
    return { ...s, baseDir: s.baseDir ? resolve(file, '..', s.baseDir) : resolve(file, '..') };
  } catch (e) {
    throw new SeedError(`"${file}" is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** Applies a scenario (default: examples/scenario.json) through the HTTP API. */
export async function seedScenario(sim: SimHandle, scenario: Scenario = loadScenario()): Promise<SeedResult> {
  const clock = sim.core.clock;
  clock.useFixed(scenario.start ?? DEFAULT_START);
  try {
    return await apply(sim, scenario);
  } finally {
    clock.useReal();
  }
}

async function apply(sim: SimHandle, s: Scenario): Promise<SeedResult> {
  const api = client(sim);
  const { org } = s;
  const tokens: Record<string, string> = {};
  const skipped: string[] = [];
  const logins = [...(s.users ?? [])];
  if (s.bot && !logins.some((u) => u.login === s.bot)) logins.push({ login: s.bot, fullName: s.bot });
  for (const u of logins) {
    const password = randomBytes(12).toString('hex');
    await api('POST', '/admin/users', sim.token, {
      username: u.login,
      email: u.email ?? `${u.login}@example.org`,
      full_name: u.fullName ?? '',
      password,
      must_change_password: false,
    });
    const res = await fetch(`${sim.url}/api/v1/users/${encodeURIComponent(u.login)}/tokens`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${u.login}:${password}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'seed', scopes: ['all'] }),
    });
    if (res.status !== 201)
      throw new SeedError(`creating a token for "${u.login}" answered ${res.status}: ${await res.text()}`);
    tokens[u.login] = ((await res.json()) as { sha1: string }).sha1;
  }
  const tokenOf = (login: string) => {
    const t = tokens[login];
    if (!t) throw new SeedError(`scenario names user "${login}", who is not in "users"; add them there`);
    return t;
  };

  await api('POST', '/orgs', sim.token, { username: org, visibility: 'public' });
  if (s.bot) {
    // The bot sits in the org's Owners team, so it may write to every repo of the org.
    const o = sim.core.store.orgByName(org)!;
    sim.core.store.orgs.put(o.name.toLowerCase(), { ...o, owners: [...o.owners, s.bot] });
  }
  for (const r of s.repos) {
    const files = r.files
      ? Object.fromEntries(Object.entries(r.files).map(([k, v]) => [k, b64(v)]))
      : r.dir
        ? filesOfDir(resolve(s.baseDir ?? EXAMPLES_DIR, r.dir))
        : null;
    await api('POST', `/orgs/${org}/repos`, sim.token, {
      name: r.name,
      description: r.description ?? '',
      auto_init: files === null,
      default_branch: 'main',
    });
    if (files && Object.keys(files).length > 0) {
      await api('POST', `/repos/${org}/${r.name}/contents`, sim.token, {
        branch: 'main',
        message: 'Initial commit',
        files: Object.keys(files)
          .sort()
          .map((path) => ({ operation: 'create', path, content: files[path] })),
      });
    }
  }
  for (const c of s.collaborators ?? []) {
    await api('PUT', `/repos/${org}/${c.repo}/collaborators/${c.login}`, sim.token, {
      permission: c.permission,
    });
  }

  const need = (i: number, method: string, template: string) => {
    if (sim.core.router.match(method, template.replace(/\{[^}]+\}/g, 'x')) === null) {
      throw new MissingRoute(`step ${i + 1}: this simulator has no route ${method} ${template}`);
    }
  };
  for (const [i, step] of (s.steps ?? []).entries()) {
    try {
      await applyStep(sim, api, org, step, i, tokenOf, need);
    } catch (e) {
      if (e instanceof MissingRoute) {
        skipped.push(`${e.message} (op "${step.op}" skipped)`);
        continue;
      }
      throw new SeedError(`step ${i + 1} (op "${step.op}") failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return { org, metaRepo: `${org}/${s.metaRepo}`, tokens, skipped };
}

class MissingRoute extends Error {}

type Api = ReturnType<typeof client>;

async function applyStep(
  sim: SimHandle,
  api: Api,
  org: string,
  step: ScenarioStep,
  i: number,
  tokenOf: (login: string) => string,
  need: (i: number, method: string, template: string) => void,
): Promise<void> {
  const repoPath = `/repos/${org}/${step.repo}`;
  switch (step.op) {
    case 'commit': {
      const token = tokenOf(step.author);
      const branches = await sim.core.git.listRefs(sim.core.git.pathOf(org, step.repo));
      const exists = branches.has(`refs/heads/${step.branch}`);
      const ref = exists ? step.branch : (step.from ?? 'main');
      const files: unknown[] = [];
      const shaOf = async (path: string): Promise<string | null> => {
        const res = await fetch(
          `${sim.url}/api/v1${repoPath}/contents/${path.split('/').map(encodeURIComponent).join('/')}?ref=${encodeURIComponent(ref)}`,
          {
            headers: { authorization: `token ${token}` },
          },
        );
        if (res.status === 404) return null;
        if (!res.ok) throw new SeedError(`reading "${path}" answered ${res.status}`);
        return ((await res.json()) as { sha: string }).sha;
      };
      for (const [path, content] of Object.entries(step.files ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const sha = await shaOf(path);
        files.push(
          sha
            ? { operation: 'update', path, content: b64(content), sha }
            : { operation: 'create', path, content: b64(content) },
        );
      }
      for (const path of [...(step.delete ?? [])].sort()) {
        const sha = await shaOf(path);
        if (!sha) throw new SeedError(`cannot delete "${path}": it is not on "${ref}"`);
        files.push({ operation: 'delete', path, sha });
      }
      await api('POST', `${repoPath}/contents`, token, {
        branch: ref,
        ...(exists ? {} : { new_branch: step.branch }),
        message: step.message,
        files,
      });
      return;
    }
    case 'pull':
      need(i, 'POST', '/repos/{owner}/{repo}/pulls');
      await api('POST', `${repoPath}/pulls`, tokenOf(step.author), {
        head: step.head,
        base: step.base,
        title: step.title,
        body: step.body ?? '',
      });
      return;
    case 'merge':
      need(i, 'POST', '/repos/{owner}/{repo}/pulls/{index}/merge');
      await api('POST', `${repoPath}/pulls/${step.number}/merge`, tokenOf(step.by), {
        Do: step.style ?? 'merge',
      });
      return;
    case 'close':
      need(i, 'PATCH', '/repos/{owner}/{repo}/issues/{index}');
      await api('PATCH', `${repoPath}/issues/${step.number}`, tokenOf(step.by), { state: 'closed' });
      return;
    case 'issue':
      need(i, 'POST', '/repos/{owner}/{repo}/issues');
      await api('POST', `${repoPath}/issues`, tokenOf(step.author), {
        title: step.title,
        body: step.body ?? '',
      });
      return;
    case 'comment':
      need(i, 'POST', '/repos/{owner}/{repo}/issues/{index}/comments');
      await api('POST', `${repoPath}/issues/${step.number}/comments`, tokenOf(step.author), {
        body: step.body,
      });
      return;
    case 'deleteBranch':
      await api(
        'DELETE',
        `${repoPath}/branches/${step.branch.split('/').map(encodeURIComponent).join('/')}`,
        step.by ? tokenOf(step.by) : sim.token,
      );
      return;
    default:
      throw new SeedError(`unknown op "${(step as { op: string }).op}"; see examples/README.md`);
  }
}
