/** `rfc-actions gate <op> --input JSON --as LOGIN --request ID [--json]`: one bot operation through the gate. */
import { checkoutEntries } from '../gate/entries.ts';
import { GateInputError, isOpName, OP_NAMES, opsUsage, requestTime, runGate } from '../gate/index.ts';
import { cacheRefresher } from '../gate/refresh.ts';
import { GiteaClient } from '../gitea/client.ts';
import {
  CliUsageError,
  CONNECTION_OPTIONS,
  CONNECTION_USAGE,
  parseVerbArgs,
  resolveConnection,
} from './common.ts';

const HEAD = `usage: rfc-actions gate <op> --input JSON --as LOGIN --request ID [--json] [options]

Runs one bot operation through the idempotent gate and prints its acknowledgement.
The same --request with the same input is a replay (writes nothing); the same --request with
another input is refused. Exit 0: success; 1: denied, refused or failed; 2: usage.

options:
  --input JSON      the operation's fields as a JSON object (see below)
  --as LOGIN        the person the bot acts for
  --request ID      what asked for the write: a comment id, an issue id, or run id plus attempt
  --requested-at TIME
                    when the request was made, by Gitea's clock (RFC 3339, e.g. the comment's
                    created_at): the probes of create_issue, add_comment and withdraw_branch_pr
                    then list only what changed since. Never give a later time: it hides earlier runs
  --source NAME     the kind of caller (default: cli)
  --bot-token TOKEN a bot user's token; graduate_rfc creates the RFC repo with it (env GATE_BOT_TOKEN)
  --out DIR         the artifact directory holding audit.jsonl (default: cache-artifacts)
  --no-refresh      skip the targeted cache refresh of --out after a write
  --workspace DIR   a checkout of the meta repo to read entries from, saving requests; a stale
                    one is safe (default: GITHUB_WORKSPACE when it is a checkout of the meta repo)
  --json            print the acknowledgement as one JSON object
${CONNECTION_USAGE}`;

/** The full usage: options, then every operation and its fields from the registry. */
export function usage(): string {
  return `${HEAD}\n\n${opsUsage()}`;
}

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  input: { type: 'string' },
  as: { type: 'string' },
  request: { type: 'string' },
  'requested-at': { type: 'string' },
  source: { type: 'string', default: 'cli' },
  'bot-token': { type: 'string' },
  out: { type: 'string', default: 'cache-artifacts' },
  json: { type: 'boolean', default: false },
  'no-refresh': { type: 'boolean', default: false },
  workspace: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Parses argv, runs the command, prints the ack; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const text = usage();
  const { values, positionals } = parseVerbArgs(argv, OPTIONS, text, true);
  if (values.help) {
    process.stdout.write(`${text}\n`);
    return 0;
  }
  const [op, ...extra] = positionals;
  if (op === undefined) throw new CliUsageError(`missing the operation: one of ${OP_NAMES.join(', ')}`, text);
  if (extra.length) throw new CliUsageError(`unexpected argument "${extra[0]}"`, text);
  if (!isOpName(op))
    throw new CliUsageError(`unknown operation "${op}": use one of ${OP_NAMES.join(', ')}`, text);
  if (values.input === undefined) throw new CliUsageError('missing "--input JSON"', text);
  if (!values.as) throw new CliUsageError('missing "--as LOGIN"', text);
  if (!values.request) throw new CliUsageError('missing "--request ID"', text);
  let requestedAt: string | null;
  try {
    requestedAt = requestTime(values['requested-at'], '--requested-at');
  } catch (e) {
    throw new CliUsageError((e as Error).message, text);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(values.input);
  } catch (e) {
    throw new CliUsageError(`"--input" is not JSON: ${(e as Error).message}`, text);
  }
  const conn = resolveConnection(values, process.env, text);
  if (!conn.token) throw new CliUsageError('no token: pass "--token" or set GITEA_TOKEN', text);
  const botToken = values['bot-token'] ?? process.env.GATE_BOT_TOKEN;
  const gitea = new GiteaClient({ baseUrl: conn.giteaUrl, token: conn.token });
  const botGitea = botToken ? new GiteaClient({ baseUrl: conn.giteaUrl, token: botToken }) : undefined;
  const metaRepo = `${conn.owner}/${conn.repo}`;
  const workspace = values.workspace ?? process.env.GITHUB_WORKSPACE;
  const entries = workspace ? await checkoutEntries(workspace, { repo: metaRepo }) : null;
  if (values.workspace !== undefined && entries === null) {
    throw new CliUsageError(
      `"--workspace" "${values.workspace}" is not a git checkout of "${metaRepo}"`,
      text,
    );
  }
  const afterWrite = values['no-refresh']
    ? undefined
    : cacheRefresher({ client: gitea, out: values.out, metaRepo });
  let ack: Awaited<ReturnType<typeof runGate>>;
  try {
    ack = await runGate(
      {
        op,
        repo: metaRepo,
        payload: payload as Record<string, unknown>,
        actor: values.as,
        source: values.source,
        request: values.request,
      },
      {
        gitea,
        botGitea,
        clock: { now: () => new Date() },
        auditDir: values.out,
        ...(afterWrite ? { afterWrite } : {}),
        ...(entries ? { entries } : {}),
        ...(requestedAt ? { requestedAt } : {}),
      },
    );
  } catch (e) {
    if (e instanceof GateInputError) throw new CliUsageError(e.message, text);
    throw e;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(ack)}\n`);
  } else {
    const where = [ack.number !== null ? `#${ack.number}` : null, ack.url].filter(Boolean).join(' ');
    const status = !ack.success ? 'FAILED' : ack.prior_execution ? 'ok (prior execution)' : 'ok';
    process.stdout.write(
      `${ack.op}: ${status}${where ? ` ${where}` : ''}\n  ${ack.message}\n  key ${ack.key}\n`,
    );
  }
  return ack.success ? 0 : 1;
}
