/** The one choke point for HTTP to Gitea: auth, timeouts, bounded concurrency, retries, paging, stats. */
import { type Api, giteaApi } from 'gitea-js';
import {
  errorForStatus,
  type GiteaHttpError,
  GiteaNetworkError,
  type GiteaRequestError,
  GiteaTimeoutError,
  InvalidResponseError,
  OutcomeUnknownError,
  parseErrorBody,
  type RequestTarget,
} from './errors.ts';
import { fillRoute, type PathParams, RouteMatcher } from './routes.ts';

/** HTTP methods the client sends. */
export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One query value; arrays repeat the key, `undefined`/`null` drop it. */
export type QueryValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly (string | number | boolean)[];

/** How to read a success body: parsed JSON (default), text (`.diff`, raw files) or bytes. */
export type Accept = 'json' | 'text' | 'bytes';

/** Options of one `request`. */
export interface RequestOptions {
  /** Values for the route's `{name}` placeholders. */
  path?: PathParams;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  accept?: Accept;
  /**
   * Marks a write as safe to repeat (a desired-state write such as PATCH state=closed), so it is
   * retried like a GET instead of raising `OutcomeUnknownError`.
   */
  idempotent?: boolean;
  /** Cancels the request (no retry follows a cancellation). */
  signal?: AbortSignal;
}

/** A successful answer. `data` is `undefined` for 204 and empty bodies. */
export interface GiteaResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

/** Options of `paginate` / `paginateIter`. */
export interface PaginateOptions<T> {
  path?: PathParams;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Page size asked for; 50 (Gitea's default MAX_RESPONSE_ITEMS) unless given. */
  limit?: number;
  /** Guard against a server that ignores `page`; default 1000 pages. */
  maxPages?: number;
  /** Picks the items from a page body that is not a bare array (e.g. `/repos/search` → `data`). */
  items?: (body: unknown) => T[];
  /**
   * Stop once the items read reach `X-Total-Count`, saving the empty page after a full last one.
   * Only for routes whose header counts exactly the listed items (e.g. `/orgs/{org}/repos`,
   * `/repos/issues/search`).
   */
  stopAtTotal?: boolean;
  signal?: AbortSignal;
}

/** Request counts since creation or the last `resetStats()`; every attempt counts, retries included. */
export interface GiteaStats {
  total: number;
  /** Attempts that were repeats of an earlier failed attempt. */
  retries: number;
  byMethod: Record<string, number>;
  /** Keys like `"GET /repos/{owner}/{repo}/pulls"`. */
  byRoute: Record<string, number>;
}

/** Constructor options of `GiteaClient`. */
export interface GiteaClientOptions {
  /** `https://host`, `https://host/sub/`, with or without `/api/v1`. */
  baseUrl: string;
  token?: string;
  /** Per attempt, covering the whole response body; default 30000. */
  timeoutMs?: number;
  /** Attempts in flight at once; default 4. */
  concurrency?: number;
  /** Repeats after the first attempt; default 4. */
  retries?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); drives the backoff jitter. */
  random?: () => number;
  /** Milliseconds since the epoch; used to read `Retry-After` dates. */
  now?: () => number;
  userAgent?: string;
  /** Receives one line per attempt (method, redacted URL, outcome); never the token. */
  log?: (line: string) => void;
}

/** Backoff: full jitter over `min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2^n)` for the n-th retry. */
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 10_000;
/**
 * A `Retry-After` header (seconds or HTTP-date) replaces the jittered delay, capped at this value so
 * a misconfigured proxy cannot park a CI job for hours.
 */
