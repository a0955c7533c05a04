/**
 * The HTTP front: a router for `/api/v1` with Gitea's auth, errors and paging, git over HTTP,
 * the `/_sim/` admin endpoints, fault injection and the request log.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { SimClock } from './clock.ts';
import type { EventRecorder } from './events.ts';
import { type Faults, type StoredFault, validateFaultRule } from './faults.ts';
import type { GitRepos } from './git.ts';
import type { Router, ScopeCategory } from './router.ts';
import {
  PERMISSION_RANK,
  type Permission,
  type RepoRecord,
  type Store,
  type TokenRecord,
  type UserRecord,
} from './store.ts';

/** What a handler returns. A `Buffer` or string body is sent as is (default `text/plain`), anything else as JSON. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A Gitea-style API error: the reply is `{ message, url }` (the APIError definition). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Gitea's list options: `page` from 1, `limit` default 30 clamped to 50. */
export interface Paging {
  page: number;
  limit: number;
  skip: number;
}

/** Gitea's `setting.API.DefaultPagingNum` and `MaxResponseItems`. */
export const DEFAULT_PAGE_SIZE = 30;
export const MAX_RESPONSE_ITEMS = 50;

/** The parts of the simulator every handler can use. */
export interface SimCore {
  store: Store;
  git: GitRepos;
  events: EventRecorder;
  clock: SimClock;
  faults: Faults;
  router: Router<Handler>;
  /** `http://127.0.0.1:PORT` once listening. */
  baseUrl: string;
  /** Global latency added to every request. */
  latencyMs: number;
  /**
   * Records push/create/delete events, bumps `updated_at` and runs the `onRefUpdate` listeners
   * for ref changes made by an API write or a push. Calls queue per repository: call it while
   * still holding the repository lock (without awaiting) and await the promise after releasing
   * it, so events follow ref order.
   */
  refsUpdated(repo: RepoRecord, updates: RefChange[], pusher: UserRecord): Promise<void>;
}

export interface RefChange {
  ref: string;
  oldSha: string;
  newSha: string;
}

