/** `rfc-actions reconcile`: sweep Gitea into the cache artifact, optionally committing it. */
import { type CommitOutcome, commitArtifact, restoreArtifact } from '../cache/commit.ts';
import { type ReconcileResult, reconcile } from '../cache/reconcile.ts';
import { GiteaClient } from '../gitea/index.ts';
import {
  ARTIFACT_OPTIONS,
  CONNECTION_OPTIONS,
  CONNECTION_USAGE,
  parseVerbArgs,
  resolveConnection,
} from './common.ts';

const USAGE = `usage: rfc-actions reconcile [--full] [--out DIR] [--json] [--commit [--branch NAME]]

Mirrors the meta repo, its PRs and the repos of active RFCs into the artifact in DIR. The
artifact already in DIR is the starting point: only what changed since is read from Gitea.

options:
  --full             rebuild from Gitea alone (the audit log in DIR is kept)
  --out DIR          the artifact directory (default cache-artifacts)
  --json             print one JSON object: changed, counts, problems, requests, durationMs
  --workspace DIR    a checkout of the meta repo to read entries from (env GITHUB_WORKSPACE)
  --bot LOGIN        the bot's login, whose PRs carry On-behalf-of trailers (env RFC_BOT_LOGIN;
                     default gitea-actions, the Actions job token's user)
  --commit           commit the artifact to the meta repo's cache branch when it changed
                     (an empty DIR is first filled from that branch, so the sweep is incremental)
  --branch NAME      the cache branch (default rfc-cache)
  --path DIR         folder inside the cache branch (default cache-artifacts)
${CONNECTION_USAGE}`;

/** The meta repo's git URL for committing the artifact. */
export function remoteUrl(giteaUrl: string, owner: string, repo: string): string {
  return `${giteaUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/${owner}/${repo}.git`;
}

/** What `reconcile` and `event` share: connection, artifact dir, sweep options and the cache-branch commit. */
export interface ArtifactJob {
  out: string;
  metaRepo: string;
  client: GiteaClient;
  /** token, workspace and bot login for `reconcile`/`refresh`, when given */
  sweep: { token?: string; workspace?: string; botLogin?: string };
  /** commits the artifact when `--commit` was given (else null); `regenerate` re-sweeps on a new tip */
  commit(regenerate: () => Promise<void>): Promise<CommitOutcome | null>;
}

/** Resolves the shared options; with `--commit`, first fills an empty artifact dir from the cache branch. */
export async function prepareArtifactJob(
  values: {
    'gitea-url'?: string;
    token?: string;
    repo?: string;
    out?: string;
    workspace?: string;
    bot?: string;
    commit?: boolean;
    branch?: string;
    path?: string;
  },
  env: NodeJS.ProcessEnv,
  usage: string,
): Promise<ArtifactJob> {
  const conn = resolveConnection(values, env, usage);
  const out = values.out ?? 'cache-artifacts';
  const client = new GiteaClient({ baseUrl: conn.giteaUrl, token: conn.token, concurrency: 8 });
  const workspace = values.workspace ?? env.GITHUB_WORKSPACE;
  const bot = values.bot ?? env.RFC_BOT_LOGIN;
  const remote = remoteUrl(client.baseUrl, conn.owner, conn.repo);
  const branchOpts = {
    ...(values.branch ? { branch: values.branch } : {}),
    ...(values.path ? { path: values.path } : {}),
  };
  const token = conn.token;
  if (values.commit) {
    if (!token) throw new Error('"--commit" needs a token: pass "--token" or set GITEA_TOKEN');
    await restoreArtifact({ out, remoteUrl: remote, token, ...branchOpts });
  }
  return {
    out,
    metaRepo: `${conn.owner}/${conn.repo}`,
    client,
    sweep: {
      ...(token ? { token } : {}),
      ...(workspace ? { workspace } : {}),
      ...(bot ? { botLogin: bot } : {}),
    },
    commit: async (regenerate) =>
      values.commit && token
        ? commitArtifact({ out, remoteUrl: remote, token, ...branchOpts, regenerate })
        : null,
  };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs(
    argv,
    {
      ...CONNECTION_OPTIONS,
      full: { type: 'boolean' },
      ...ARTIFACT_OPTIONS,
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const job = await prepareArtifactJob(values, process.env, USAGE);
  const tty = process.stderr.isTTY === true;
  const run = (full: boolean): Promise<ReconcileResult> =>
    reconcile(
      {
        out: job.out,
        metaRepo: job.metaRepo,
        full,
        ...job.sweep,
        ...(tty ? { progress: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
      },
      { client: job.client },
    );
  const result = await run(values.full === true);
  if (tty) process.stderr.write('\r\x1b[K');
  const commit: CommitOutcome | null = await job.commit(async () => {
    await run(false);
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...result, commit })}\n`);
  } else {
    const c = result.counts;
    process.stdout.write(
      `${result.mode} sweep: ${result.changed ? `changed (${result.written.length} written, ${result.removed.length} removed)` : 'no change'}; ` +
        `${c.rfcs} RFCs, ${c.branches} branches, ${c.prs} PRs, ${c.problems} problems; ` +
        `${result.requests.total} requests in ${result.durationMs} ms\n`,
    );
    for (const p of result.problems) {
      process.stdout.write(`  problem: ${p.file}: ${p.reasons.map((r) => r.message).join('; ')}\n`);
    }
    if (commit) process.stdout.write(`commit: ${commit.result}${commit.commit ? ` ${commit.commit}` : ''}\n`);
  }
  return 0;
}
