/**
 * The records of the committed cache artifact: the contract between the reconciler
 * (writer), the gate (audit log) and the site (reader). Field names are part of the
 * artifact's public format (schemaVersion 1); extend, never rename.
 */

export type RfcState = 'super-draft' | 'active' | 'withdrawn';
export type PrState = 'open' | 'merged' | 'closed' | 'withdrawn';
/** `open`: the branch exists and has no finished PR; `closed`: it exists and its PR merged or closed; `deleted`: gone from Gitea. */
export type BranchState = 'open' | 'closed' | 'deleted';
/** What a branch or PR is for, from its name (PRODUCT.md lifecycle). `rfc`: any branch/PR in an RFC's own repo. */
export type ChangeKind = 'propose' | 'edit' | 'metadata' | 'claim' | 'main' | 'rfc' | 'other';

/** One branch of the meta repo (tied to an RFC by name) or of an RFC's own repo. */
export interface BranchRecord {
  repo: string; // owner/name
  name: string;
  kind: ChangeKind;
  state: BranchState;
  headSha: string | null; // null once deleted and never seen
  /** true for the row that mirrors the meta repo's main tip for a super-draft */
  synthetic: boolean;
}

/** One pull request touching an RFC. */
export interface PrRecord {
  repo: string; // owner/name
  number: number;
  title: string;
  kind: ChangeKind;
  head: string; // branch name
  base: string;
  state: PrState;
  /** the person: audit log on-behalf-of, then the On-behalf-of trailer, then the raw login */
  openedBy: string;
  /** the login Gitea reports as the PR's author (may be the bot) */
  authorLogin: string;
  url: string; // html_url
  createdAt: string; // ISO 8601 from Gitea
  updatedAt: string;
  mergedAt: string | null;
  closedAt: string | null;
  mergedBy: string | null;
  /** numbers of PRs (same repo) this PR's body declared `Supersedes: #N` for, when merged */
  supersedes: number[];
  supersededBy: number | null;
  supersededByLogin: string | null;
  withdrawnBy: string | null;
  /** the state Gitea reports, before the audit log and `Supersedes:` lines are applied */
  giteaState: 'open' | 'merged' | 'closed';
  /** the login of the body's `On-behalf-of:` trailer, when there is one */
  trailerLogin: string | null;
}

/** One RFC: the parsed entry plus its live body, branches and PRs. */
export interface RfcRecord {
  slug: string;
  title: string;
  state: RfcState;
  id: number | null;
  repo: string | null; // owner/name of the RFC's own repo
  proposedBy: string | null;
  proposedAt: string | null;
  graduatedBy: string | null;
  graduatedAt: string | null;
  /** who withdrew a withdrawn RFC: see `withdrawalOf` in derive.ts; null while not withdrawn or when unknown */
  withdrawnBy: string | null;
  /** when (RFC 3339, whole seconds); null while not withdrawn or when unknown */
  withdrawnAt: string | null;
  owners: string[];
  arbiters: string[];
  tags: string[];
  /** Markdown: the entry body, or the RFC repo's RFC.md for active RFCs */
  body: string;
  bodySource: 'entry' | 'rfc-repo';
  entryPath: string; // rfcs/<slug>.md
  entrySha: string | null; // blob sha of the entry file
  bodySha: string | null; // blob sha of RFC.md when bodySource is rfc-repo
  /** the entry file's own body when `body` comes from the RFC repo; null when `body` is the entry body */
  entryBody: string | null;
  /** the entry file disappeared from the meta repo without going through the process */
  deletedOutOfBand: boolean;
  branches: BranchRecord[]; // sorted by repo, name
  prs: PrRecord[]; // sorted by repo, number
}

/** An open propose PR: an idea not yet merged. */
export interface IdeaRecord {
  slug: string;
  title: string;
  number: number;
  url: string;
  openedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** One reason an entry file failed validation. */
export interface ProblemReason {
  field: string | null;
  line: number | null;
  message: string;
}

/** An entry file that failed to parse or validate; listed, never silently dropped. */
export interface ProblemRecord {
  file: string; // rfcs/<name>.md
  sha: string | null;
  reasons: ProblemReason[];
}

export type AuditOutcome = 'pending' | 'success' | 'failed' | 'denied';

/** One row of the gate's audit log: intent first, then outcome (same key). */
export interface AuditRecord {
  key: string;
  op: string;
  repo: string;
  actor: string; // the person the bot acted for
  source: string; // e.g. slash-command, dispatch, cli
  request: string; // comment id, issue id, or run id + attempt
  outcome: AuditOutcome;
  number: number | null; // issue/PR number written, when any
  url: string | null;
  message: string;
  at: string; // ISO 8601, when the gate recorded the row
  /**
   * success rows only: true when this call wrote, false when it found the effect already there (a
   * replay, or a desired state already met). Absent from rows of earlier versions.
   */
  wrote?: boolean;
}

/** Top-level facts of the artifact (`meta.json`). */
export interface ArtifactMeta {
  schemaVersion: 1;
  giteaUrl: string; // base URL, no trailing slash
  metaRepo: string; // owner/name
  defaultBranch: string;
  /** opaque sweep cursors; values derive from Gitea data, never from the clock */
  cursors: Record<string, string>;
}

/** The whole artifact in memory. */
export interface Artifact {
  meta: ArtifactMeta;
  rfcs: RfcRecord[]; // sorted by slug
  ideas: IdeaRecord[]; // sorted by number
  problems: ProblemRecord[]; // sorted by file
  audit: AuditRecord[]; // in log order
  /** meta-repo PRs whose branch names a slug that has no entry (yet); kept so an incremental sweep can attach them later */
  unattached: PrRecord[]; // sorted by repo, number
}