/** The request context handed to every route handler. */
export interface Ctx {
  method: string;
  /** The matched swagger template, e.g. `/repos/{owner}/{repo}/pulls`. */
  route: string;
  /** The request path without `/api/v1`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when there was none). */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The authenticated user, or null. */
  user: UserRecord | null;
  /** The token used, or null (anonymous or Basic auth with a password). */
  token: TokenRecord | null;
  authMethod: 'none' | 'token' | 'password';
  sim: SimCore;
  store: Store;
  git: GitRepos;
  events: EventRecorder;
  clock: SimClock;
  /** The user, or a 401 like Gitea's `reqToken()`. */
  requireUser(): UserRecord;
  /** The user if a site admin, else 401/403. */
  requireAdmin(): UserRecord;
  /**
   * Loads `owner/repo` and checks the caller's permission: 404 if missing or not readable,
   * 401 if `need` is above read and nobody is signed in, 403 if the permission is too low.
   */
  requireRepo(owner: string, repo: string, need?: Permission): { repo: RepoRecord; permission: Permission };
  /** Reads `page`/`limit` like Gitea's `GetListOptions`. */
  paging(): Paging;
  /** A 200 reply of one page with `X-Total-Count` and `Link` headers (Gitea's `SetLinkHeader`). */
  listReply(items: unknown[], total: number, paging: Paging, pageSizeForLinks?: number): Reply;
  /** Pages an in-memory list and returns the reply. */
  paginate(all: unknown[]): Reply;
  /** Link header value for this request, or null. */
  linkHeader(total: number, pageSize: number, page: number): string | null;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

/** One served request. `status` 0 means no response was sent (timeout fault or dropped response). */
export interface RequestLogEntry {
  method: string;
  route: string;
  status: number;
  /** the request's query string (`?since=...`), when it had one */
  query?: string;
}

interface Auth {
  user: UserRecord | null;
  token: TokenRecord | null;
  method: 'none' | 'token' | 'password';
  invalid: boolean;
}

/** Resolves the credentials of a request the way Gitea does (token header, query, Basic). */
export function authenticate(store: Store, headers: IncomingHttpHeaders, query: URLSearchParams): Auth {
  const none: Auth = { user: null, token: null, method: 'none', invalid: false };
  const bad: Auth = { ...none, invalid: true };
  const byToken = (sha: string): Auth => {
    const t = store.tokens.get(sha);
    if (!t) return bad;
    const u = store.userByLogin(t.login);
    return u ? { user: u, token: t, method: 'token', invalid: false } : bad;
  };
  const h = headers.authorization;
  if (h) {
    const [scheme, ...rest] = h.trim().split(/\s+/);
    const value = rest.join(' ');
    const s = (scheme ?? '').toLowerCase();
    if (s === 'token' || s === 'bearer') return byToken(value);
    if (s === 'basic') {
      let decoded = '';
      try {
        decoded = Buffer.from(value, 'base64').toString('utf8');
      } catch {
        return bad;
      }
      const i = decoded.indexOf(':');
      const login = i < 0 ? decoded : decoded.slice(0, i);
      const secret = i < 0 ? '' : decoded.slice(i + 1);
      // Gitea's basic auth accepts a token as the password (any user name) or as the user name.
      if (store.tokens.has(secret)) return byToken(secret);
      if (store.tokens.has(login) && (secret === '' || secret === 'x-oauth-basic')) return byToken(login);
      const u = store.userByLogin(login);
      if (u && u.password !== '' && u.password === secret)
        return { user: u, token: null, method: 'password', invalid: false };
      return bad;
    }
    return bad;
  }
  const q = query.get('token') ?? query.get('access_token');
  if (q) return byToken(q);
  return none;
}

/**
 * Gitea's `sudo` (query) / `Sudo` (header): a site admin acts as another user
 * (services/auth/sudo.go): 403 for non-admins, 404 for an unknown user.
 */
function sudo(store: Store, auth: Auth, headers: IncomingHttpHeaders, query: URLSearchParams): Auth {
  if (auth.invalid) throw new ApiError(401, 'user does not exist or the token is invalid');
  const header = headers.sudo;
  const as = query.get('sudo') ?? (typeof header === 'string' ? header : null);
  if (!as || !auth.user) return auth;
  if (!auth.user.isAdmin) throw new ApiError(403, 'Only administrators allowed to sudo.');
  const user = store.userByLogin(as);
  if (!user) throw new ApiError(404, `user does not exist [name: ${as}]`);
  return { ...auth, user };
}

/** Whether a token's scopes allow `level` access to `category` (`all` and `write:` imply `read:`). */
export function tokenAllows(
  token: TokenRecord | null,
  category: ScopeCategory,
  level: 'read' | 'write',
): boolean {
  if (!token) return true;
  if (token.scopes.length === 0 || token.scopes.includes('all')) return true;
  if (token.scopes.includes(`write:${category}`)) return true;
  return level === 'read' && token.scopes.includes(`read:${category}`);
}

/** Gitea's `APIError.url` points at the swagger page. */
function errorBody(core: SimCore, message: string): { message: string; url: string } {
  return { message, url: `${core.baseUrl}/api/swagger` };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Git over HTTP is served by a separate module; the server only needs this entry point. */
export type GitHttpHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  owner: string,
  repo: string,
  rest: string,
  auth: Auth,
) => Promise<number>;

/** The HTTP server of a simulator. */
export class SimServer {
  readonly server: Server;
  readonly log: RequestLogEntry[] = [];
  /** each API request's query string, for its log entry */
  private readonly queries = new WeakMap<ServerResponse, string>();
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<Socket>();

  constructor(
    private readonly core: SimCore,
    private readonly gitHttp: GitHttpHandler,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json;charset=utf-8' });
          res.end(JSON.stringify(errorBody(core, (e as Error).message)));
        } else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => {
        this.sockets.delete(s);
        this.held.delete(s);
      });
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Stops listening and destroys every open connection (held ones included). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (url.search) this.queries.set(res, url.search);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;

    if (path.startsWith('/_sim/'))
      return this.admin(req, res, method, path.slice('/_sim'.length), url.searchParams);

    const gitMatch = /^\/([^/]+)\/([^/]+?)\.git(\/.*)?$/.exec(path);
    if (gitMatch && !path.startsWith('/api/')) {
      const fault = this.core.faults.take(method, 'git');
      if (fault && (await this.applyPreFault(fault, req, res, method, 'git'))) return;
      if (this.core.latencyMs > 0) await sleep(this.core.latencyMs);
      const auth = authenticate(this.core.store, req.headers, url.searchParams);
      const status = await this.gitHttp(req, res, gitMatch[1]!, gitMatch[2]!, gitMatch[3] ?? '/', auth);
      this.log.push({ method, route: 'git', status });
      return;
    }

