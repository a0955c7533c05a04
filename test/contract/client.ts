import type { ContractSpec } from './spec.ts';

type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;

/** One request described by its swagger template. */
export interface ContractCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  template: string;
  path?: Record<string, string | number>;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Token to send; `null` sends none; the client's token when absent. */
  token?: string | null;
  /** Basic auth instead of the token (Gitea's token creation needs the password). */
  basic?: { user: string; password: string };
  /** Statuses the test expects; the call throws on any other. */
  expect: number | readonly number[];
}

/** A validated response. */
export interface ContractResponse<T> {
  status: number;
  data: T;
  text: string;
  headers: Headers;
}

/** What was validated for one route. */
export interface LedgerEntry {
  route: string;
  checks: Set<string>;
}

/** Records which `METHOD template` pairs were validated, with which status and schema. */
export class ContractLedger {
  readonly #entries = new Map<string, LedgerEntry>();
  readonly #other = new Map<string, string>();

  /** Record a response that passed validation. */
  record(route: string, status: number, schemaName: string): void {
    let entry = this.#entries.get(route);
    if (!entry) {
      entry = { route, checks: new Set() };
      this.#entries.set(route, entry);
    }
    entry.checks.add(`${status} ${schemaName}`);
  }

  /** Record a served route outside the JSON API (git smart HTTP), with how it was exercised. */
  recordOther(route: string, how: string): void {
    this.#other.set(route, how);
  }

  /** Routes that were validated, sorted. */
  routes(): string[] {
    return [...new Set([...this.#entries.keys(), ...this.#other.keys()])].sort();
  }

  /** Served routes that no validated call reached. */
  missing(served: readonly string[]): string[] {
    return served.filter((r) => !this.#entries.has(r) && !this.#other.has(r)).sort();
  }

  /** The table `route → validated` for the served routes, one line each. */
  table(served: readonly string[]): string {
    const rows = [...served].sort().map((route) => {
      const entry = this.#entries.get(route);
      const other = this.#other.get(route);
      const what = entry ? [...entry.checks].sort().join(', ') : (other ?? 'NOT VALIDATED');
      return [route, what] as const;
    });
    const width = Math.max(5, ...rows.map(([r]) => r.length));
    const lines = [`${'route'.padEnd(width)}  validated`, `${'-'.repeat(width)}  ---------`];
    for (const [route, what] of rows) lines.push(`${route.padEnd(width)}  ${what}`);
    return `${lines.join('\n')}\n`;
  }
}

/** Options for {@link ContractClient}. */
export interface ContractClientOptions {
  baseUrl: string;
  token: string;
  spec: ContractSpec;
  ledger: ContractLedger;
  /** The template the simulator says it served for the last request, to cross-check routing. */
  lastServedRoute?: () => string | undefined;
}

/** Calls the simulator and validates every response against the spec before returning it. */
export class ContractClient {
  constructor(readonly options: ContractClientOptions) {}

  /** A client for the same simulator acting with another token. */
  as(token: string): ContractClient {
    return new ContractClient({ ...this.options, token });
  }

  /** Send one request; throws when the status is unexpected or the body breaks the spec. */
  async call<T = unknown>(c: ContractCall): Promise<ContractResponse<T>> {
    const route = `${c.method} ${c.template}`;
    const url = new URL(`${this.options.baseUrl}/api/v1${fillTemplate(c.template, c.path ?? {})}`);
    for (const [k, v] of Object.entries(c.query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      else url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = c.token === undefined ? this.options.token : c.token;
    if (c.basic) {
      headers['authorization'] =
        `Basic ${Buffer.from(`${c.basic.user}:${c.basic.password}`).toString('base64')}`;
    } else if (token) headers['authorization'] = `token ${token}`;
    let body: string | undefined;
    if (c.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(c.body);
    }
    const res = await fetch(url, { method: c.method, headers, body });
    const text = await res.text();
    const expected = typeof c.expect === 'number' ? [c.expect] : c.expect;
    if (!expected.includes(res.status)) {
      throw new Error(
        `${route} (${url.pathname}) answered ${res.status}, expected ${expected.join('|')}: ${text.slice(0, 300)}`,
      );
    }
    const served = this.options.lastServedRoute?.();
    if (served !== undefined && served !== c.template) {
      throw new Error(`${url.pathname} was served by "${served}", the test meant "${c.template}"`);
    }
    const result = this.options.spec.check({
      method: c.method,
      template: c.template,
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: text,
    });
    if (!result.ok) throw new Error(`${route} ${res.status} breaks the spec: ${result.problem}`);
    this.options.ledger.record(route, res.status, result.schemaName);
    const isJson = res.headers.get('content-type')?.includes('application/json') && text.length > 0;
    return { status: res.status, data: (isJson ? JSON.parse(text) : text) as T, text, headers: res.headers };
  }
}

/** Fill `{param}` placeholders; slashes inside values stay (Gitea's `*` routes take them). */
export function fillTemplate(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`template "${template}" needs a value for "${name}"`);
    return encodeURIComponent(String(value)).replace(/%2F/g, '/').replace(/%3A/g, ':');
  });
}
