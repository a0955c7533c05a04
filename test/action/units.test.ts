import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActionInputError, type InputName, readOptions } from '../../src/action/inputs.ts';
import { checkNative, type NativeBuild } from '../../src/action/native.ts';
import { problemAnnotations, RunReport, renderSummary } from '../../src/action/report.ts';
import { gitBlobId } from '../../src/cache/tar.ts';

const ENV = {
  GITHUB_SERVER_URL: 'https://gitea.example.com/',
  GITHUB_REPOSITORY: 'rfcs/meta',
  GITHUB_ACTOR: 'alice',
  GITHUB_EVENT_NAME: 'issue_comment',
  GITHUB_EVENT_PATH: '/tmp/event.json',
  GITHUB_RUN_ID: '77',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_WORKSPACE: '/ws',
};
const inputs =
  (values: Partial<Record<InputName, string>>) =>
  (name: InputName): string =>
    values[name] ?? '';

describe('readOptions', () => {
  it('fills every default from the runner environment', () => {
    expect(readOptions(inputs({ command: 'gate', token: 't' }), ENV, '/cwd')).toEqual({
      command: 'gate',
      token: 't',
      botToken: null,
      giteaUrl: 'https://gitea.example.com',
      owner: 'rfcs',
      repo: 'meta',
      cacheBranch: 'rfc-cache',
      artifactDir: 'cache-artifacts',
      commit: true,
      full: false,
      siteDir: 'site-out',
      siteBaseUrl: null,
      publishBranch: null,
      publishDir: null,
      op: null,
      opInput: {},
      actor: 'alice',
      eventName: 'issue_comment',
      eventPath: '/tmp/event.json',
      runRequest: 'run:77',
      workspace: '/ws',
    });
  });

  it('takes inputs over the environment', () => {
    const o = readOptions(
      inputs({
        command: 'publish',
        token: 't',
        'gitea-url': 'http://127.0.0.1:3000',
        'meta-repo': 'org/other',
        'publish-branch': 'gh-pages',
        commit: 'false',
        full: 'true',
        'op-input': '{"number": 3}',
      }),
      { ...ENV, GITHUB_WORKSPACE: '' },
      '/cwd',
    );
    expect(o).toMatchObject({
      giteaUrl: 'http://127.0.0.1:3000',
      owner: 'org',
      repo: 'other',
      publishBranch: 'gh-pages',
      commit: false,
      full: true,
      opInput: { number: 3 },
      workspace: '/cwd',
    });
  });

  it.each([
    [{ command: '' }, 'command', 'input "command" must be one of'],
    [{ command: 'site', token: '' }, 'token', 'input "token" is empty'],
    [{ 'gitea-url': 'gitea.example.com' }, 'gitea-url', 'must be the Gitea base URL'],
    [{ 'meta-repo': 'just-a-name' }, 'meta-repo', 'must be "owner/name"'],
    [{ commit: 'yes' }, 'commit', 'input "commit" must be "true" or "false"; got "yes"'],
    [{ 'op-input': '{nope' }, 'op-input', 'is not valid JSON'],
    [{ 'op-input': '[1]' }, 'op-input', 'must be a JSON object'],
    [{ 'cache-branch': 'a..b' }, 'cache-branch', 'not a valid branch name: "a..b"'],
    [{ 'publish-branch': 'has space' }, 'publish-branch', 'not a valid branch name'],
  ] as const)('%j is rejected naming "%s"', (values, input, message) => {
    const run = () => readOptions(inputs({ command: 'site', token: 't', ...values }), ENV, '/cwd');
    expect(run).toThrow(ActionInputError);
    try {
      run();
    } catch (e) {
      expect((e as ActionInputError).input).toBe(input);
      expect((e as Error).message).toContain(message);
    }
  });
});

describe('checkNative', () => {
  const build: NativeBuild = {
    abi: '115',
    node: '20',
    platform: 'linux',
    arch: 'x64',
    betterSqlite3: '12.9.0',
  };
  const rt = (modules: string, platform = 'linux') => ({
    modules,
    version: `v${modules}`,
    platform,
    arch: 'x64',
  });
  it.each([
    ['reconcile', build, rt('115'), true],
    ['reconcile', build, rt('127'), false],
    ['event', build, rt('137'), false],
    ['gate', build, rt('115', 'darwin'), false],
    ['site', build, rt('127'), true],
    ['publish', build, rt('137'), true],
    ['reconcile', null, rt('127'), true],
  ] as const)('%s with %j on %j: ok=%s', (command, b, r, ok) => {
    const res = checkNative(command, b, r);
    expect(res.ok).toBe(ok);
    if (!res.ok) {
      expect(res.message).toContain(`command "${command}" needs the bundled SQLite addon`);
      expect(res.message).toContain(`ABI ${r.modules}`);
    }
  });
});

describe('report', () => {
  it('turns each problem reason into an annotation on its file and line', () => {
    expect(
      problemAnnotations([
        {
          file: 'rfcs/bad.md',
          sha: null,
          reasons: [
            { field: 'state', line: 4, message: 'must be super-draft, active or withdrawn' },
            { field: null, line: null, message: 'no frontmatter' },
          ],
        },
      ]),
    ).toMatchSnapshot();
  });

  it('renders counts, writes with links, problems and the failure', () => {
    const r = new RunReport();
    r.count('RFCs', 3);
    r.count('RFCs', 4);
    r.wrote('committed the artifact', 'https://gitea.example.com/rfcs/meta/commit/abc');
    r.wrote('add_comment #3: already done', null, true);
    r.problems = [
      { file: 'rfcs/a|b.md', sha: null, reasons: [{ field: 'slug', line: 2, message: 'bad | slug' }] },
    ];
    r.note('incremental sweep');
    const md = renderSummary('reconcile', r, 'cannot commit\ncaused by: 409', (f) => `https://x/${f}`);
    expect(md).toMatchSnapshot();
    expect(renderSummary('site', new RunReport(), null)).toContain('Nothing was written.');
  });
});

describe('gitBlobId', () => {
  it('is git hash-object', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfc-blob-'));
    try {
      const bytes = Buffer.from('hello\nworld\n\u00e9');
      writeFileSync(join(dir, 'f'), bytes);
      const git = execFileSync('git', ['hash-object', join(dir, 'f')], { encoding: 'utf8' }).trim();
      expect(gitBlobId(bytes)).toBe(git);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
