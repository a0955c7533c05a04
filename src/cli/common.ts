/** Shared pieces of the CLI verbs: usage errors and the Gitea connection options. */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A verb module: parses its own argv slice and returns the process exit code. */
export interface VerbModule {
  main(argv: string[]): Promise<number>;
}

/** A mistake in how the command was called; the entry prints the message and the usage, exit 2. */
export class CliUsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** Options every verb that talks to Gitea accepts. */
export const CONNECTION_OPTIONS = {
  'gitea-url': { type: 'string' },
  token: { type: 'string' },
  repo: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Options of the verbs that keep and commit the artifact (`reconcile`, `event`). */
export const ARTIFACT_OPTIONS = {
  out: { type: 'string' },
  json: { type: 'boolean' },
  workspace: { type: 'string' },
  bot: { type: 'string' },
  commit: { type: 'boolean' },
  branch: { type: 'string' },
  path: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const CONNECTION_USAGE = `connection:
  --gitea-url URL   Gitea base URL (env GITEA_URL, then GITHUB_SERVER_URL)
  --token TOKEN     API token (env GITEA_TOKEN)
  --repo OWNER/NAME the meta repo (env GITHUB_REPOSITORY)`;

/** Typed Gitea connection settings resolved from flags, then the environment. */
export interface Connection {
  giteaUrl: string;
  token: string | undefined;
  owner: string;
  repo: string;
}

/** Resolves `--gitea-url`, `--token` and `--repo` against the environment; throws a usage error naming what is missing. */
export function resolveConnection(
  values: { 'gitea-url'?: string; token?: string; repo?: string },
  env: NodeJS.ProcessEnv,
  usage: string,
): Connection {
  const giteaUrl = values['gitea-url'] ?? env.GITEA_URL ?? env.GITHUB_SERVER_URL;
  if (!giteaUrl) throw new CliUsageError('no Gitea URL: pass "--gitea-url" or set GITEA_URL', usage);
  const full = values.repo ?? env.GITHUB_REPOSITORY;
  if (!full)
    throw new CliUsageError('no meta repo: pass "--repo OWNER/NAME" or set GITHUB_REPOSITORY', usage);
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(full);
  if (!m) throw new CliUsageError(`"--repo" must be OWNER/NAME, got "${full}"`, usage);
  return { giteaUrl, token: values.token ?? env.GITEA_TOKEN, owner: m[1]!, repo: m[2]! };
}

/** parseArgs with strict checking, turning its errors into usage errors. */
export function parseVerbArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  usage: string,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    throw new CliUsageError((e as Error).message, usage);
  }
}
