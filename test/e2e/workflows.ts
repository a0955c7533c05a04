/**
 * Dispatches one event to the workflow files of a meta repo the way Gitea does: picks the
 * workflows whose `on:` matches (a pull_request event also triggers `pull_request_target`;
 * Gitea's `synchronized` matches the `synchronize` type), evaluates job and step `if:`,
 * expands `with:`, and runs each `uses:` step of our action through the runner contract
 * harness in a fresh workspace per job.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runStep, type StepResult } from '../action/runner.ts';
import { condition, type ExprContext, interpolate, type Value } from './expr.ts';

export interface World {
  giteaUrl: string;
  repository: string;
  /** the job token (`github.token`) */
  jobToken: string;
  secrets: Record<string, string>;
  /** the directory of the action a full-URL `uses:` names; throws for anything else */
  resolveAction(uses: string): Promise<string>;
  nextRunId(): number;
}

export interface RunEvent {
  name: string;
  payload: Record<string, unknown>;
  /** workflow_dispatch inputs */
  inputs?: Record<string, string>;
  /** who caused the event (`github.actor`) */
  actor: string;
}

export interface StepRecord {
  name: string;
  id: string | null;
  skipped: boolean;
  result: StepResult | null;
}

export interface JobRecord {
  workflow: string;
  job: string;
  eventName: string;
  runId: number;
  ran: boolean;
  failed: boolean;
  steps: StepRecord[];
}

interface WorkflowFile {
  name?: string;
  on: Record<string, { types?: string[]; inputs?: Record<string, { default?: string }> } | null>;
  jobs: Record<
    string,
    {
      if?: string;
      steps: {
        name?: string;
        id?: string;
        if?: string;
        uses?: string;
        run?: string;
        with?: Record<string, string>;
      }[];
    }
  >;
}

/** The workflow event names a repository event triggers. */
function triggerNames(event: string): string[] {
  return event === 'pull_request' ? ['pull_request', 'pull_request_target'] : [event];
}

function typeMatches(spec: { types?: string[] } | null | undefined, action: unknown): boolean {
  if (!spec?.types || typeof action !== 'string') return true;
  const normalized = action === 'synchronized' ? 'synchronize' : action;
  return spec.types.includes(normalized);
}

/**
 * Runs every job of every workflow in `dir` that `event` triggers. The workflows run at the
 * same time, as on Gitea (where `concurrency:` is ignored before 1.26), so the jobs must
 * tolerate each other's writes.
 */
export async function dispatch(dir: string, event: RunEvent, world: World): Promise<JobRecord[]> {
  const runs: Promise<JobRecord>[] = [];
  for (const file of (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const wf = parse(await readFile(join(dir, file), 'utf8')) as WorkflowFile;
    for (const trigger of triggerNames(event.name)) {
      if (!(trigger in wf.on) || !typeMatches(wf.on[trigger], event.payload.action)) continue;
      const defaults = Object.fromEntries(
        Object.entries(wf.on.workflow_dispatch?.inputs ?? {}).map(([k, v]) => [k, v.default ?? '']),
      );
      const inputs = trigger === 'workflow_dispatch' ? { ...defaults, ...event.inputs } : {};
      for (const [jobName, job] of Object.entries(wf.jobs)) {
        runs.push(runJob({ file, jobName, job, trigger, event, inputs, world }));
      }
    }
  }
  return Promise.all(runs);
}

async function runJob(a: {
  file: string;
  jobName: string;
  job: WorkflowFile['jobs'][string];
  trigger: string;
  event: RunEvent;
  inputs: Record<string, string>;
  world: World;
}): Promise<JobRecord> {
  const { world, event } = a;
  const runId = world.nextRunId();
  const steps: Record<string, { outputs: Record<string, string> }> = {};
  const ctx: ExprContext = {
    github: {
      event_name: a.trigger,
      event: event.payload as Value,
      repository: world.repository,
      server_url: world.giteaUrl,
      token: world.jobToken,
      actor: event.actor,
      run_id: String(runId),
      ref: typeof event.payload.ref === 'string' ? (event.payload.ref as string) : 'refs/heads/main',
    },
    inputs: a.inputs,
    secrets: world.secrets,
    steps: steps as unknown as Value,
  };
  const record: JobRecord = {
    workflow: a.file,
    job: a.jobName,
    eventName: a.trigger,
    runId,
    ran: false,
    failed: false,
    steps: [],
  };
  const status = { failed: false };
  if (!condition(a.job.if, ctx, status)) return record;
  record.ran = true;
  const workspace = await mkdtemp(join(tmpdir(), 'rfc-job-'));
  try {
    for (const s of a.job.steps) {
      const name = s.name ?? s.uses ?? s.run ?? '?';
      if (!condition(s.if, ctx, status)) {
        record.steps.push({ name, id: s.id ?? null, skipped: true, result: null });
        continue;
      }
      if (!s.uses)
        throw new Error(`step "${name}" of ${a.file} is not a uses: step; this runner runs our action only`);
      const withValues = Object.fromEntries(
        Object.entries(s.with ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]),
      );
      const result = await runStep({
        actionDir: await world.resolveAction(s.uses),
        with: withValues,
        giteaUrl: world.giteaUrl,
        repository: world.repository,
        token: world.jobToken,
        actor: event.actor,
        eventName: a.trigger,
        event: event.payload,
        workspace,
        runId,
      });
      if (s.id) steps[s.id] = { outputs: result.outputs };
      record.steps.push({ name, id: s.id ?? null, skipped: false, result });
      if (result.exitCode !== 0) status.failed = true;
    }
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
  record.failed = status.failed;
  return record;
}
