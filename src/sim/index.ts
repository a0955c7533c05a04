/** `startSimulator(options)`: a Gitea-compatible server on real git repositories. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoSeconds, SimClock } from './clock.ts';
import { EventRecorder, type RecordedEvent } from './events.ts';
import { type FaultRule, Faults } from './faults.ts';
import { GitRepos } from './git.ts';
import { createGitHttpHandler } from './githttp.ts';
import { queueRefsUpdated } from './push-events.ts';
import { Router } from './router.ts';
import { registerCoreRoutes } from './routes/index.ts';
import { type Scenario, seedEmpty, seedScenario } from './seed.ts';
import { type Handler, type RequestLogEntry, type SimCore, SimServer } from './server.ts';
import { type Permission, Store, type Store as StoreType } from './store.ts';

export type { FaultRule } from './faults.ts';
export type { Ctx, Handler, Reply, SimCore } from './server.ts';

export interface SimulatorOptions {
  /** Where the store, git repositories and events live; when absent, a fresh temp dir that `close()` removes. */
  dataDir?: string;
  port?: number;
  host?: string;
  /** `empty`: org `rfcs` with an empty meta repo; `example`: `examples/scenario.json`; default `none`. */
  seed?: 'example' | 'empty' | 'none';
  /** A scenario object to seed instead of `examples/scenario.json` (with `seed: 'example'`). */
  scenario?: Scenario;
  /** Latency added to every request. */
  latencyMs?: number;
}

/** A running simulator. */
export interface SimHandle {
  url: string;
  /** A site admin's token. */
  token: string;
  org: string;
  /** `owner/name` of the meta repo ('' without a seed). */
  metaRepo: string;
  dataDir: string;
  /** Tokens of the seeded scenario's users and bot (login → token), kept across restarts. */
  seedTokens: Record<string, string>;
  /** Seed steps that could not run, with the reason. */
  seedSkipped: string[];
  createUser(
    login: string,
    opts?: { fullName?: string; admin?: boolean; email?: string },
  ): Promise<{ login: string; token: string }>;
  createToken(login: string, opts?: { readOnly?: boolean }): Promise<string>;
  setCollaborator(repo: string, login: string, permission: Exclude<Permission, 'none'>): Promise<void>;
  faults: { add(rule: FaultRule): () => void; clear(): void };
  events: { list(): RecordedEvent[]; clear(): void };
  requests(): RequestLogEntry[];
  /** The internals, for tests and route modules. */
  core: SimCore;
  close(): Promise<void>;
}

export const ADMIN_LOGIN = 'gitea-admin';
const ADMIN_CREATED_AT = '2025-01-01T00:00:00Z';

/** Scopes of a read-only token: read access to every category. */
export const READ_ONLY_SCOPES = [
  'read:activitypub',
  'read:admin',
  'read:issue',
  'read:misc',
  'read:notification',
  'read:organization',
  'read:package',
  'read:repository',
  'read:user',
];

/** Creates a user directly in the store (no HTTP). */
export function addUser(
  store: StoreType,
  clock: SimClock,
  login: string,
  opts: { fullName?: string; admin?: boolean; email?: string; password?: string },
): void {
  if (store.userByLogin(login) || store.orgByName(login)) {
    throw new Error(`user "${login}" already exists; pick another login`);
  }
  store.users.put(login.toLowerCase(), {
    id: store.nextSeq('user'),
    login,
    fullName: opts.fullName ?? '',
    email: opts.email ?? `${login.toLowerCase()}@example.org`,
    password: opts.password ?? '',
    isAdmin: opts.admin ?? false,
    createdAt: isoSeconds(clock.now()),
  });
}

/** Issues a token for a user directly in the store. */
export function addToken(
  store: StoreType,
  login: string,
  opts: { name?: string; scopes?: string[] } = {},
): string {
  const user = store.userByLogin(login);
  if (!user) throw new Error(`no user "${login}"; create it first`);
  const sha1 = randomBytes(20).toString('hex');
  const id = store.nextSeq('token');
  store.tokens.put(sha1, {
    id,
    name: opts.name ?? `token-${id}`,
    sha1,
    login: user.login,
    scopes: opts.scopes ?? ['all'],
  });
  return sha1;
}

