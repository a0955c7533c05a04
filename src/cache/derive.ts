/**
 * The cache rules of PRODUCT.md as pure functions: from a mirror of what Gitea holds (entries,
 * branches, PRs, RFC repos) plus the gate's audit log to the artifact records. Both writers (the
 * full sweep and the targeted refresh) build a `Mirror` and call `buildArtifact`, so the same
 * Gitea state always gives the same records.
 */
import { classifyBranch, type Entry, parseOnBehalfOf, parseSupersedes } from '../entry/index.ts';
import type {
  Artifact,
  AuditRecord,
  BranchRecord,
  ChangeKind,
  IdeaRecord,
  ProblemReason,
  ProblemRecord,
  PrRecord,
  PrState,
  RfcRecord,
} from './model.ts';

/** An entry file as last seen: parsed, or the reasons it failed. */
export type EntryOutcome = { ok: true; entry: Entry } | { ok: false; reasons: ProblemReason[] };

/** One `rfcs/*.md` file of the meta repo; `deleted` when it left main (the last version is kept). */
export interface EntryState {
  path: string;
  sha: string;
  outcome: EntryOutcome;
  deleted: boolean;
}

/** A per-RFC repo as mirrored: its branches (name -> tip) and `RFC.md` on the default branch. */
export interface RepoState {
  exists: boolean;
  defaultBranch: string;
  branches: Map<string, string>;
  rfcMd: { sha: string; text: string } | null;
}

/** Everything the artifact is derived from. */
export interface Mirror {
  giteaUrl: string;
  metaRepo: string;
  defaultBranch: string;
  metaTip: string | null;
  /** by path */
  entries: Map<string, EntryState>;
  /** meta-repo branches whose name ties them to a slug: name -> tip */
  metaBranches: Map<string, string>;
  /** PR facts as Gitea reports them, keyed by `prKey`; derived fields are recomputed by `buildArtifact` */
  pulls: Map<string, PrRecord>;
  /** per-RFC repos of active entries, by owner/name */
  repos: Map<string, RepoState>;
  audit: AuditRecord[];
  /** cursors other than the PR cursor, which `buildArtifact` derives from the PRs */
  cursors: Record<string, string>;
  /** the bot's login: only its PRs take the `On-behalf-of` trailer (undefined: the Actions job token's user) */
  botLogin?: string;
  /** keeps this PR cursor instead of deriving it (a targeted refresh must not move the sweep's cursor) */
  pullsCursor?: string;
}

/** Bump when `buildArtifact` derives differently from the same mirror: a sweep then re-derives. */
export const DERIVATION = 2;

/** Audit ops whose success row names the person a PR was opened for. */
export const OPEN_PR_OPS: readonly string[] = [
  'propose_rfc',
  'open_body_edit_pr',
  'open_metadata_pr',
  'open_claim_pr',
  'open_branch_pr',
];
/** Audit ops whose success row means the author withdrew the PR. */
export const WITHDRAW_PR_OPS: readonly string[] = ['withdraw_branch_pr'];
/** The cursor holding the newest PR `updated_at` the artifact reflects. */
export const PULLS_CURSOR = 'pulls.since';
/** The cursor holding the meta repo's default-branch tip the entries were read at. */
export const META_TIP_CURSOR = 'meta.tip';

