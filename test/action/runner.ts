/**
 * Runs the bundled action the way act_runner (Gitea's runner, built on nektos/act) does:
 * `node <action>/dist/index.js` with GITHUB_* and GITEA_* variables, one INPUT_* variable
 * per input (given in `with:` or defaulted from action.yml, `${{ github.token }}` expanded),
 * the event payload in a file, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY as files.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * act's rule for an input's variable: upper-case, then every character outside
 * `A-Z 0-9 -` becomes `_` (so `bot-token` → `INPUT_BOT-TOKEN`, `a b` → `INPUT_A_B`).
 */
export function inputEnvName(input: string): string {
  return `INPUT_${input.toUpperCase().replace(/[^A-Z0-9-]/g, '_')}`;
}

export interface StepRun {
  /** directory holding action.yml and dist/ */
  actionDir: string;
  /** the step's `with:` values, already expanded */
  with: Record<string, string>;
  giteaUrl: string;
  repository: string;
  token: string;
  actor: string;
  eventName: string;
  event: unknown;
  workspace: string;
  runId?: number;
  runAttempt?: number;
  extraEnv?: Record<string, string>;
  nodeArgs?: string[];
}

/** One `::command props::message` line of the step's stdout. */
export interface WorkflowCommand {
  command: string;
  props: Record<string, string>;
  message: string;
}

export interface StepResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  commands: WorkflowCommand[];
  /** the environment the step ran with (tokens included), for assertions about it */
  env: Record<string, string>;
}

/** Parses the GITHUB_OUTPUT file: `name=value` lines and `name<<DELIM` heredocs. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out[name!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProp(s: string): string {
  return unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** Parses `::name k=v,k=v::message` lines. */
export function parseCommands(stdout: string): WorkflowCommand[] {
  const out: WorkflowCommand[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
      const at = kv.indexOf('=');
      props[kv.slice(0, at)] = unescapeProp(kv.slice(at + 1));
    }
    out.push({ command: m[1]!, props, message: unescapeData(m[3]!) });
  }
  return out;
}

/** action.yml's inputs with their defaults, expressions expanded as the runner would. */
async function defaultedInputs(run: StepRun): Promise<Record<string, string>> {
  const action = parse(await readFile(join(run.actionDir, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = run.with[name] ?? String(spec.default ?? '');
    out[name] = value
      .replace(/\$\{\{\s*github\.token\s*\}\}/g, run.token)
      .replace(/\$\{\{\s*github\.server_url\s*\}\}/g, run.giteaUrl);
  }
  for (const [name, value] of Object.entries(run.with)) if (!(name in out)) out[name] = value;
  return out;
}

/** Runs one `uses:` step of our action; resolves when the process exits. */
export async function runStep(run: StepRun): Promise<StepResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'rfc-step-'));
  try {
    const files = {
      event: join(tmp, 'event.json'),
      output: join(tmp, 'output'),
      summary: join(tmp, 'summary'),
      env: join(tmp, 'env'),
      path: join(tmp, 'path'),
      state: join(tmp, 'state'),
    };
    for (const f of [files.output, files.summary, files.env, files.path, files.state]) await writeFile(f, '');
    await writeFile(files.event, JSON.stringify(run.event ?? {}));
    await mkdir(run.workspace, { recursive: true });
    const runnerTemp = join(tmp, 'runner-temp');
    await mkdir(runnerTemp);
    const [owner] = run.repository.split('/');
    const base: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITEA_ACTIONS: 'true',
      GITHUB_SERVER_URL: run.giteaUrl,
      GITHUB_API_URL: `${run.giteaUrl}/api/v1`,
      GITHUB_REPOSITORY: run.repository,
      GITHUB_REPOSITORY_OWNER: owner!,
      GITHUB_ACTOR: run.actor,
      GITHUB_EVENT_NAME: run.eventName,
      GITHUB_EVENT_PATH: files.event,
      GITHUB_WORKSPACE: run.workspace,
      GITHUB_RUN_ID: String(run.runId ?? 1),
      GITHUB_RUN_NUMBER: String(run.runId ?? 1),
      GITHUB_RUN_ATTEMPT: String(run.runAttempt ?? 1),
      GITHUB_JOB: 'job',
      GITHUB_ACTION: 'rfc',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: '0'.repeat(40),
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_ENV: files.env,
      GITHUB_PATH: files.path,
      GITHUB_STATE: files.state,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: runnerTemp,
      GITEA_OUTPUT: files.output,
      GITEA_STEP_SUMMARY: files.summary,
      GITEA_ENV: files.env,
      GITEA_PATH: files.path,
      GITEA_STATE: files.state,
    };
    const env: Record<string, string> = { ...base, ...run.extraEnv };
    for (const [name, value] of Object.entries(await defaultedInputs(run))) env[inputEnvName(name)] = value;
    const child = spawn(
      process.execPath,
      [...(run.nodeArgs ?? []), join(run.actionDir, 'dist', 'index.js')],
      {
        cwd: run.workspace,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? -1));
    });
    return {
      exitCode,
      stdout,
      stderr,
      outputs: parseOutputFile(await readFile(files.output, 'utf8')),
      summary: await readFile(files.summary, 'utf8'),
      commands: parseCommands(stdout),
      env,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
