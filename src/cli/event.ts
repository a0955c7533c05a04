/** `rfc-actions event`: refresh the cache artifact for one Gitea Actions event. */
import { readFile } from 'node:fs/promises';
import { reconcile } from '../cache/reconcile.ts';
import { refresh } from '../cache/refresh.ts';
import {
  ARTIFACT_OPTIONS,
  CliUsageError,
  CONNECTION_OPTIONS,
  CONNECTION_USAGE,
  parseVerbArgs,
} from './common.ts';
import { prepareArtifactJob } from './reconcile.ts';

const USAGE = `usage: rfc-actions event [--name NAME] [--payload FILE] [--out DIR] [--json] [--commit [--branch NAME]]

Refreshes only what one event touched: a push to the meta repo's default branch re-reads the
changed entries, a pull_request re-reads that PR, create/delete re-list that repo's branches.

options:
  --name NAME        the event name (env GITHUB_EVENT_NAME)
  --payload FILE     the event payload JSON (env GITHUB_EVENT_PATH)
  --out DIR          the artifact directory (default cache-artifacts)
  --json             print one JSON object
  --workspace DIR    a checkout of the meta repo (env GITHUB_WORKSPACE)
  --bot LOGIN        the bot's login (env RFC_BOT_LOGIN)
  --commit           commit the artifact to the cache branch when it changed
  --branch NAME      the cache branch (default rfc-cache)
  --path DIR         folder inside the cache branch (default cache-artifacts)
${CONNECTION_USAGE}`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs(
    argv,
    {
      ...CONNECTION_OPTIONS,
      name: { type: 'string' },
      payload: { type: 'string' },
      ...ARTIFACT_OPTIONS,
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const name = values.name ?? process.env.GITHUB_EVENT_NAME;
  if (!name) throw new CliUsageError('no event name: pass "--name" or set GITHUB_EVENT_NAME', USAGE);
  const file = values.payload ?? process.env.GITHUB_EVENT_PATH;
  if (!file) throw new CliUsageError('no payload: pass "--payload FILE" or set GITHUB_EVENT_PATH', USAGE);
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new Error(`cannot read the event payload "${file}" as JSON`, { cause });
  }
  const job = await prepareArtifactJob(values, process.env, USAGE);
  const { out, metaRepo, client } = job;
  const result = await refresh({ out, metaRepo, event: { name, payload }, ...job.sweep }, { client });
  const commit = result.changed
    ? await job.commit(async () => {
        await reconcile({ out, metaRepo, ...job.sweep }, { client });
      })
    : null;
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result, commit })}\n`);
  else {
    process.stdout.write(
      `${result.action}: ${result.reason}; ${result.changed ? `${result.written.length} files written` : 'no change'}; ${result.requests.total} requests\n`,
    );
  }
  return 0;
}
