/**
 * The action's orchestration: one `run(options, deps)` per command, all recording into the
 * run's report. `runAction` dispatches on `options.command`.
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { readArtifact } from '../cache/artifact.ts';
import { commitArtifact } from '../cache/commit.ts';
import type { Artifact, ProblemRecord } from '../cache/model.ts';
import { reconcile } from '../cache/reconcile.ts';
import { refresh } from '../cache/refresh.ts';
import { type Ack, type Command, requestTime, runGate } from '../gate/index.ts';
import { GiteaClient } from '../gitea/client.ts';
import { buildSite } from '../site/build.ts';
import { type CommentContext, runComment } from './bot.ts';
import { readBranchDir } from './branch-files.ts';
import type { ActionCommand, ActionOptions } from './inputs.ts';
import { publishDir } from './publish.ts';
import type { RunReport } from './report.ts';

/** What every command needs; tests pass their own clients and clock. */
export interface ActionDeps {
  gitea: GiteaClient;
  /** the bot user's client when `bot-token` is set */
  botGitea: GiteaClient | null;
  clock: { now(): Date };
  report: RunReport;
}

/** The production dependencies for `options`. */
export function defaultDeps(
  options: ActionOptions,
  extra: { report: RunReport; log?: (line: string) => void; fetch?: typeof fetch },
): ActionDeps {
  const client = (token: string) =>
    new GiteaClient({ baseUrl: options.giteaUrl, token, log: extra.log, fetch: extra.fetch });
  return {
    gitea: client(options.token),
    botGitea: options.botToken ? client(options.botToken) : null,
    clock: { now: () => new Date() },
    report: extra.report,
  };
}

/** A path input resolved against the workspace. */
export function inWorkspace(options: ActionOptions, path: string): string {
  return isAbsolute(path) ? path : join(options.workspace, path);
}

/** Reads the committed artifact from the cache branch into the workspace's artifact dir; null when there is none yet. */
export async function pullArtifact(options: ActionOptions, deps: ActionDeps): Promise<Artifact | null> {
  const into = inWorkspace(options, options.artifactDir);
  await mkdir(into, { recursive: true });
  const res = await readBranchDir(
    { owner: options.owner, repo: options.repo, branch: options.cacheBranch, dir: options.artifactDir, into },
    deps,
  );
  // The branch may hold the gate's audit log alone, before the first sweep.
  if (res.outcome === 'missing-branch' || !res.files.includes('meta.json')) return null;
  return readArtifact(into);
}

function noArtifact(options: ActionOptions): Error {
  return new Error(
    `no cache artifact in "${options.artifactDir}/" of branch "${options.cacheBranch}" of ${options.owner}/${options.repo}: ` +
      'run the rfc-reconcile workflow (command "reconcile") once to create it',
  );
}

/** `site`: builds the static site from the committed artifact. */
export async function runSite(options: ActionOptions, deps: ActionDeps): Promise<string> {
  const artifact = await pullArtifact(options, deps);
  if (!artifact) throw noArtifact(options);
  deps.report.fileBase = `${artifact.meta.giteaUrl}/${artifact.meta.metaRepo}/src/branch/${artifact.meta.defaultBranch}/`;
  deps.report.problems = artifact.problems;
  deps.report.output('problems', String(artifact.problems.length));
  const outDir = inWorkspace(options, options.siteDir);
  const built = await buildSite({ artifact, outDir, baseUrl: options.siteBaseUrl ?? undefined });
  deps.report.count('RFCs', built.rfcs);
  deps.report.count('ideas', artifact.ideas.length);
  deps.report.count('site pages written', built.pagesWritten);
  deps.report.count('site pages unchanged', built.pagesUnchanged);
  deps.report.count('entry problems', artifact.problems.length);
  for (const w of built.warnings) deps.report.note(w);
  deps.report.output('site-dir', outDir);
  return outDir;
}

