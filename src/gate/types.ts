/** The gate's public types: commands, acknowledgements, dependencies and errors. */
import type { GiteaClient } from '../gitea/client.ts';
import type { AuthMatrix, Permission } from './auth.ts';

/** Every operation the gate knows, in the order usage lists them. */
export const OP_NAMES = [
  'create_issue',
  'add_comment',
  'close_issue',
  'assign_issue',
  'merge_pr',
  'propose_rfc',
  'start_edit_branch',
  'open_body_edit_pr',
  'open_metadata_pr',
  'open_claim_pr',
  'open_branch_pr',
  'withdraw_branch_pr',
  'graduate_rfc',
  'withdraw_rfc',
] as const;

export type OpName = (typeof OP_NAMES)[number];

/** True when `s` names an operation. */
export function isOpName(s: string): s is OpName {
  return (OP_NAMES as readonly string[]).includes(s);
}

/** One bot write request. `repo` is owner/name: the meta repo for RFC operations, else the target repo. */
export interface Command {
  op: OpName;
  repo: string;
  payload: Record<string, unknown>;
  /** the Gitea login the bot acts for */
  actor: string;
  /** what kind of caller asked: e.g. `slash-command`, `dispatch`, `cli` */
  source: string;
  /** what asked for the write: a comment id, an issue id, or a run id plus attempt */
  request: string;
}

/** The acknowledgement of one command. */
export interface Ack {
  success: boolean;
  key: string;
  op: OpName;
  url: string | null;
  number: number | null;
  message: string;
  /** true when this call wrote nothing because the effect was already in Gitea */
  prior_execution: boolean;
  /** ISO 8601: when the effect was made (the earlier run's time on a replay); null when nothing ran */
  executed_at: string | null;
}

/** An object a command wrote or found, for the targeted cache refresh. */
export type Touched =
  | { kind: 'issue'; repo: string; number: number }
  | { kind: 'pull'; repo: string; number: number }
  | { kind: 'branch'; repo: string; branch: string }
  | { kind: 'entry'; repo: string; slug: string }
  | { kind: 'repo'; repo: string };

/** Called once after a command that wrote, before `runGate` returns (the targeted cache refresh). */
export type AfterWrite = (info: {
  command: Command;
  key: string;
  ack: Ack;
  touched: Touched[];
}) => Promise<void>;

/** Tunables of the gate; every field has a default (`DEFAULT_GATE_CONFIG`). */
export interface GateConfig {
  /** who may run what; see `DEFAULT_MATRIX` */
  matrix: AuthMatrix;
  /** runs of an operation within one call when a write's outcome is unknown or Gitea fails transiently */
  attempts: number;
  /** how long to wait on a claim branch held by another run before treating it as abandoned */
  lockWaitMs: number;
  /** pause between probes while waiting on a claim */
  lockPollMs: number;
  /** pause before re-running an operation after a transient failure */
  retryDelayMs: number;
  /**
   * owner/name of the meta repo, when commands may name another repo (an RFC's own repo, where a
   * slash command was written); null: the command's repo is the meta repo
   */
  metaRepo: string | null;
  /** the branch PRs target and new branches start from, in the meta repo and RFC repos */
  defaultBranch: string;
  /** org or user that receives graduated RFC repos; default: the meta repo's owner */
  rfcRepoOwner: string | null;
  /** name of an RFC repo from its id */
  rfcRepoName: (id: number) => string;
  /**
   * command `source` -> the access its actor is known to hold on the command's repo without a
   * lookup (see `DEFAULT_SOURCE_PROOF`); only "anyone who can comment" cells use it
   */
  sourceProof: Readonly<Record<string, Permission>>;
}

/**
 * Entries of the meta repo's default branch from somewhere cheaper than the API, such as a local
 * checkout (`checkoutEntries`). It may be stale: the gate only uses it where a write carries the
 * blob sha it read, or after checking the shas against the API.
 */
export interface EntrySource {
  /** where the entries come from, for messages */
  readonly label: string;
  /** `rfcs/*.md` as this source has them: path -> git blob sha */
  list(): Promise<Map<string, string>>;
  /** the texts of blobs `list` named, by sha */
  texts(shas: string[]): Promise<Map<string, string>>;
}

/** What `runGate` needs. */
export interface GateDeps {
  gitea: GiteaClient;
  /** a bot user's client; graduate_rfc creates the RFC repo with it (the job token cannot) */
  botGitea?: GiteaClient;
  clock: { now(): Date };
  /**
   * directory of the cache artifact; the gate appends to its `audit.jsonl`, and reads its
   * `rfcs/<slug>.json` rows only where a fresh listing or a later read checks them
   */
  auditDir: string;
  afterWrite?: AfterWrite;
  sleep?: (ms: number) => Promise<void>;
  config?: Partial<GateConfig>;
  /** a checkout of the meta repo to read entries from (fewer requests; stale copies are safe) */
  entries?: EntrySource;
  /**
   * the login of `gitea`'s user, when the caller knows it; only that user's issues and PRs have
   * their `On-behalf-of` trailer trusted. Without it the gate asks `GET /user`, once per run and
   * only when a trailer names someone other than the issue's or PR's Gitea author
   */
  botLogin?: string;
  /**
   * when the request was made, by Gitea's clock (RFC 3339; the comment's `created_at` for a slash
   * command). Nothing a run of the request made can be older, so the probes that list issues or
   * comments ask only for those updated since (Gitea's `since`): create_issue, add_comment and
   * withdraw_branch_pr then read one page however long the repo's or thread's history. A time later
   * than the request would hide its earlier runs: give it only from Gitea's own record
   */
  requestedAt?: string;
}

/** The command is malformed (unknown op, missing or wrong field); nothing was written. */
export class GateInputError extends Error {
  constructor(
    message: string,
    readonly op: string | null,
  ) {
    super(message);
    this.name = 'GateInputError';
  }
}

/** The command cannot run as asked (e.g. the same request with another payload); nothing was written. */
export class GateRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GateRefusedError';
  }
}

/** The actor lacks the role the operation needs; nothing was written. */
export class GateDeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateDeniedError';
  }
}
