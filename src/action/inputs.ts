/**
 * The action's inputs and outputs (mirrors action.yml, which a test keeps in step) and
 * their resolution into typed options. Pure: the entry passes a getter and the environment.
 */

export const ACTION_COMMANDS = ['reconcile', 'event', 'gate', 'site', 'publish'] as const;
export type ActionCommand = (typeof ACTION_COMMANDS)[number];

/** Every input of action.yml, in its order. */
export const INPUT_NAMES = [
  'command',
  'token',
  'bot-token',
  'gitea-url',
  'meta-repo',
  'cache-branch',
  'artifact-dir',
  'commit',
  'full',
  'site-dir',
  'site-base-url',
  'publish-branch',
  'publish-dir',
  'op',
  'op-input',
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

/** Every output of action.yml with the value it has until a command sets it. */
export const OUTPUT_DEFAULTS = {
  changed: 'false',
  problems: '0',
  ack: '',
  acks: '[]',
  'site-dir': '',
  published: 'false',
  commit: '',
} as const;
export type OutputName = keyof typeof OUTPUT_DEFAULTS;

/** The environment variables the runner sets that the action reads. */
export interface RunnerEnv {
  GITHUB_SERVER_URL?: string;
  GITHUB_REPOSITORY?: string;
  GITHUB_ACTOR?: string;
  GITHUB_EVENT_NAME?: string;
  GITHUB_EVENT_PATH?: string;
  GITHUB_RUN_ID?: string;
  GITHUB_RUN_ATTEMPT?: string;
  GITHUB_WORKSPACE?: string;
  [name: string]: string | undefined;
}

/** Everything a command needs to know about how it was called. */
export interface ActionOptions {
  command: ActionCommand;
  token: string;
  botToken: string | null;
  giteaUrl: string;
  owner: string;
  repo: string;
  cacheBranch: string;
  artifactDir: string;
  commit: boolean;
  full: boolean;
  siteDir: string;
  siteBaseUrl: string | null;
  publishBranch: string | null;
  publishDir: string | null;
  op: string | null;
  opInput: Record<string, unknown>;
  actor: string;
  eventName: string;
  eventPath: string | null;
  /**
   * `run:<run id>`: the request a dispatched operation answers. The attempt is left out on
   * purpose: re-running a run (a new attempt) must find the first attempt's write, not repeat it.
   */
  runRequest: string;
  /** absolute directory relative paths resolve against */
  workspace: string;
}

/** An input is missing or invalid; the message names it and says what to pass. */
export class ActionInputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionInputError';
  }
}

const BRANCH = /^(?!\/|.*\/\/|.*\.\.|.*\/$|.*\.lock$|.*@\{)[^\s~^:?*[\\\x00-\x1f\x7f]+$/;

/** Resolves the inputs against the runner's environment; throws `ActionInputError` naming the input. */
export function readOptions(input: (name: InputName) => string, env: RunnerEnv, cwd: string): ActionOptions {
  const get = (name: InputName) => input(name).trim();
  const optional = (name: InputName) => get(name) || null;

  const command = get('command');
  if (!(ACTION_COMMANDS as readonly string[]).includes(command)) {
    throw new ActionInputError(
      'command',
      `input "command" must be one of ${ACTION_COMMANDS.join(', ')}; got "${command}". Set "with: command:" in the workflow step`,
    );
  }
  const token = get('token');
  if (!token) {
    throw new ActionInputError(
      'token',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an Actions expression the user writes
      'input "token" is empty: pass "token: ${{ github.token }}" (the default) or a personal access token',
    );
  }
  const giteaUrl = (get('gitea-url') || env.GITHUB_SERVER_URL || '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(giteaUrl)) {
    throw new ActionInputError(
      'gitea-url',
      `input "gitea-url" must be the Gitea base URL such as "https://gitea.example.com"; got "${giteaUrl}" (empty means GITHUB_SERVER_URL)`,
    );
  }
  const metaRepo = get('meta-repo') || env.GITHUB_REPOSITORY || '';
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(metaRepo);
  if (!m) {
    throw new ActionInputError(
      'meta-repo',
      `input "meta-repo" must be "owner/name"; got "${metaRepo}" (empty means GITHUB_REPOSITORY)`,
    );
  }
  const branch = (name: InputName, value: string | null): string | null => {
    if (value !== null && !BRANCH.test(value)) {
      throw new ActionInputError(name, `input "${name}" is not a valid branch name: "${value}"`);
    }
    return value;
  };
  const flag = (name: InputName, fallback: 'true' | 'false'): boolean => {
    const raw = get(name) || fallback;
    if (raw !== 'true' && raw !== 'false') {
      throw new ActionInputError(name, `input "${name}" must be "true" or "false"; got "${raw}"`);
    }
    return raw === 'true';
  };
  const opInputRaw = get('op-input') || '{}';
  let opInput: unknown;
  try {
    opInput = JSON.parse(opInputRaw);
  } catch (cause) {
    throw Object.assign(
      new ActionInputError('op-input', `input "op-input" is not valid JSON: ${(cause as Error).message}`),
      { cause },
    );
  }
  if (opInput === null || typeof opInput !== 'object' || Array.isArray(opInput)) {
    throw new ActionInputError('op-input', 'input "op-input" must be a JSON object such as {"number": 3}');
  }
  const actor = env.GITHUB_ACTOR ?? '';
  if (!actor)
    throw new ActionInputError(
      'GITHUB_ACTOR',
      'GITHUB_ACTOR is not set: run the action inside a workflow job',
    );
  const workspace = env.GITHUB_WORKSPACE || cwd;
  return {
    command: command as ActionCommand,
    token,
    botToken: optional('bot-token'),
    giteaUrl,
    owner: m[1]!,
    repo: m[2]!,
    cacheBranch: branch('cache-branch', get('cache-branch') || 'rfc-cache')!,
    artifactDir: get('artifact-dir') || 'cache-artifacts',
    commit: flag('commit', 'true'),
    full: flag('full', 'false'),
    siteDir: get('site-dir') || 'site-out',
    siteBaseUrl: optional('site-base-url'),
    publishBranch: branch('publish-branch', optional('publish-branch')),
    publishDir: optional('publish-dir'),
    op: optional('op'),
    opInput: opInput as Record<string, unknown>,
    actor,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    eventPath: env.GITHUB_EVENT_PATH || null,
    runRequest: `run:${env.GITHUB_RUN_ID ?? '0'}`,
    workspace,
  };
}