/** `publish`: builds the site, commits it to `publish-branch`, copies it to `publish-dir`. */
export async function runPublish(options: ActionOptions, deps: ActionDeps): Promise<void> {
  const outDir = await runSite(options, deps);
  if (options.publishBranch) {
    const res = await publishDir(
      {
        owner: options.owner,
        repo: options.repo,
        branch: options.publishBranch,
        dir: outDir,
        message: 'Publish the RFC site',
      },
      deps,
    );
    const url = `${options.giteaUrl}/${options.owner}/${options.repo}/src/branch/${options.publishBranch}`;
    if (res.outcome === 'unchanged')
      deps.report.note(`Branch "${options.publishBranch}" already holds this site.`);
    else {
      deps.report.wrote(
        `${res.outcome === 'created' ? 'created' : 'updated'} branch "${options.publishBranch}": ${res.files.create} added, ${res.files.update} changed, ${res.files.delete} removed`,
        url,
      );
      deps.report.output('changed', 'true');
      deps.report.output('published', 'true');
      deps.report.output('commit', res.commit);
    }
  }
  if (options.publishDir) {
    const target = inWorkspace(options, options.publishDir);
    // The directory is replaced whole: never one that holds the workspace or the built site.
    const holds = (inner: string) =>
      !relative(target, inner).startsWith('..') && !isAbsolute(relative(target, inner));
    if (holds(options.workspace) || holds(outDir)) {
      throw new Error(
        `input "publish-dir" is "${options.publishDir}", which contains the workspace or "site-dir": name a directory of its own, e.g. "public"`,
      );
    }
    await rm(target, { recursive: true, force: true });
    await cp(outDir, target, { recursive: true });
    deps.report.note(`Copied the site to "${options.publishDir}".`);
  }
}

/** Commits the workspace artifact to the cache branch when it differs (cursors aside); records the outcome. */
export async function commitArtifactDir(
  options: ActionOptions,
  deps: ActionDeps,
  why: string,
): Promise<boolean> {
  if (!options.commit) return false;
  const res = await commitArtifact({
    out: inWorkspace(options, options.artifactDir),
    remoteUrl: `${options.giteaUrl}/${options.owner}/${options.repo}.git`,
    // The job token's pushes trigger no workflow, so the cache branch never feeds back into events.
    token: options.token,
    branch: options.cacheBranch,
    path: options.artifactDir,
    message: `Update the RFC cache artifact (${why})`,
    // After another run's audit rows were merged in, re-derive the artifact from the new state.
    regenerate: async () => {
      await sweep(options, deps, false);
    },
  });
  if (res.result === 'unchanged' || res.commit === null) return false;
  deps.report.wrote(
    `committed the artifact to "${options.cacheBranch}"`,
    `${options.giteaUrl}/${options.owner}/${options.repo}/commit/${res.commit}`,
  );
  deps.report.output('changed', 'true');
  deps.report.output('commit', res.commit);
  return true;
}

/** The bot user's login, when a bot token is set (its PRs are attributed to the person they were for). */
async function botLogin(deps: ActionDeps): Promise<string | undefined> {
  if (!deps.botGitea) return undefined;
  const res = await deps.botGitea.request<{ login: string }>('GET', '/user');
  return res.data.login;
}

function reportProblems(
  options: ActionOptions,
  deps: ActionDeps,
  problems: ProblemRecord[],
  defaultBranch: string,
) {
  deps.report.problems = problems;
  deps.report.output('problems', String(problems.length));
  deps.report.fileBase = `${options.giteaUrl}/${options.owner}/${options.repo}/src/branch/${defaultBranch}/`;
}

/** Sweeps Gitea into the workspace artifact (incrementally from what is there unless `full`); reports it. */
async function sweep(options: ActionOptions, deps: ActionDeps, full: boolean) {
  const out = inWorkspace(options, options.artifactDir);
  const res = await reconcile(
    {
      out,
      metaRepo: `${options.owner}/${options.repo}`,
      full,
      botLogin: await botLogin(deps),
      token: options.token,
    },
    { client: deps.gitea },
  );
  deps.report.count('RFCs', res.counts.rfcs);
  deps.report.count('branches', res.counts.branches);
  deps.report.count('PRs', res.counts.prs);
  deps.report.count('entry problems', res.counts.problems);
  deps.report.count('Gitea requests', res.requests.total);
  const artifact = await readArtifact(out);
  reportProblems(options, deps, artifact.problems, artifact.meta.defaultBranch);
  deps.report.note(`${res.mode} sweep; entries read from ${res.entrySource}.`);
  if (res.changed)
    deps.report.note(`Artifact files changed: ${[...res.written, ...res.removed].join(', ')}.`);
  return res;
}