    if (!path.startsWith('/api/v1/') && path !== '/api/v1') {
      return this.send(res, method, path, { status: 404, body: errorBody(this.core, 'Not Found') });
    }
    const apiPath = path.slice('/api/v1'.length) || '/';
    const match = this.core.router.match(method, apiPath);
    const route = match?.template ?? apiPath;

    const fault = this.core.faults.take(method, route);
    if (fault && (await this.applyPreFault(fault, req, res, method, route))) return;
    if (this.core.latencyMs > 0) await sleep(this.core.latencyMs);

    const raw = await readBody(req);
    if (!match) {
      return this.send(res, method, route, { status: 404, body: errorBody(this.core, 'Not Found') });
    }
    let reply: Reply;
    try {
      const auth = sudo(
        this.core.store,
        authenticate(this.core.store, req.headers, url.searchParams),
        req.headers,
        url.searchParams,
      );
      let body: unknown;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch (e) {
          throw new ApiError(422, `the request body is not valid JSON: ${(e as Error).message}`);
        }
      }
      const scope = match.options.scope;
      if (scope && auth.token) {
        const level = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
        if (!tokenAllows(auth.token, scope, level)) {
          throw new ApiError(
            403,
            `token does not have at least one of required scope(s): [${level}:${scope}]`,
          );
        }
      }
      const ctx = this.makeCtx({
        method,
        route,
        path: apiPath,
        params: match.params,
        query: url.searchParams,
        body,
        headers: req.headers,
        auth,
      });
      reply = await match.handler(ctx);
    } catch (e) {
      if (e instanceof ApiError)
        reply = { status: e.status, body: errorBody(this.core, e.message), headers: e.headers };
      else reply = { status: 500, body: errorBody(this.core, (e as Error).message) };
    }
    if (fault?.dropResponse) {
      this.log.push(this.entry(res, method, route, 0));
      req.socket.destroy();
      return;
    }
    return this.send(res, method, route, reply);
  }

  /** Applies the part of a fault that acts before the handler; true when the request is finished. */
  private async applyPreFault(
    fault: StoredFault,
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    route: string,
  ): Promise<boolean> {
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.timeout) {
      const socket = req.socket;
      this.held.add(socket);
      this.log.push(this.entry(res, method, route, 0));
      const holdMs = typeof fault.timeout === 'number' ? fault.timeout : 60_000;
      const timer = setTimeout(() => socket.destroy(), holdMs);
      socket.once('close', () => clearTimeout(timer));
      return true;
    }
    if (fault.status) {
      await readBody(req);
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      this.send(res, method, route, {
        status: fault.status,
        body: errorBody(this.core, `injected fault: ${fault.status}`),
        headers,
      });
      return true;
    }
    return false;
  }

  private entry(res: ServerResponse, method: string, route: string, status: number): RequestLogEntry {
    const query = this.queries.get(res);
    return query ? { method, route, status, query } : { method, route, status };
  }

  private send(res: ServerResponse, method: string, route: string, reply: Reply): void {
    this.log.push(this.entry(res, method, route, reply.status));
    const headers: Record<string, string> = { ...reply.headers };
    let payload: Buffer | string = '';
    if (reply.body instanceof Buffer || typeof reply.body === 'string') {
      payload = reply.body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json;charset=utf-8';
    }
    headers['content-length'] = String(Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(method === 'HEAD' ? undefined : payload);
  }

  private makeCtx(input: {
    method: string;
    route: string;
    path: string;
    params: Record<string, string>;
    query: URLSearchParams;
    body: unknown;
    headers: IncomingHttpHeaders;
    auth: Auth;
  }): Ctx {
    const core = this.core;
    const { auth, query } = input;
    const ctx: Ctx = {
      method: input.method,
      route: input.route,
      path: input.path,
      params: input.params,
      query,
      body: input.body,
      headers: input.headers,
      user: auth.user,
      token: auth.token,
      authMethod: auth.method,
      sim: core,
      store: core.store,
      git: core.git,
      events: core.events,
      clock: core.clock,
      requireUser() {
        if (!auth.user) throw new ApiError(401, 'token is required');
        return auth.user;
      },
      requireAdmin() {
        const u = ctx.requireUser();
        if (!u.isAdmin) throw new ApiError(403, 'you must be a site administrator');
        return u;
      },
      requireRepo(owner, name, need = 'read') {
        const repo = core.store.repoByName(owner, name);
        const permission = repo ? core.store.permission(repo, auth.user) : 'none';
        if (!repo || permission === 'none') throw new ApiError(404, "The target couldn't be found.");
        if (PERMISSION_RANK[need] > PERMISSION_RANK.read && !auth.user)
          throw new ApiError(401, 'token is required');
        if (PERMISSION_RANK[permission] < PERMISSION_RANK[need]) {
          throw new ApiError(
            403,
            `user "${auth.user?.login}" needs ${need} access to "${repo.owner}/${repo.name}"`,
          );
        }
        return { repo, permission };
      },
      paging() {
        const page = Math.max(1, Number.parseInt(query.get('page') ?? '', 10) || 1);
        let limit = Number.parseInt(query.get('limit') ?? '', 10) || 0;
        if (limit <= 0) limit = DEFAULT_PAGE_SIZE;
        if (limit > MAX_RESPONSE_ITEMS) limit = MAX_RESPONSE_ITEMS;
        return { page, limit, skip: (page - 1) * limit };
      },
      linkHeader(total, pageSize, page) {
        return linkHeader(`${core.baseUrl}/api/v1${input.path}`, query, total, pageSize, page);
      },
      listReply(items, total, paging, pageSizeForLinks) {
        const headers: Record<string, string> = { 'x-total-count': String(total) };
        const link = ctx.linkHeader(total, pageSizeForLinks ?? paging.limit, paging.page);
        if (link) headers.link = link;
        return { status: 200, body: items, headers };
      },
      paginate(all) {
        const p = ctx.paging();
        return ctx.listReply(all.slice(p.skip, p.skip + p.limit), all.length, p);
      },
    };
    return ctx;
  }

  /** `/_sim/` admin endpoints (site admin token): faults, events, requests. */
  private async admin(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const raw = await readBody(req);
    const route = `/_sim${path}`;
    const auth = authenticate(this.core.store, req.headers, query);
    if (!auth.user)
      return this.send(res, method, route, { status: 401, body: errorBody(this.core, 'token is required') });
    if (!auth.user.isAdmin)
      return this.send(res, method, route, {
        status: 403,
        body: errorBody(this.core, 'the /_sim/ endpoints need a site administrator'),
      });
    const faults = this.core.faults;
    if (path === '/faults' && method === 'GET')
      return this.send(res, method, route, { status: 200, body: faults.list() });
    if (path === '/faults' && method === 'POST') {
      let rule: unknown;
      try {
        rule = JSON.parse(raw.toString('utf8'));
      } catch {
        rule = null;
      }
      const problem = validateFaultRule(rule);
      if (problem) return this.send(res, method, route, { status: 422, body: errorBody(this.core, problem) });
      const id = faults.addWithId(rule as Parameters<Faults['add']>[0]);
      return this.send(res, method, route, { status: 201, body: { id } });
    }
    if (path === '/faults' && method === 'DELETE') {
      faults.clear();
      return this.send(res, method, route, { status: 204 });
    }
    const one = /^\/faults\/(\d+)$/.exec(path);
    if (one && method === 'DELETE') {
      const ok = faults.remove(Number(one[1]));
      return this.send(
        res,
        method,
        route,
        ok ? { status: 204 } : { status: 404, body: errorBody(this.core, `no fault rule with id ${one[1]}`) },
      );
    }
    if (path === '/events' && method === 'GET') {
      return this.send(res, method, route, {
        status: 200,
        body: this.core.events.list().map((e) => ({ seq: e.seq, name: e.name, payload: e.payload })),
      });
    }
    if (path === '/events' && method === 'DELETE') {
      this.core.events.clear();
      return this.send(res, method, route, { status: 204 });
    }
    if (path === '/requests' && method === 'GET')
      return this.send(res, method, route, { status: 200, body: this.log });
    return this.send(res, method, route, {
      status: 404,
      body: errorBody(this.core, `unknown simulator endpoint "${method} ${route}"`),
    });
  }
}

/**
 * Gitea's `genAPILinks`: `next`/`last` when not on the last page, `first`/`prev` when past the first,
 * each the current URL with `page` replaced (query keys sorted, as Go's `url.Values.Encode`).
 */
export function linkHeader(
  base: string,
  query: URLSearchParams,
  total: number,
  pageSize: number,
  page: number,
): string | null {
  const pages = Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
  const cur = Math.min(Math.max(1, page), pages);
  const link = (p: number, rel: string) => {
    const q = new URLSearchParams(query);
    q.set('page', String(p));
    const entries = [...q.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const encoded = entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return `<${base}?${encoded}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (cur < pages) links.push(link(cur + 1, 'next'), link(pages, 'last'));
  if (cur > 1) links.push(link(1, 'first'), link(cur - 1, 'prev'));
  return links.length > 0 ? links.join(',') : null;
}