export const RETRY_AFTER_CAP_MS = 60_000;
/** Gitea's default `[api] MAX_RESPONSE_ITEMS`; larger `limit` values are clamped to it. */
export const PAGE_LIMIT = 50;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const GATEWAY_STATUSES = new Set([502, 503, 504]);
/** Error codes that mean no byte of the request reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const SECRET_QUERY_KEYS = new Set(['token', 'access_token', 'sudo']);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** Splits a user-given Gitea URL into the web base URL and the API URL. */
export function normalizeBaseUrl(input: string): { baseUrl: string; apiUrl: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch (cause) {
    throw new Error(`Gitea URL "${input}" is not a URL; pass e.g. "https://gitea.example.com"`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Gitea URL "${url.origin}" must use http or https`);
  }
  if (url.username || url.password) {
    throw new Error(
      `Gitea URL "${url.protocol}//${url.host}${url.pathname}" must not carry credentials; pass the token separately`,
    );
  }
  const path = url.pathname
    .replace(/\/+$/, '')
    .replace(/\/api\/v1$/, '')
    .replace(/\/+$/, '');
  const baseUrl = `${url.protocol}//${url.host}${path}`;
  return { baseUrl, apiUrl: `${baseUrl}/api/v1` };
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`Gitea client option "${name}" must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** Parses `Retry-After` (delta-seconds or HTTP-date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // Happy-eyeballs connects fail with an AggregateError holding one error per address.
    const first = e instanceof AggregateError ? (e.errors[0] as { code?: unknown } | undefined) : undefined;
    if (typeof first?.code === 'string') return first.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

interface Prepared {
  method: string;
  route: string;
  url: string;
  target: RequestTarget;
  headers: Headers;
  body: BodyInit | null;
  safe: boolean;
  signal: AbortSignal | undefined;
}

interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  bytes: Uint8Array<ArrayBuffer>;
}

type AttemptFailure =
  | { kind: 'timeout'; error: GiteaTimeoutError }
  | { kind: 'network'; error: GiteaNetworkError; sent: boolean };

class AttemptError extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.error.message);
  }
}

/** HTTP client for one Gitea instance; every request of the project goes through it. */
export class GiteaClient {
  /** Web base URL: no trailing slash, no `/api/v1`. */
  readonly baseUrl: string;
  /** `${baseUrl}/api/v1`. */
  readonly apiUrl: string;
  /** gitea-js API whose fetch runs through this client (auth, retries, timeout, stats, typed errors). */
  readonly api: Api<unknown>;

  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #userAgent: string;
  readonly #log: ((line: string) => void) | undefined;
  readonly #semaphore: Semaphore;
  readonly #matcher = new RouteMatcher();
  #stats: GiteaStats = { total: 0, retries: 0, byMethod: {}, byRoute: {} };

  constructor(options: GiteaClientOptions) {
    const { baseUrl, apiUrl } = normalizeBaseUrl(options.baseUrl);
    this.baseUrl = baseUrl;
    this.apiUrl = apiUrl;
    this.#token = options.token || undefined;
    this.#timeoutMs = positiveInt('timeoutMs', options.timeoutMs ?? 30_000, 1);
    this.#semaphore = new Semaphore(positiveInt('concurrency', options.concurrency ?? 4, 1));
    this.#retries = positiveInt('retries', options.retries ?? 4, 0);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#userAgent = options.userAgent ?? 'rfc-actions';
    this.#log = options.log;
    // The token is not handed to gitea-js (it would keep it as a public property and send it as
    // "Bearer"); the choke point adds "Authorization: token ..." itself.
    this.api = giteaApi(this.baseUrl, {
      customFetch: ((input: RequestInfo | URL, init?: RequestInit) =>
        this.#apiFetch(input, init)) as typeof fetch,
    });
  }

  /** Sends one request to `route` (a template such as `/repos/{owner}/{repo}/pulls/{index}`). */
  async request<T = unknown>(
    method: HttpMethod,
    route: string,
    options: RequestOptions = {},
  ): Promise<GiteaResponse<T>> {
    const accept = options.accept ?? 'json';
    const filled = fillRoute(route, options.path);
    const query = buildQuery(options.query);
    const headers = new Headers(options.headers);
    if (!headers.has('accept')) headers.set('accept', accept === 'json' ? 'application/json' : '*/*');
    let body: BodyInit | null = null;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const prepared = this.#prepare({
      method,
      route,
      path: filled,
      query,
      headers,
      body,
      safe: SAFE_METHODS.has(method) || options.idempotent === true,
      signal: options.signal,
    });
    const raw = await this.#send(prepared);
    return { status: raw.status, data: this.#decode(prepared, raw, accept) as T, headers: raw.headers };
  }

  /**
   * Reads every page of a list route: `page` from 1 with `limit=50`, until a page comes back
   * shorter than the page size or empty (or, with `stopAtTotal`, once the items read reach
   * `X-Total-Count`, which Gitea does not set on every list). When the first page
   * is shorter than `limit` but `X-Total-Count` says more items exist, the server clamps `limit`
   * to a lower MAX_RESPONSE_ITEMS, and the first page's length becomes the page size. Without the
   * header a short first page ends the listing.
   */
  async paginate<T>(route: string, options: PaginateOptions<T> = {}): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this.paginateIter(route, options)) all.push(item);
    return all;
  }

  /** `paginate` as an async generator of items, one page in memory at a time. */
  async *paginateIter<T>(
    route: string,
    options: PaginateOptions<T> = {},
  ): AsyncGenerator<T, void, undefined> {
    const limit = positiveInt('limit', options.limit ?? PAGE_LIMIT, 1);
    const maxPages = positiveInt('maxPages', options.maxPages ?? 1000, 1);
    let pageSize = limit;
    let seen = 0;
    for (let page = 1; ; page++) {
      if (page > maxPages) {
        throw new Error(
          `paging "${route}" went past ${maxPages} pages; the server may ignore "page", or raise "maxPages"`,
        );
      }
      const res = await this.request<unknown>('GET', route, {
        path: options.path,
        query: { ...options.query, page, limit },
        headers: options.headers,
        signal: options.signal,
      });
      // Some Gitea list endpoints answer `null` instead of `[]` when empty.
      const items = options.items ? options.items(res.data) : (res.data ?? []);
      if (!Array.isArray(items)) {
        const target = this.#target('GET', route, fillRoute(route, options.path), '');
        throw new InvalidResponseError(
          target,
          res.status,
          'expected a JSON array of items; pass "items" to pick them',
        );
      }
      yield* items as T[];
      // A page longer than `limit` comes from a route that is not paged and answered the whole
      // list (Gitea's issueGetComments takes no page or limit): asking again would repeat it.
      if (items.length > limit) return;
      seen += items.length;
      const total = Number(res.headers.get('x-total-count') ?? Number.NaN);
      if (page === 1 && items.length > 0 && items.length < limit) {
        if (Number.isFinite(total) && total > items.length) pageSize = items.length;
      }
      if (items.length === 0 || items.length < pageSize) return;
      if (options.stopAtTotal === true && Number.isFinite(total) && seen >= total) return;
    }
  }

  /** A copy of the request counts, keys sorted. */
  stats(): GiteaStats {
    return {
      total: this.#stats.total,
      retries: this.#stats.retries,
      byMethod: sortedRecord(this.#stats.byMethod),
      byRoute: sortedRecord(this.#stats.byRoute),
    };
  }

  /** Zeroes the request counts. */
  resetStats(): void {
    this.#stats = { total: 0, retries: 0, byMethod: {}, byRoute: {} };
  }

  /** The route template the client files a concrete API path under (as used for gitea-js calls). */
  routeOf(method: string, apiPath: string): string {
    return this.#matcher.match(method.toUpperCase(), apiPath);
  }

  /** What `JSON.stringify(client)` shows: the URLs, never the token. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, apiUrl: this.apiUrl };
  }

  async #apiFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    const url = new URL(href);
    const apiPath = new URL(this.apiUrl).pathname;
    if (url.origin !== new URL(this.apiUrl).origin || !url.pathname.startsWith(`${apiPath}/`)) {
      throw new Error(
        `gitea-js asked for "${url.origin}${url.pathname}", outside "${this.apiUrl}"; do not override its baseUrl`,
      );
    }
    const path = url.pathname.slice(apiPath.length);
    const headers = new Headers(init.headers);
    headers.delete('authorization');
    const prepared = this.#prepare({
      method,
      route: this.#matcher.match(method, path),
      path,
      query: url.search.slice(1),
      headers,
      body: (init.body as BodyInit | null | undefined) ?? null,
      safe: SAFE_METHODS.has(method),
      signal: init.signal ?? undefined,
    });
    const raw = await this.#send(prepared);
    return new Response(NULL_BODY_STATUSES.has(raw.status) ? null : raw.bytes, {
      status: raw.status,
      statusText: raw.statusText,
      headers: raw.headers,
    });
  }

  #prepare(p: {
    method: string;
    route: string;
    path: string;
    query: string;
    headers: Headers;
    body: BodyInit | null;
    safe: boolean;
    signal: AbortSignal | undefined;
  }): Prepared {
    if (this.#token) p.headers.set('authorization', `token ${this.#token}`);
    if (!p.headers.has('user-agent')) p.headers.set('user-agent', this.#userAgent);
    return {
      method: p.method,
      route: p.route,
      url: `${this.apiUrl}${p.path}${p.query ? `?${p.query}` : ''}`,
      target: this.#target(p.method, p.route, p.path, p.query),
      headers: p.headers,
      body: p.body,
      safe: p.safe,
      signal: p.signal,
    };
  }

  #target(method: string, route: string, path: string, query: string): RequestTarget {
    const params = new URLSearchParams(query);
    for (const key of [...params.keys()]) {
      if (SECRET_QUERY_KEYS.has(key.toLowerCase())) params.set(key, 'REDACTED');
    }
    const q = params.toString();
    const apiPath = new URL(this.apiUrl).pathname;
    return { method, route, url: this.#redact(`${apiPath}${path}${q ? `?${q}` : ''}`) };
  }

  #redact(s: string): string {
    const t = this.#token;
    if (!t) return s;
    return s.split(t).join('REDACTED').split(encodeURIComponent(t)).join('REDACTED');
  }

  async #send(p: Prepared): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      let error: GiteaRequestError;
      let retryAfter: number | undefined;
      try {
        const raw = await this.#attempt(p, attempt);
        if (raw.status < 400) return raw;
        error = this.#httpError(p, raw);
        if (!RETRY_STATUSES.has(raw.status)) throw error;
        // 429 comes from a proxy that refused the request before Gitea saw it: safe for any method.
        if (GATEWAY_STATUSES.has(raw.status) && !p.safe) throw new OutcomeUnknownError(p.target, error);
        retryAfter = parseRetryAfter(raw.headers.get('retry-after'), this.#now());
      } catch (e) {
        if (!(e instanceof AttemptError)) throw e;
        const f = e.failure;
        error = f.error;
        const sent = f.kind === 'timeout' || f.sent;
        // A write that may have reached Gitea is not repeated blindly; the caller probes instead.
        if (sent && !p.safe) throw new OutcomeUnknownError(p.target, f.error);
      }
      if (attempt >= this.#retries) throw error;
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
      const delay =
        retryAfter !== undefined
          ? Math.min(retryAfter, RETRY_AFTER_CAP_MS)
          : Math.floor(this.#random() * ceiling);
      this.#stats.retries++;
      await this.#sleep(delay);
      if (p.signal?.aborted) throw p.signal.reason;
    }
  }

  async #attempt(p: Prepared, attempt: number): Promise<RawResponse> {
    await this.#semaphore.acquire();
    const s = this.#stats;
    s.total++;
    s.byMethod[p.method] = (s.byMethod[p.method] ?? 0) + 1;
    const key = `${p.method} ${p.route}`;
    s.byRoute[key] = (s.byRoute[key] ?? 0) + 1;
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(), this.#timeoutMs);
    const signal = p.signal ? AbortSignal.any([timer.signal, p.signal]) : timer.signal;
    const line = `${p.method} ${p.target.url} attempt ${attempt + 1}`;
    try {
      const res = await this.#fetch(p.url, { method: p.method, headers: p.headers, body: p.body, signal });
      const bytes = new Uint8Array(await res.arrayBuffer());
      this.#log?.(`${line} -> ${res.status}`);
      return { status: res.status, statusText: res.statusText, headers: res.headers, bytes };
    } catch (cause) {
      if (p.signal?.aborted) throw p.signal.reason;
      if (timer.signal.aborted) {
        this.#log?.(`${line} -> timeout`);
        throw new AttemptError({
          kind: 'timeout',
          error: new GiteaTimeoutError(p.target, this.#timeoutMs, { cause }),
        });
      }
      const code = errorCode(cause);
      this.#log?.(`${line} -> network error ${code ?? ''}`.trimEnd());
      const error = new GiteaNetworkError(p.target, code, { cause });
      throw new AttemptError({
        kind: 'network',
        error,
        sent: code === undefined || !NOT_SENT_CODES.has(code),
      });
    } finally {
      clearTimeout(timeout);
      this.#semaphore.release();
    }
  }

  #httpError(p: Prepared, raw: RawResponse): GiteaHttpError {
    const body = parseErrorBody(this.#redact(new TextDecoder().decode(raw.bytes)));
    return errorForStatus(p.target, raw.status, body);
  }

  #decode(p: Prepared, raw: RawResponse, accept: Accept): unknown {
    if (accept === 'bytes') return raw.status === 204 ? undefined : raw.bytes;
    const text = new TextDecoder().decode(raw.bytes);
    if (raw.status === 204 || (accept === 'json' && text === '')) return undefined;
    if (accept === 'text') return text;
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new InvalidResponseError(p.target, raw.status, parseErrorBody(this.#redact(text)), { cause });
    }
  }
}

function buildQuery(query: Record<string, QueryValue> | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  return params.toString();
}

function sortedRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