/** `reconcile`: sweeps Gitea into the artifact (from the committed one) and commits it. */
export async function runReconcile(options: ActionOptions, deps: ActionDeps): Promise<void> {
  await pullArtifact(options, deps).catch((cause) => {
    throw new Error(`cannot read the committed artifact from branch "${options.cacheBranch}"`, { cause });
  });
  const res = await sweep(options, deps, options.full);
  // The workspace started as the branch's artifact: an unchanged sweep has nothing to commit.
  const committed = res.changed && (await commitArtifactDir(options, deps, `${res.mode} sweep`));
  if (!options.commit && res.changed) deps.report.output('changed', 'true');
  if (!committed && options.commit)
    deps.report.note(`The artifact in "${options.cacheBranch}" is already current.`);
}

/**
 * `event`: applies what the triggering event touched to the artifact (a targeted refresh;
 * with no artifact yet, a full sweep) and commits it when it changed.
 */
export async function runEvent(options: ActionOptions, deps: ActionDeps): Promise<void> {
  if (!options.eventPath)
    throw new Error('GITHUB_EVENT_PATH is not set: run the action inside a workflow job');
  await pullArtifact(options, deps);
  const out = inWorkspace(options, options.artifactDir);
  // refresh reads the branch's live tip itself, so a re-run of an old push cannot roll the artifact back.
  const payload = JSON.parse(await readFile(options.eventPath, 'utf8')) as Record<string, unknown>;
  const res = await refresh(
    {
      out,
      metaRepo: `${options.owner}/${options.repo}`,
      event: { name: options.eventName, payload },
      botLogin: await botLogin(deps),
      token: options.token,
    },
    { client: deps.gitea },
  );
  deps.report.note(`Event "${options.eventName}": ${res.action}, ${res.reason}`);
  deps.report.count('Gitea requests', res.requests.total);
  if (res.changed)
    deps.report.note(`Artifact files changed: ${[...res.written, ...res.removed].join(', ')}.`);
  const artifact = await readArtifact(out).catch(() => null);
  if (artifact) {
    deps.report.count('RFCs', artifact.rfcs.length);
    reportProblems(options, deps, artifact.problems, artifact.meta.defaultBranch);
  }
  if (res.changed) await commitArtifactDir(options, deps, `${options.eventName} event`);
  if (!options.commit && res.changed) deps.report.output('changed', 'true');
}

/** The issue_comment payload fields the bot reads (go-gitea/gitea modules/structs/hook.go IssueCommentPayload). */
interface IssueCommentPayload {
  action?: string;
  issue?: { number: number; title: string; body: string | null; pull_request?: unknown | null };
  comment?: { id: number; body: string; user: { login: string }; created_at?: string };
  is_pull?: boolean;
}