/** The key of a PR in a `Mirror`. */
export function prKey(repo: string, number: number): string {
  return `${repo}#${number}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The Gitea pull fields the reconciler reads (`PullRequest` in the swagger). */
export interface GiteaPull {
  number: number;
  title?: string;
  body?: string | null;
  state?: string;
  merged?: boolean;
  user?: { login?: string } | null;
  head?: { ref?: string; label?: string } | null;
  base?: { ref?: string } | null;
  html_url?: string;
  created_at?: string;
  updated_at?: string;
  merged_at?: string | null;
  closed_at?: string | null;
  merged_by?: { login?: string } | null;
}

/**
 * The head branch name of a pull. Once the head branch is deleted Gitea reports `head.ref` as
 * `refs/pull/N/head` and keeps the branch in `head.label` (`owner:branch` for a fork).
 */
export function headBranch(p: GiteaPull): string {
  const ref = p.head?.ref ?? '';
  if (!ref.startsWith('refs/pull/')) return ref;
  const label = p.head?.label ?? '';
  const colon = label.indexOf(':');
  return colon >= 0 ? label.slice(colon + 1) : label;
}

/** The raw PR record of a Gitea pull: derived fields hold their Gitea-only values until `finalizePrs`. */
export function pullToRecord(repo: string, kind: ChangeKind, p: GiteaPull): PrRecord {
  const body = p.body ?? '';
  const giteaState: PrRecord['giteaState'] = p.merged ? 'merged' : p.state === 'closed' ? 'closed' : 'open';
  const author = p.user?.login ?? '';
  return {
    repo,
    number: p.number,
    title: p.title ?? '',
    kind,
    head: headBranch(p),
    base: p.base?.ref ?? '',
    state: giteaState,
    openedBy: author,
    authorLogin: author,
    url: p.html_url ?? '',
    createdAt: p.created_at ?? '',
    updatedAt: p.updated_at ?? '',
    mergedAt: p.merged_at ?? null,
    closedAt: p.closed_at ?? null,
    mergedBy: p.merged_by?.login ?? null,
    supersedes: giteaState === 'merged' ? parseSupersedes(body) : [],
    supersededBy: null,
    supersededByLogin: null,
    withdrawnBy: null,
    giteaState,
    trailerLogin: parseOnBehalfOf(body),
  };
}

/** The kind of a meta-repo branch or PR head, and the slug it names (null when it names none). */
export function metaKind(name: string): { kind: ChangeKind; slug: string | null } {
  const c = classifyBranch(name);
  return { kind: c.kind, slug: c.slug };
}

/**
 * The login Gitea gives writes made with an Actions job token (models/user ActionsUserName);
 * only a workflow of the repo can write as it, so its trailers are as good as the bot's.
 */
const ACTIONS_USER = 'gitea-actions';

/** True when `author` is the bot (`botLogin`, or the Actions user when none is set); logins are case-insensitive. */
export function writtenByBot(author: string, botLogin?: string): boolean {
  const a = author.toLowerCase();
  return a === (botLogin ?? ACTIONS_USER).toLowerCase();
}

/**
 * Applies the PR rules to raw records of one or more repos: actor resolution (audit log, then the
 * `On-behalf-of` trailer on the bot's PRs, then the raw login), `withdrawn` from the audit log,
 * and `Supersedes: #N` (the merged PR closes N and N records who superseded it).
 */
export function finalizePrs(raw: PrRecord[], audit: AuditRecord[], botLogin?: string): PrRecord[] {
  const openedFor = new Map<string, string>();
  const withdrawnBy = new Map<string, string>();
  for (const a of audit) {
    if (a.outcome !== 'success' || a.number === null) continue;
    const k = prKey(a.repo, a.number);
    if (OPEN_PR_OPS.includes(a.op) && !openedFor.has(k)) openedFor.set(k, a.actor);
    if (WITHDRAW_PR_OPS.includes(a.op) && !withdrawnBy.has(k)) withdrawnBy.set(k, a.actor);
  }
  const out = raw.map((r): PrRecord => {
    const k = prKey(r.repo, r.number);
    const trusted = writtenByBot(r.authorLogin, botLogin);
    const openedBy = openedFor.get(k) ?? (trusted ? r.trailerLogin : null) ?? r.authorLogin;
    const withdrawer = r.giteaState === 'closed' ? (withdrawnBy.get(k) ?? null) : null;
    const state: PrState = withdrawer !== null ? 'withdrawn' : r.giteaState;
    return {
      ...r,
      state,
      openedBy,
      withdrawnBy: withdrawer,
      supersedes: r.giteaState === 'merged' ? r.supersedes : [],
      supersededBy: null,
      supersededByLogin: null,
    };
  });
  const byKey = new Map(out.map((r) => [prKey(r.repo, r.number), r]));
  // Several merged PRs may name the same N; the earliest merge wins, then the lower number.
  const superseders = out
    .filter((r) => r.giteaState === 'merged' && r.supersedes.length > 0)
    .sort((a, b) => cmp(a.mergedAt ?? '', b.mergedAt ?? '') || a.number - b.number);
  for (const m of superseders) {
    for (const n of m.supersedes) {
      const target = byKey.get(prKey(m.repo, n));
      if (!target || target.number === m.number || target.supersededBy !== null) continue;
      target.supersededBy = m.number;
      target.supersededByLogin = m.openedBy;
      if (target.giteaState === 'open') target.state = 'closed';
    }
  }
  return out.sort((a, b) => cmp(a.repo, b.repo) || a.number - b.number);
}

/**
 * Branch rows of one repo: every live branch, plus every PR head that is gone (state `deleted`),
 * so a rebuild from Gitea alone finds the same rows. `open` while the newest PR of the branch is
 * open or there is none; `closed` once it merged, closed or was withdrawn.
 */
export function branchRows(options: {
  repo: string;
  live: Map<string, string>;
  prs: PrRecord[];
  kindOf: (name: string) => ChangeKind;
}): BranchRecord[] {
  const { repo, live, prs, kindOf } = options;
  const newestPr = new Map<string, PrRecord>();
  for (const p of prs) {
    if (p.repo !== repo || p.head === '') continue;
    const seen = newestPr.get(p.head);
    if (!seen || p.number > seen.number) newestPr.set(p.head, p);
  }
  const names = new Set([...live.keys(), ...newestPr.keys()]);
  const rows: BranchRecord[] = [];
  for (const name of names) {
    const sha = live.get(name);
    const pr = newestPr.get(name);
    const state: BranchRecord['state'] =
      sha === undefined ? 'deleted' : pr === undefined || pr.state === 'open' ? 'open' : 'closed';
    rows.push({ repo, name, kind: kindOf(name), state, headSha: sha ?? null, synthetic: false });
  }
  return rows.sort((a, b) => cmp(a.name, b.name));
}

function repoProblem(repo: string): ProblemReason {
  return {
    field: 'repo',
    line: null,
    message: `RFC repo "${repo}" does not exist or the token cannot read it; create it or fix "repo"`,
  };
}

/** The whole artifact (audit log included, unchanged) from a mirror. */
export function buildArtifact(m: Mirror): Artifact {
  const metaPulls: PrRecord[] = [];
  const repoPulls = new Map<string, PrRecord[]>();
  for (const p of m.pulls.values()) {
    if (p.repo === m.metaRepo) metaPulls.push(p);
    else {
      const list = repoPulls.get(p.repo) ?? [];
      list.push(p);
      repoPulls.set(p.repo, list);
    }
  }

  const problems: ProblemRecord[] = [];
  const entries = [...m.entries.values()].sort((a, b) => cmp(a.path, b.path));
  const parsed: { state: EntryState; entry: Entry }[] = [];
  for (const e of entries) {
    if (e.outcome.ok) parsed.push({ state: e, entry: e.outcome.entry });
    else if (!e.deleted) problems.push({ file: e.path, sha: e.sha, reasons: e.outcome.reasons });
  }
  // A live file wins over a deleted one of the same slug (an entry moved back).
  const bySlug = new Map<string, { state: EntryState; entry: Entry }>();
  for (const p of parsed) {
    const seen = bySlug.get(p.entry.slug);
    if (!seen || (seen.state.deleted && !p.state.deleted)) bySlug.set(p.entry.slug, p);
  }

  const attachedRepos = new Set<string>();
  const included: PrRecord[] = [];
  for (const { entry } of bySlug.values()) {
    if (entry.state === 'active' && entry.repo) attachedRepos.add(entry.repo);
  }
  for (const p of metaPulls) {
    if (metaKind(p.head).slug !== null) included.push(p);
  }
  for (const r of attachedRepos) included.push(...(repoPulls.get(r) ?? []));
  const finals = finalizePrs(included, m.audit, m.botLogin);
  const finalMeta = finals.filter((p) => p.repo === m.metaRepo);

  const rfcs: RfcRecord[] = [];
  for (const slug of [...bySlug.keys()].sort(cmp)) {
    const { state: es, entry } = bySlug.get(slug)!;
    const metaPrs = finalMeta.filter((p) => metaKind(p.head).slug === slug);
    const metaLive = new Map([...m.metaBranches].filter(([name]) => metaKind(name).slug === slug));
    const branches = branchRows({
      repo: m.metaRepo,
      live: metaLive,
      prs: metaPrs,
      kindOf: (n) => metaKind(n).kind,
    });
    if (entry.state === 'super-draft' && m.metaTip) {
      branches.push({
        repo: m.metaRepo,
        name: m.defaultBranch,
        kind: 'main',
        state: 'open',
        headSha: m.metaTip,
        synthetic: true,
      });
    }
    const prs = [...metaPrs];
    let body = entry.body;
    let bodySource: RfcRecord['bodySource'] = 'entry';
    let bodySha: string | null = null;
    let entryBody: string | null = null;
    if (entry.state === 'active' && entry.repo) {
      const rs = m.repos.get(entry.repo);
      if (!rs?.exists) {
        if (!es.deleted) problems.push({ file: es.path, sha: es.sha, reasons: [repoProblem(entry.repo)] });
      } else {
        const own = finals.filter((p) => p.repo === entry.repo);
        prs.push(...own);
        branches.push(
          ...branchRows({
            repo: entry.repo,
            live: rs.branches,
            prs: own,
            kindOf: (n) => (n === rs.defaultBranch ? 'main' : 'rfc'),
          }),
        );
        if (rs.rfcMd) {
          body = rs.rfcMd.text;
          bodySource = 'rfc-repo';
          bodySha = rs.rfcMd.sha;
          entryBody = entry.body;
        }
      }
    }
    branches.sort(
      (a, b) => cmp(a.repo, b.repo) || cmp(a.name, b.name) || Number(a.synthetic) - Number(b.synthetic),
    );
    prs.sort((a, b) => cmp(a.repo, b.repo) || a.number - b.number);
    const withdrawal = entry.state === 'withdrawn' ? withdrawalOf(m, entry, es.path, metaPrs) : null;
    rfcs.push({
      slug,
      title: entry.title,
      state: entry.state,
      id: entry.id,
      repo: entry.repo,
      proposedBy: entry.proposed_by,
      proposedAt: entry.proposed_at,
      graduatedBy: entry.graduated_by,
      graduatedAt: entry.graduated_at,
      withdrawnBy: withdrawal?.by ?? null,
      withdrawnAt: withdrawal?.at ?? null,
      owners: [...entry.owners],
      arbiters: [...entry.arbiters],
      tags: [...entry.tags],
      body,
      bodySource,
      entryPath: es.path,
      entrySha: es.sha,
      bodySha,
      entryBody,
      deletedOutOfBand: es.deleted,
      branches,
      prs,
    });
  }

  const unattached = finalMeta.filter((p) => !bySlug.has(metaKind(p.head).slug ?? ''));
  const ideas: IdeaRecord[] = finalMeta
    .filter((p) => p.kind === 'propose' && p.state === 'open')
    .map((p) => ({
      slug: metaKind(p.head).slug ?? '',
      title: p.title,
      number: p.number,
      url: p.url,
      openedBy: p.openedBy,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    }))
    .sort((a, b) => a.number - b.number);

  const cursors: Record<string, string> = { ...m.cursors };
  delete cursors[PULLS_CURSOR];
  if (m.metaTip) cursors[META_TIP_CURSOR] = m.metaTip;
  else delete cursors[META_TIP_CURSOR];
  const newest =
    m.pullsCursor ??
    finals
      .map((p) => p.updatedAt)
      .sort(cmp)
      .at(-1) ??
    '';
  if (newest !== '') cursors[PULLS_CURSOR] = newest;

  return {
    meta: {
      schemaVersion: 1,
      giteaUrl: m.giteaUrl,
      metaRepo: m.metaRepo,
      defaultBranch: m.defaultBranch,
      cursors: sortRecord(cursors),
    },
    rfcs,
    ideas,
    problems: problems.sort((a, b) => cmp(a.file, b.file)),
    audit: m.audit,
    unattached,
  };
}

/**
 * Who withdrew an RFC, and when. `withdraw_rfc` commits the state straight to the default branch,
 * so its audit rows for the entry (the row's `url` is the entry's page) date it:
 * 1. the latest row that wrote (an RFC restored by hand and withdrawn again takes the second date);
 * 2. else the earliest row of an earlier version, which does not say whether it wrote;
 * 3. else the last merged metadata PR that may have set the state: not one the gate opened
 *    (`open_metadata_pr` cannot change `state`), not one merged before the RFC graduated, and not
 *    one merged after a row found the RFC already withdrawn;
 * 4. else the earliest row that found it withdrawn (a replay whose first response was lost).
 * Times are compared as instants: merged logs are not in time order. An out-of-band commit leaves
 * no date.
 */
function withdrawalOf(
  m: Mirror,
  entry: Entry,
  entryPath: string,
  metaPrs: PrRecord[],
): { by: string; at: string } | null {
  const suffix = `/${entryPath}`;
  let wrote: AuditRecord | null = null;
  let legacy: AuditRecord | null = null;
  let found: AuditRecord | null = null;
  const gateMetadata = new Set<number>();
  for (const a of m.audit) {
    if (a.outcome !== 'success' || a.repo !== m.metaRepo) continue;
    if (a.op === 'open_metadata_pr' && a.number !== null) gateMetadata.add(a.number);
    if (a.op !== 'withdraw_rfc' || !a.url?.endsWith(suffix)) continue;
    if (a.wrote === true) {
      if (!wrote || instant(a.at) >= instant(wrote.at)) wrote = a;
    } else if (a.wrote === false) {
      if (!found || instant(a.at) < instant(found.at)) found = a;
    } else if (!legacy || instant(a.at) < instant(legacy.at)) legacy = a;
  }
  const row = wrote ?? legacy;
  if (row) return { by: row.actor, at: wholeSeconds(row.at) };
  let last: PrRecord | null = null;
  for (const p of metaPrs) {
    if (p.kind !== 'metadata' || p.state !== 'merged' || !p.mergedAt || gateMetadata.has(p.number)) continue;
    const merged = instant(p.mergedAt);
    if (entry.graduated_at && !onOrAfter(merged, entry.graduated_at)) continue;
    if (found && merged > instant(found.at)) continue;
    if (!last || merged > instant(last.mergedAt!)) last = p;
  }
  if (last) return { by: last.openedBy, at: wholeSeconds(last.mergedAt!) };
  return found ? { by: found.actor, at: wholeSeconds(found.at) } : null;
}

/** Milliseconds since the epoch of an ISO 8601 time (any offset); NaN sorts as never. */
function instant(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** Whether instant `t` is at or after `when`: a date-only value (`YYYY-MM-DD`) counts from its UTC day. */
function onOrAfter(t: number, when: string): boolean {
  if (/^\d{4}-\d{2}-\d{2}$/.test(when)) return new Date(t).toISOString().slice(0, 10) >= when;
  return t >= instant(when);
}

/** An ISO 8601 time as RFC 3339 in UTC and whole seconds (the gate's clock writes milliseconds, Gitea does not). */
function wholeSeconds(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

function sortRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort(cmp)) out[k] = r[k]!;
  return out;
}

/** The entry a record was built from (unknown frontmatter keys are not kept in the artifact). */
export function entryFromRecord(r: RfcRecord): Entry {
  return {
    slug: r.slug,
    title: r.title,
    state: r.state,
    id: r.id,
    repo: r.repo,
    proposed_by: r.proposedBy,
    proposed_at: r.proposedAt,
    graduated_by: r.graduatedBy,
    graduated_at: r.graduatedAt,
    owners: [...r.owners],
    arbiters: [...r.arbiters],
    tags: [...r.tags],
    body: r.entryBody ?? r.body,
    extra: {},
  };
}

/**
 * The mirror an artifact was built from, as far as the artifact keeps it: the starting point of
 * an incremental sweep and of a targeted refresh.
 */
export function mirrorFromArtifact(a: Artifact, botLogin?: string): Mirror {
  const meta = a.meta;
  const entries = new Map<string, EntryState>();
  const metaBranches = new Map<string, string>();
  const pulls = new Map<string, PrRecord>();
  const repos = new Map<string, RepoState>();
  for (const p of a.problems) {
    if (p.reasons.some((r) => r.field === 'repo') && a.rfcs.some((r) => r.entryPath === p.file)) continue;
    entries.set(p.file, {
      path: p.file,
      sha: p.sha ?? '',
      outcome: { ok: false, reasons: p.reasons },
      deleted: false,
    });
  }
  for (const r of a.rfcs) {
    entries.set(r.entryPath, {
      path: r.entryPath,
      sha: r.entrySha ?? '',
      outcome: { ok: true, entry: entryFromRecord(r) },
      deleted: r.deletedOutOfBand,
    });
    for (const p of r.prs) pulls.set(prKey(p.repo, p.number), rawOf(p));
    for (const b of r.branches) {
      if (b.repo === meta.metaRepo && !b.synthetic && b.headSha !== null) metaBranches.set(b.name, b.headSha);
    }
    if (r.state === 'active' && r.repo) {
      const own = r.branches.filter((b) => b.repo === r.repo);
      const main = own.find((b) => b.kind === 'main');
      const live = new Map<string, string>();
      for (const b of own) if (b.headSha !== null) live.set(b.name, b.headSha);
      const exists = !a.problems.some(
        (p) => p.file === r.entryPath && p.reasons.some((x) => x.field === 'repo'),
      );
      repos.set(r.repo, {
        exists,
        defaultBranch: main?.name ?? 'main',
        branches: live,
        rfcMd: r.bodySource === 'rfc-repo' && r.bodySha ? { sha: r.bodySha, text: r.body } : null,
      });
    }
  }
  for (const p of a.unattached) pulls.set(prKey(p.repo, p.number), rawOf(p));
  let metaTip: string | null = meta.cursors[META_TIP_CURSOR] ?? null;
  if (metaTip === '') metaTip = null;
  const cursors = { ...meta.cursors };
  delete cursors[PULLS_CURSOR];
  const m: Mirror = {
    giteaUrl: meta.giteaUrl,
    metaRepo: meta.metaRepo,
    defaultBranch: meta.defaultBranch,
    metaTip,
    entries,
    metaBranches,
    pulls,
    repos,
    audit: a.audit,
    cursors,
  };
  if (botLogin !== undefined) m.botLogin = botLogin;
  return m;
}

/** A finalized record back to its Gitea-only facts. */
function rawOf(p: PrRecord): PrRecord {
  return {
    ...p,
    state: p.giteaState,
    openedBy: p.authorLogin,
    supersededBy: null,
    supersededByLogin: null,
    withdrawnBy: null,
  };
}
