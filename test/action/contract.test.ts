// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not templates
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_DEFAULTS } from '../../src/action/inputs.ts';
import { buildActionDir } from './build.ts';
import { inputEnvName, runStep, type StepRun } from './runner.ts';

const TOKEN = 'job-token-0123456789abcdef';
const BOT_TOKEN = 'bot-token-fedcba9876543210';
let actionDir: string;
let workspace: string;

beforeAll(async () => {
  actionDir = await buildActionDir();
  workspace = await mkdtemp(join(tmpdir(), 'rfc-ws-'));
});
afterAll(async () => {
  await rm(actionDir, { recursive: true, force: true });
  await rm(workspace, { recursive: true, force: true });
});

const step = (over: Partial<StepRun> = {}): StepRun => ({
  actionDir,
  with: { command: 'reconcile', 'bot-token': BOT_TOKEN },
  // Port 9 (discard) on loopback: nothing listens, so a request fails at once.
  giteaUrl: 'http://127.0.0.1:9',
  repository: 'rfcs/meta',
  token: TOKEN,
  actor: 'alice',
  eventName: 'workflow_dispatch',
  event: {},
  workspace,
  ...over,
});

/** Node 22 and 24, simulated: the running node reports another module ABI. */
const withAbi = (abi: string) => [
  '--import',
  `data:text/javascript,Object.defineProperty(process.versions,"modules",{value:"${abi}"})`,
];

describe('input names', () => {
  it.each([
    ['command', 'INPUT_COMMAND'],
    ['bot-token', 'INPUT_BOT-TOKEN'],
    ['op-input', 'INPUT_OP-INPUT'],
    ['a b.c', 'INPUT_A_B_C'],
  ])('%s -> %s (act keeps "-", maps other characters to "_")', (name, env) => {
    expect(inputEnvName(name)).toBe(env);
  });
});

describe('runner contract: failures', () => {
  it('an invalid command fails once, with every output defaulted, the tokens masked and a summary', async () => {
    const r = await runStep(step({ with: { command: 'sweep', 'bot-token': BOT_TOKEN } }));
    expect(r.exitCode).toBe(1);
    expect(r.outputs).toEqual(OUTPUT_DEFAULTS);
    expect(r.env['INPUT_TOKEN']).toBe(TOKEN);
    const masks = r.commands.filter((c) => c.command === 'add-mask').map((c) => c.message);
    expect(masks).toEqual([TOKEN, BOT_TOKEN]);
    const errors = r.commands.filter((c) => c.command === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(
      'input "command" must be one of reconcile, event, gate, site, publish',
    );
    expect(errors[0]!.message).toContain('"sweep"');
    expect(r.summary).toContain('## rfc-actions: failed');
    const withoutMasks = r.stdout.replace(/^::add-mask::.*$/gm, '');
    expect(withoutMasks + r.stderr + r.summary).not.toContain(TOKEN);
  });

  it('an empty token names the input and the fix', async () => {
    const r = await runStep(step({ with: { command: 'site', token: '' } }));
    expect(r.exitCode).toBe(1);
    expect(r.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      'input "token" is empty: pass "token: ${{ github.token }}" (the default) or a personal access token',
    ]);
  });

  it('the token defaults to ${{ github.token }} from action.yml', async () => {
    const r = await runStep(step({ with: { command: 'nope' } }));
    expect(r.env[inputEnvName('token')]).toBe(TOKEN);
    expect(r.env[inputEnvName('cache-branch')]).toBe('rfc-cache');
  });

  it('a Gitea that cannot be reached fails the step with the cause, after the summary', async () => {
    const r = await runStep(step({ with: { command: 'site' } }));
    expect(r.exitCode).toBe(1);
    const errors = r.commands.filter((c) => c.command === 'error');
    expect(errors).toHaveLength(1);
    expect(r.summary).toContain('## rfc-actions site: failed');
    expect(r.outputs).toEqual(OUTPUT_DEFAULTS);
  });
});

describe('runner contract: node version check', () => {
  it.each([
    ['22', '127'],
    ['24', '137'],
  ])(
    'on node %s (ABI %s) a SQLite command fails at once, before any request, saying what to do',
    async (_v, abi) => {
      const r = await runStep(step({ nodeArgs: withAbi(abi) }));
      expect(r.exitCode).toBe(1);
      const [error, ...more] = r.commands.filter((c) => c.command === 'error');
      expect(more).toEqual([]);
      expect(error!.message).toContain(`built for Node 20 (ABI 115, linux-x64), but this runner's node is`);
      expect(error!.message).toContain(`(ABI ${abi}, linux-x64)`);
      expect(error!.message).toContain('Run the job on a runner image whose node is 20');
      expect(r.outputs).toEqual(OUTPUT_DEFAULTS);
    },
  );

  it('the site command does not load the addon, so it passes the check on another ABI', async () => {
    const r = await runStep(step({ with: { command: 'site' }, nodeArgs: withAbi('127') }));
    const error = r.commands.find((c) => c.command === 'error');
    expect(error?.message).not.toContain('SQLite addon');
  });
});