/** `gate`: one dispatched operation (`op`), or the slash commands of the triggering comment. */
export async function runGateCommand(options: ActionOptions, deps: ActionDeps): Promise<void> {
  await pullArtifact(options, deps);
  const auditDir = inWorkspace(options, options.artifactDir);
  const acks: Ack[] = [];
  // The comment's created_at, by Gitea's clock: nothing a run of its commands made is older.
  let requestedAt: string | undefined;
  // With a bot token the gate writes as the bot: its login, once read here, spares the gate a GET /user.
  let bot: Promise<string | undefined> | undefined;
  const knownBot = () => {
    bot ??= botLogin(deps);
    return bot;
  };
  const gate = async (command: Command): Promise<Ack> => {
    const writer = bot ? await bot : undefined;
    const ack = await runGate(command, {
      gitea: deps.botGitea ?? deps.gitea,
      botGitea: deps.botGitea ?? undefined,
      clock: deps.clock,
      auditDir,
      ...(writer ? { botLogin: writer } : {}),
      ...(requestedAt ? { requestedAt } : {}),
    });
    acks.push(ack);
    const what = `${command.op}${ack.number ? ` #${ack.number}` : ''}: ${ack.message}`;
    if (ack.success) deps.report.wrote(what, ack.url, ack.prior_execution);
    else deps.report.note(`${command.op} not done: ${ack.message}`);
    return ack;
  };
  try {
    if (options.op) {
      await gate({
        op: options.op as Command['op'],
        repo: `${options.owner}/${options.repo}`,
        payload: options.opInput,
        actor: options.actor,
        source: 'dispatch',
        request: options.runRequest,
      });
    } else {
      const ctx = await commentContext(options, deps, knownBot);
      if (ctx) {
        requestedAt = ctx.createdAt ?? undefined;
        const lines = await runComment(ctx, { gate });
        deps.report.count('commands', lines.length);
      }
    }
  } finally {
    deps.report.count('acknowledgements', acks.length);
    deps.report.output('acks', JSON.stringify(acks));
    if (acks.length > 0) deps.report.output('ack', JSON.stringify(acks[acks.length - 1]));
    // Writes made with the job token trigger no workflow, so this job refreshes the cache
    // itself; the audit log is part of the artifact, so it is committed even after a failure.
    if (acks.some((a) => !a.prior_execution)) {
      await sweep(options, deps, false);
      await commitArtifactDir(options, deps, 'gate');
    }
  }
  const failed = acks.filter((a) => !a.success);
  if (options.op && failed.length > 0) {
    throw new Error(`operation "${options.op}" was not done: ${failed[0]!.message}`);
  }
}

async function commentContext(
  options: ActionOptions,
  deps: ActionDeps,
  knownBot: () => Promise<string | undefined>,
): Promise<CommentContext | null> {
  if (options.eventName !== 'issue_comment') {
    throw new Error(
      `command "gate" without "op" reads slash commands from an issue_comment event, but this run is "${options.eventName}": set "op" (and "op-input") for workflow_dispatch`,
    );
  }
  if (!options.eventPath)
    throw new Error('GITHUB_EVENT_PATH is not set: run the action inside a workflow job');
  const payload = JSON.parse(await readFile(options.eventPath, 'utf8')) as IssueCommentPayload;
  if (payload.action && payload.action !== 'created') {
    deps.report.note(`Comment ${payload.action}: only new comments run commands.`);
    return null;
  }
  const { issue, comment } = payload;
  if (!issue || !comment) throw new Error(`event file "${options.eventPath}" has no "issue" or "comment"`);
  const bot = await knownBot();
  if (bot && comment.user.login.toLowerCase() === bot.toLowerCase()) {
    deps.report.note("The comment is the bot's own: nothing to do.");
    return null;
  }
  let prHead: string | null = null;
  if (issue.pull_request || payload.is_pull) {
    const pr = await deps.gitea.request<{ head: { ref: string } }>(
      'GET',
      '/repos/{owner}/{repo}/pulls/{index}',
      {
        path: { owner: options.owner, repo: options.repo, index: issue.number },
      },
    );
    prHead = pr.data.head.ref;
  }
  return {
    repo: `${options.owner}/${options.repo}`,
    issueNumber: issue.number,
    issueTitle: issue.title,
    issueBody: issue.body ?? '',
    prHead,
    commentId: comment.id,
    commentBody: comment.body,
    author: comment.user.login,
    createdAt: validTime(comment.created_at),
  };
}

/** An event time the gate can bound its probes with, or null (a payload without one costs reads, never a failure). */
function validTime(raw: string | undefined): string | null {
  if (typeof raw !== 'string') return null;
  try {
    return requestTime(raw);
  } catch {
    return null;
  }
}

const COMMANDS: Record<ActionCommand, ((o: ActionOptions, d: ActionDeps) => Promise<unknown>) | null> = {
  reconcile: runReconcile,
  event: runEvent,
  gate: runGateCommand,
  site: runSite,
  publish: runPublish,
};

/** Runs `options.command`. */
export async function runAction(options: ActionOptions, deps: ActionDeps): Promise<void> {
  const run = COMMANDS[options.command];
  if (!run) throw new Error(`command "${options.command}" is not available in this build of the action`);
  await run(options, deps);
}
