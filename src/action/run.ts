/**
 * The action's orchestration: one `run(options, deps)` per command, all recording into the
 * run's report. `runAction` dispatches on `options.command`.
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readArtifact } from '../cache/artifact.ts';
import type { Artifact } from '../cache/model.ts';
import { GiteaClient } from '../gitea/client.ts';
import { buildSite } from '../site/build.ts';
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

/** Reads the committed artifact from the cache branch into the workspace's artifact dir. */
export async function pullArtifact(options: ActionOptions, deps: ActionDeps): Promise<Artifact | null> {
  const into = inWorkspace(options, options.artifactDir);
  await mkdir(into, { recursive: true });
  const res = await readBranchDir(
    { owner: options.owner, repo: options.repo, branch: options.cacheBranch, dir: options.artifactDir, into },
    deps,
  );
  if (res.outcome === 'missing-branch' || res.files.length === 0) return null;
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
    if (res.outcome === 'unchanged') deps.report.note(`Branch "${options.publishBranch}" already holds this site.`);
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

const COMMANDS: Record<ActionCommand, ((o: ActionOptions, d: ActionDeps) => Promise<unknown>) | null> = {
  reconcile: null,
  event: null,
  gate: null,
  site: runSite,
  publish: runPublish,
};

/** Runs `options.command`. */
export async function runAction(options: ActionOptions, deps: ActionDeps): Promise<void> {
  const run = COMMANDS[options.command];
  if (!run) throw new Error(`command "${options.command}" is not available in this build of the action`);
  await run(options, deps);
}
