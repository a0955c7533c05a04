/**
 * The action's entry (action.yml `main`, bundled to dist/index.js): inputs and environment
 * in, `runAction(options, deps)`, then outputs, annotations, job summary and exit code out.
 * Every output gets its default first, so a failed step still leaves defined outputs.
 */
import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { OUTPUT_DEFAULTS, type OutputName, readOptions } from './action/inputs.ts';
import { checkNative, type NativeBuild } from './action/native.ts';
import { problemAnnotations, RunReport, renderSummary } from './action/report.ts';

/** dist/native.json beside the bundle; absent when running from source. */
async function nativeBuild(): Promise<NativeBuild | null> {
  try {
    return JSON.parse(await readFile(new URL('./native.json', import.meta.url), 'utf8')) as NativeBuild;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown).write();
}

let summaryWritten = false;

async function main(): Promise<void> {
  for (const [name, value] of Object.entries(OUTPUT_DEFAULTS)) core.setOutput(name, value);
  for (const name of ['token', 'bot-token'] as const) {
    const secret = core.getInput(name);
    if (secret) core.setSecret(secret);
  }
  const options = readOptions((name) => core.getInput(name), process.env, process.cwd());
  const check = checkNative(options.command, await nativeBuild(), {
    modules: process.versions.modules,
    version: process.version,
    platform: process.platform,
    arch: process.arch,
  });
  if (!check.ok) throw new Error(check.message);

  const report = new RunReport();
  let failure: Error | null = null;
  try {
    // Loaded only now: the commands and their dependencies are most of the bundle, and the
    // outputs' defaults and the masks above must reach the runner before anything can fail.
    const { defaultDeps, runAction } = await import('./action/run.ts');
    await runAction(options, defaultDeps(options, { report, log: (line) => core.debug(line) }));
  } catch (e) {
    failure = e as Error;
  }
  for (const [name, value] of Object.entries(report.outputs)) core.setOutput(name as OutputName, value);
  for (const a of problemAnnotations(report.problems)) {
    const props = { title: a.title, file: a.file ?? undefined, startLine: a.line ?? undefined };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
  const base = report.fileBase;
  await writeSummary(
    renderSummary(options.command, report, failure ? describe(failure) : null, (f) =>
      base ? base + f : null,
    ),
  );
  summaryWritten = true;
  if (failure) throw failure;
}

/** The message and its causes, one per line: the outermost says what to do. */
function describe(e: Error): string {
  const lines = [e.message];
  for (let c = e.cause; c instanceof Error && lines.length < 5; c = c.cause)
    lines.push(`caused by: ${c.message}`);
  return lines.join('\n');
}

try {
  await main();
} catch (e) {
  const err = e as Error;
  if (!summaryWritten) {
    await writeSummary(`## rfc-actions: failed\n\n> **Error:** ${err.message}\n`).catch(() => undefined);
  }
  core.setFailed(describe(err));
}
