/** Swagger-style path templates (`/repos/{owner}/{repo}/pulls/{index}`) matched against request paths. */

/** A route's template segment: a literal, a `{param}`, a greedy one at the end, or text mixed with params (`{index}.{diffType}`). */
type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string; greedy: boolean }
  | { kind: 'mixed'; pattern: RegExp; names: string[] };

export interface RouteMatch<H> {
  template: string;
  params: Record<string, string>;
  handler: H;
  options: RouteOptions;
}

/** The token scope category a route needs (Gitea checks `read:` for GET/HEAD, `write:` otherwise). */
export type ScopeCategory = 'repository' | 'issue' | 'organization' | 'user' | 'admin' | 'misc';

export interface RouteOptions {
  scope?: ScopeCategory;
}

interface Route<H> {
  method: string;
  template: string;
  segments: Segment[];
  literals: number;
  handler: H;
  options: RouteOptions;
}

/**
 * Only a final `{filepath}`, `{branch}`, `{ref}` or `{head}` swallows slashes, like Gitea's
 * `/contents/*`, `/raw/*`, `/branches/*`, `/git/refs/*` and `/pulls/{base}/*`
 * (routers/api/v1/api.go: `m.Get("/{base}/*", repo.GetPullRequestByBaseHead)`).
 */
const GREEDY = new Set(['filepath', 'branch', 'ref', 'head']);

const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function parse(template: string): Segment[] {
  const parts = template.split('/').filter((p) => p !== '');
  return parts.map((p, i): Segment => {
    const whole = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(p);
    if (whole)
      return { kind: 'param', name: whole[1]!, greedy: i === parts.length - 1 && GREEDY.has(whole[1]!) };
    const names = [...p.matchAll(PARAM)].map((m) => m[1]!);
    if (names.length === 0) return { kind: 'literal', value: p };
    // Gitea's `/{index}` + `.{diffType:diff|patch}` (routers/api/v1/api.go): each param takes the shortest slash-free run.
    const source = p
      .split(PARAM)
      .map((text, k) => (k % 2 === 0 ? text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '([^/]+?)'))
      .join('');
    return { kind: 'mixed', pattern: new RegExp(`^${source}$`), names };
  });
}

/** Routes keyed by method; the match with the most literal segments (mixed ones count) wins. */
export class Router<H> {
  private readonly routes: Route<H>[] = [];

  /** Adds a route; `template` is the swagger path without `/api/v1`. */
  add(method: string, template: string, handler: H, options: RouteOptions = {}): void {
    const m = method.toUpperCase();
    if (this.routes.some((r) => r.method === m && r.template === template)) {
      throw new Error(`route "${m} ${template}" is registered twice; remove one of the registrations`);
    }
    const segments = parse(template);
    this.routes.push({
      method: m,
      template,
      segments,
      literals: segments.filter((s) => s.kind !== 'param').length,
      handler,
      options,
    });
  }

  /** Finds the route for `path` (already without `/api/v1`); params are URL-decoded. */
  match(method: string, path: string): RouteMatch<H> | null {
    const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    const parts = path.split('/').filter((p) => p !== '');
    let best: { route: Route<H>; params: Record<string, string> } | null = null;
    for (const r of this.routes) {
      if (r.method !== m) continue;
      const params = matchSegments(r.segments, parts);
      if (params && (!best || r.literals > best.route.literals)) best = { route: r, params };
    }
    if (!best) return null;
    return {
      template: best.route.template,
      params: best.params,
      handler: best.route.handler,
      options: best.route.options,
    };
  }

  /** Every registered `METHOD template`, sorted. */
  list(): string[] {
    return this.routes.map((r) => `${r.method} ${r.template}`).sort();
  }
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.kind === 'param' && s.greedy) {
      const rest = parts.slice(i);
      if (rest.length === 0) return null;
      try {
        params[s.name] = rest.map((p) => decodeURIComponent(p)).join('/');
      } catch {
        return null;
      }
      return params;
    }
    const p = parts[i];
    if (p === undefined) return null;
    if (s.kind === 'literal') {
      if (s.value !== p) return null;
    } else if (s.kind === 'mixed') {
      const m = s.pattern.exec(p);
      if (!m) return null;
      try {
        s.names.forEach((name, k) => {
          params[name] = decodeURIComponent(m[k + 1]!);
        });
      } catch {
        return null;
      }
    } else {
      try {
        params[s.name] = decodeURIComponent(p);
      } catch {
        return null;
      }
    }
  }
  return parts.length === segments.length ? params : null;
}
