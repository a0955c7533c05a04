/** Route templates: filling them with path parameters, and recovering the template of a concrete path. */
import { GITEA_ROUTES } from './routes.gen.ts';

/** Path parameters whose value keeps its `/` separators (Gitea routes them as `/*`). */
const RAW_PARAMS = new Set(['filepath']);

/**
 * Last-segment parameters that Gitea routes with a `/*` wildcard, so a concrete path may carry
 * several segments there (e.g. a branch `edit/slug/x` in `/repos/{owner}/{repo}/branches/{branch}`).
 */
const WILDCARD_PARAMS = new Set(['filepath', 'branch', 'basehead', 'archive']);

/** Values for the `{name}` placeholders of a route. */
export type PathParams = Record<string, string | number>;

/**
 * Fills `route` with `path`: each value URL-encoded as one segment, except `filepath`, whose `/`
 * separators are kept because Gitea's contents/raw routes take the file path raw.
 */
export function fillRoute(route: string, path: PathParams = {}): string {
  if (!route.startsWith('/'))
    throw new Error(`route "${route}" must start with "/" (e.g. "/repos/{owner}/{repo}")`);
  const used = new Set<string>();
  const filled = route.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = path[name];
    if (value === undefined || value === '') {
      throw new Error(`route "${route}" needs path parameter "${name}"; pass it in "path"`);
    }
    used.add(name);
    const s = String(value);
    return RAW_PARAMS.has(name) ? s.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(s);
  });
  for (const name of Object.keys(path)) {
    if (!used.has(name)) throw new Error(`route "${route}" has no "{${name}}"; remove "${name}" from "path"`);
  }
  return filled;
}

type Matcher = (segment: string) => boolean;

interface CompiledRoute {
  template: string;
  methods: Set<string>;
  segments: Matcher[];
  /** Per segment: 2 literal, 1 mixed (`{index}.{diffType}`), 0 parameter; compared left to right. */
  rank: number[];
  wildcardTail: boolean;
}

function compile(template: string, methods: string): CompiledRoute {
  const parts = template.split('/').slice(1);
  const segments: Matcher[] = [];
  const rank: number[] = [];
  for (const part of parts) {
    if (!part.includes('{')) {
      segments.push((s) => s === part);
      rank.push(2);
    } else if (/^\{[^}]+\}$/.test(part)) {
      segments.push((s) => s !== '');
      rank.push(0);
    } else {
      const re = new RegExp(
        `^${part
          .split(/\{[^}]+\}/)
          .map((lit) => lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]+?')}$`,
      );
      segments.push((s) => re.test(s));
      rank.push(1);
    }
  }
  const last = parts.at(-1) ?? '';
  const tail = /^\{([^}]+)\}$/.exec(last);
  return {
    template,
    methods: new Set(methods.split(',')),
    segments,
    rank,
    wildcardTail: tail !== null && WILDCARD_PARAMS.has(tail[1]!),
  };
}

function matches(route: CompiledRoute, segs: string[]): boolean {
  const n = route.segments.length;
  if (segs.length < n || (segs.length > n && !route.wildcardTail)) return false;
  for (let i = 0; i < n; i++) if (!route.segments[i]!(segs[i]!)) return false;
  return true;
}

function better(a: CompiledRoute, b: CompiledRoute): boolean {
  for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i++) {
    if (a.rank[i] !== b.rank[i]) return a.rank[i]! > b.rank[i]!;
  }
  return a.rank.length > b.rank.length;
}

/** Finds route templates for concrete API paths (relative to `/api/v1`). */
export class RouteMatcher {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly (readonly [string, string])[] = GITEA_ROUTES) {
    this.routes = routes.map(([template, methods]) => compile(template, methods));
  }

  /**
   * The most specific template for `method` + `path` (literal segments beat `{a}.{b}` segments,
   * which beat plain parameters, leftmost first); templates of other methods are a second choice;
   * otherwise the path itself with numeric segments replaced by `{n}`.
   */
  match(method: string, path: string): string {
    const segs = path.split('?')[0]!.replace(/\/+$/, '').split('/').slice(1);
    let best: CompiledRoute | undefined;
    let bestForMethod = false;
    for (const route of this.routes) {
      if (!matches(route, segs)) continue;
      const forMethod = route.methods.has(method);
      if (!best || (forMethod && !bestForMethod) || (forMethod === bestForMethod && better(route, best))) {
        best = route;
        bestForMethod = forMethod;
      }
    }
    if (best) return best.template;
    return `/${segs.map((s) => (/^\d+$/.test(s) ? '{n}' : s)).join('/')}`;
  }
}