/** Starts a simulator; resolves once it listens (and is seeded). */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<SimHandle> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'rfc-sim-'));
  const store = new Store(dataDir);
  const clock = new SimClock();
  const git = new GitRepos(join(dataDir, 'git'));
  const events = new EventRecorder(dataDir);
  const faults = new Faults();
  const router = new Router<Handler>();
  const core: SimCore = {
    store,
    git,
    events,
    clock,
    faults,
    router,
    baseUrl: '',
    latencyMs: opts.latencyMs ?? 0,
    refsUpdated: (repo, updates, pusher) => queueRefsUpdated(core, repo, updates, pusher),
  };
  registerCoreRoutes(core);
  await registerOptionalRoutes(core);

  let adminToken = store.getMeta('adminToken');
  if (!adminToken) {
    if (!store.userByLogin(ADMIN_LOGIN)) {
      // A fixed creation time keeps seeded payloads (which embed the admin as sender) identical across runs.
      const bootClock = new SimClock();
      bootClock.useFixed(ADMIN_CREATED_AT);
      addUser(store, bootClock, ADMIN_LOGIN, {
        fullName: 'Site Admin',
        admin: true,
        password: randomBytes(12).toString('hex'),
      });
    }
    adminToken = addToken(store, ADMIN_LOGIN, { name: 'sim-admin' });
    store.setMeta('adminToken', adminToken);
  }

  const server = new SimServer(core, createGitHttpHandler(core));
  let port: number;
  try {
    port = await server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  } catch (e) {
    git.close();
    store.close();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`the simulator cannot listen on port ${opts.port ?? 0}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  core.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const handle: SimHandle = {
    url: core.baseUrl,
    token: adminToken,
    org: store.getMeta('org') ?? '',
    metaRepo: store.getMeta('metaRepo') ?? '',
    dataDir,
    seedTokens: JSON.parse(store.getMeta('seedTokens') ?? '{}') as Record<string, string>,
    seedSkipped: [],
    async createUser(login, o = {}) {
      addUser(store, clock, login, o);
      return { login, token: addToken(store, login) };
    },
    async createToken(login, o = {}) {
      return addToken(store, login, o.readOnly ? { scopes: READ_ONLY_SCOPES } : {});
    },
    async setCollaborator(repo, login, permission) {
      const [owner, name] = repo.includes('/') ? repo.split('/') : [handle.org, repo];
      const r = store.repoByName(owner!, name!);
      if (!r) throw new Error(`no repository "${repo}"; create it first`);
      if (!store.userByLogin(login)) throw new Error(`no user "${login}"; create it first`);
      store.setCollaborator(r.id, login, permission);
    },
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    events: { list: () => events.list(), clear: () => events.clear() },
    requests: () => [...server.log],
    core,
    async close() {
      await server.close();
      git.close();
      store.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };

  const seed = opts.seed ?? 'none';
  if (seed !== 'none' && !store.getMeta('seeded')) {
    try {
      const result = seed === 'empty' ? await seedEmpty(handle) : await seedScenario(handle, opts.scenario);
      store.setMeta('org', result.org);
      store.setMeta('metaRepo', result.metaRepo);
      store.setMeta('seedTokens', JSON.stringify(result.tokens));
      store.setMeta('seeded', seed);
      handle.org = result.org;
      handle.metaRepo = result.metaRepo;
      handle.seedTokens = result.tokens;
      handle.seedSkipped = result.skipped;
    } catch (e) {
      await handle.close();
      throw new Error(`seeding the simulator with "${seed}" failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return handle;
}

/**
 * Route modules registered when present: `routes/<name>.ts` exporting `register(core)`.
 * They may land after the core, so a missing file is skipped.
 */
const OPTIONAL_ROUTE_MODULES = ['pulls', 'issues', 'search'];

async function registerOptionalRoutes(core: SimCore): Promise<void> {
  for (const name of OPTIONAL_ROUTE_MODULES) {
    const url = new URL(`./routes/${name}.ts`, import.meta.url);
    if (!existsSync(url)) continue;
    const mod = (await import(url.href)) as { register?: (core: SimCore) => void | Promise<void> };
    if (typeof mod.register !== 'function') {
      throw new Error(`"src/sim/routes/${name}.ts" must export "register(core: SimCore)"`);
    }
    await mod.register(core);
  }
}
