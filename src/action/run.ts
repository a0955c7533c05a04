/**
 * The action's orchestration: one `run(options, deps)` per command, all recording into the
 * run's report. `runAction` dispatches on `options.command`.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readArtifact } from '../cache/artifact.ts';
import type { Artifact } from '../cache/model.ts';
import { reconcile } from '../cache/reconcile.ts';
import { type Ack, type Command, runGate } from '../gate/index.ts';
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
    await rm(target, { recursive: true, force: true });
    await cp(outDir, target, { recursive: true });
    deps.report.note(`Copied the site to "${options.publishDir}".`);
  }
}

/** Files of the artifact directory that are never committed: the regenerated SQLite cache, staging. */
function notCommitted(path: string): boolean {
  return /(^|\/)\./.test(path) || /\.sqlite(-\w+)?$/.test(path) || path.endsWith('.tmp');
}

/** Commits the workspace artifact to the cache branch when it differs; records the outcome. */
export async function commitArtifactDir(
  options: ActionOptions,
  deps: ActionDeps,
  why: string,
): Promise<boolean> {
  if (!options.commit) return false;
  const res = await publishDir(
    {
      owner: options.owner,
      repo: options.repo,
      branch: options.cacheBranch,
      dir: inWorkspace(options, options.artifactDir),
      prefix: options.artifactDir,
      exclude: notCommitted,
      message: `Update the RFC cache artifact (${why})`,
    },
    deps,
  );
  if (res.outcome === 'unchanged') return false;
  deps.report.wrote(
    `committed the artifact to "${options.cacheBranch}": ${res.files.create} added, ${res.files.update} changed, ${res.files.delete} removed`,
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

/**
 * Sweeps Gitea into the workspace artifact (incrementally from what is there unless `full`);
 * reports it. A sweep whose only change is meta.json's cursors keeps the committed meta.json:
 * the meta repo's `updated_at` cursor moves with every commit to the cache or site branch, so
 * committing it would make each run commit again. The next sweep re-derives it, a few reads more.
 */
async function sweep(options: ActionOptions, deps: ActionDeps, full: boolean) {
  const metaPath = join(inWorkspace(options, options.artifactDir), 'meta.json');
  const before = await readFile(metaPath, 'utf8').catch(() => null);
  const res = await reconcile(
    {
      out: inWorkspace(options, options.artifactDir),
      metaRepo: `${options.owner}/${options.repo}`,
      full,
      botLogin: await botLogin(deps),
    },
    { client: deps.gitea },
  );
  deps.report.count('RFCs', res.counts.rfcs);
  deps.report.count('branches', res.counts.branches);
  deps.report.count('PRs', res.counts.prs);
  deps.report.count('entry problems', res.counts.problems);
  deps.report.count('Gitea requests', res.requests.total);
  deps.report.problems = res.problems;
  deps.report.output('problems', String(res.problems.length));
  deps.report.note(`${res.mode} sweep; entries read from ${res.entrySource}.`);
  if (
    before !== null &&
    res.written.length === 1 &&
    res.written[0] === 'meta.json' &&
    res.removed.length === 0
  ) {
    const after = await readFile(metaPath, 'utf8');
    const { cursors: _a, ...a } = JSON.parse(before) as Record<string, unknown>;
    const { cursors: _b, ...b } = JSON.parse(after) as Record<string, unknown>;
    if (JSON.stringify(a) === JSON.stringify(b)) {
      await writeFile(metaPath, before);
      deps.report.note('Only the sweep cursors moved: nothing to commit.');
      return { ...res, changed: false, written: [] };
    }
  }
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
  const committed = await commitArtifactDir(options, deps, `${res.mode} sweep`);
  if (!options.commit && res.changed) deps.report.output('changed', 'true');
  if (!committed && options.commit)
    deps.report.note(`The artifact in "${options.cacheBranch}" is already current.`);
}

/**
 * `event`: brings the artifact up to date after the triggering event and commits it when it
 * changed. The incremental sweep reads only what moved since the artifact's cursors.
 */
export async function runEvent(options: ActionOptions, deps: ActionDeps): Promise<void> {
  await pullArtifact(options, deps);
  deps.report.note(`Event "${options.eventName}".`);
  const res = await sweep(options, deps, false);
  await commitArtifactDir(options, deps, `${options.eventName} event`);
  if (!options.commit && res.changed) deps.report.output('changed', 'true');
}

/** The issue_comment payload fields the bot reads (go-gitea/gitea modules/structs/hook.go IssueCommentPayload). */
interface IssueCommentPayload {
  action?: string;
  issue?: { number: number; title: string; body: string | null; pull_request?: unknown | null };
  comment?: { id: number; body: string; user: { login: string } };
  is_pull?: boolean;
}

/** `gate`: one dispatched operation (`op`), or the slash commands of the triggering comment. */
export async function runGateCommand(options: ActionOptions, deps: ActionDeps): Promise<void> {
  await pullArtifact(options, deps);
  const auditDir = inWorkspace(options, options.artifactDir);
  const acks: Ack[] = [];
  const gate = async (command: Command): Promise<Ack> => {
    const ack = await runGate(command, {
      gitea: deps.botGitea ?? deps.gitea,
      botGitea: deps.botGitea ?? undefined,
      clock: deps.clock,
      auditDir,
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
      const ctx = await commentContext(options, deps);
      if (ctx) {
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

async function commentContext(options: ActionOptions, deps: ActionDeps): Promise<CommentContext | null> {
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
  const bot = await botLogin(deps);
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
  };
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
