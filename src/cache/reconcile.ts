/**
 * The scheduled reconciler. An incremental sweep starts from the artifact in `out` and asks Gitea
 * only what changed: the org's repo list (`updated_at` per repo, one page per 50 repos), one issue
 * search for PRs updated since the PR cursor, and then only the repos, trees, blobs and PRs whose
 * cursors moved. `full` ignores the previous artifact (except the gate's audit log) and re-reads
 * everything; both give byte-identical artifacts for the same Gitea state.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEntry } from '../entry/index.ts';
import type { GiteaClient } from '../gitea/index.ts';
import { readArtifact, stableJson } from './artifact.ts';
import {
  buildArtifact,
  DERIVATION,
  type EntryOutcome,
  type EntryState,
  type GiteaPull,
  headBranch,
  type Mirror,
  metaKind,
  mirrorFromArtifact,
  PULLS_CURSOR,
  prKey,
  pullToRecord,
  type RepoState,
} from './derive.ts';
import * as api from './fetch.ts';
import { eachLimit, limiter, startOnce } from './limit.ts';
import * as local from './local-git.ts';
import type { Artifact, AuditRecord, ProblemRecord, PrRecord } from './model.ts';
import { AUDIT_FILE, SQLITE_FILE, writeArtifact } from './store.ts';
import { gitBlobId } from './tar.ts';

/** Options of one sweep. */
export interface ReconcileOptions {
  /** the artifact directory: the starting point of an incremental sweep, replaced by the result */
  out: string;
  /** the meta repo, owner/name */
  metaRepo: string;
  /** rebuild from Gitea alone (the audit log is kept) */
  full?: boolean;
  /** a checkout of the meta repo; used for entries when its HEAD is the default branch's tip */
  workspace?: string;
  /** the bot's login (see `Mirror.botLogin`) */
  botLogin?: string;
  /**
   * extra seconds the PR search reaches back before the cursor (default 0: Gitea's `since` is
   * inclusive, so PRs updated later in the cursor's own second are found without it)
   */
  overlapSeconds?: number;
  /** compute only; write nothing */
  dryRun?: boolean;
  /** regenerate `cache.sqlite` (default true) */
  sqlite?: boolean;
  /** the token for git's smart HTTP (sent as an `http.extraHeader` through the environment) */
  token?: string;
  /** read every entry with a shallow `git fetch` when there is no usable workspace (default true) */
  gitFetch?: boolean;
  /** where that fetch keeps its bare repo (default: a temp dir removed after the sweep) */
  gitCacheDir?: string;
  /** one line per step, for a terminal */
  progress?: (line: string) => void;
}

/** Dependencies of a sweep. */
export interface ReconcileDeps {
  client: GiteaClient;
}

/** What a sweep did (the `--json` output of `rfc-actions reconcile`). */
export interface ReconcileResult {
  mode: 'full' | 'incremental';
  changed: boolean;
  written: string[];
  removed: string[];
  counts: { rfcs: number; branches: number; prs: number; problems: number };
  problems: ProblemRecord[];
  requests: { total: number; byMethod: Record<string, number> };
  entrySource: 'workspace' | 'git' | 'api' | 'unchanged';
  durationMs: number;
}

/** A sweep that failed; nothing was written. */
export class SweepError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SweepError';
  }
}

/** Reads `audit.jsonl` from `dir` (empty when absent); a malformed line names the file and line. */
export async function readAudit(dir: string): Promise<AuditRecord[]> {
  let text: string;
  try {
    text = await readFile(join(dir, AUDIT_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const rows: AuditRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      rows.push(JSON.parse(line) as AuditRecord);
    } catch (cause) {
      throw new Error(`"${join(dir, AUDIT_FILE)}" line ${i + 1} is not valid JSON; fix or remove that line`, {
        cause,
      });
    }
  });
  return rows;
}

/** The previous artifact in `dir` when it is one for the same Gitea and meta repo, else null. */
export async function loadPrevious(
  dir: string,
  giteaUrl: string,
  metaRepo: string,
): Promise<Artifact | null> {
  let prev: Artifact;
  try {
    prev = await readArtifact(dir);
  } catch {
    // No usable previous artifact: the sweep starts from scratch.
    return null;
  }
  if (prev.meta.giteaUrl !== giteaUrl || prev.meta.metaRepo !== metaRepo || prev.meta.schemaVersion !== 1)
    return null;
  return prev;
}

/** An empty mirror: the starting point of a full sweep. */
export function emptyMirror(
  giteaUrl: string,
  metaRepo: string,
  audit: AuditRecord[],
  botLogin?: string,
): Mirror {
  const m: Mirror = {
    giteaUrl,
    metaRepo,
    defaultBranch: 'main',
    metaTip: null,
    entries: new Map(),
    metaBranches: new Map(),
    pulls: new Map(),
    repos: new Map(),
    audit,
    cursors: {},
  };
  if (botLogin !== undefined) m.botLogin = botLogin;
  return m;
}

/** Parses one entry file into its outcome. */
export function parseOutcome(path: string, text: string): EntryOutcome {
  const r = parseEntry(text, { path });
  if (r.ok) return { ok: true, entry: r.entry };
  return {
    ok: false,
    reasons: r.problems.map((p) => ({ field: p.field, line: p.line, message: p.message })),
  };
}

function owner(full: string): string {
  return full.slice(0, full.indexOf('/'));
}

const EPOCH = '1970-01-01T00:00:00Z';

/** The latest of Gitea RFC 3339 times (one server renders them all in one offset, so they sort as text); empty for none. */
function maxTime(times: string[]): string {
  let best = '';
  for (const t of times) if (t > best) best = t;
  return best;
}

/**
 * True when a search hit shows nothing new about a PR already mirrored. `updated_at` has second
 * precision, so an equal value does not prove the PR unchanged when it was read within that same
 * second: the fields the hit carries must agree too. (A base-branch change within the second of
 * the last read is the one change only a `--full` sweep sees.)
 */
export function unchangedHit(known: PrRecord | undefined, h: api.SearchHit): boolean {
  if (!known || known.updatedAt !== h.updatedAt) return false;
  const fresh = pullToRecord(known.repo, known.kind, {
    number: h.number,
    title: h.title,
    body: h.body,
    state: h.state === 'open' ? 'open' : 'closed',
    merged: h.state === 'merged',
    merged_at: h.mergedAt,
    closed_at: h.closedAt,
  });
  return (
    fresh.title === known.title &&
    fresh.giteaState === known.giteaState &&
    fresh.closedAt === known.closedAt &&
    fresh.mergedAt === known.mergedAt &&
    fresh.trailerLogin === known.trailerLogin &&
    stableJson(fresh.supersedes) === stableJson(known.supersedes)
  );
}

/** Subtracts seconds from an RFC 3339 time, keeping Gitea's second-precision form. */
export function sinceWithOverlap(cursor: string, seconds: number): string {
  const t = Date.parse(cursor);
  if (Number.isNaN(t)) return cursor;
  return new Date(t - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Runs one sweep and writes the artifact when it changed. */
export async function reconcile(options: ReconcileOptions, deps: ReconcileDeps): Promise<ReconcileResult> {
  const started = performance.now();
  const { client } = deps;
  const before = client.stats();
  const say = options.progress ?? (() => {});
  const giteaUrl = client.baseUrl;
  const metaRepo = options.metaRepo;
  const org = owner(metaRepo);
  const audit = await readAudit(options.out);
  const prev = options.full ? null : await loadPrevious(options.out, giteaUrl, metaRepo);
  const mode: ReconcileResult['mode'] = prev ? 'incremental' : 'full';
  const m = prev
    ? mirrorFromArtifact({ ...prev, audit }, options.botLogin)
    : emptyMirror(giteaUrl, metaRepo, audit, options.botLogin);
  let entrySource: ReconcileResult['entrySource'] = 'unchanged';
  const counter = { git: 0 };
  let moved = false;

  // A sweep that reads every entry without a checkout fetches the meta repo's default branch
  // while it lists the repos, instead of after.
  const prefetched = fullScanOf(m) ? prefetchEntries(m, options, client) : null;
  try {
    say(`listing the repos of "${org}"`);
    const repos = await api.listOwnerRepos(client, org);
    let metaInfo = repos.get(metaRepo) ?? null;
    if (!metaInfo) metaInfo = await api.getRepo(client, metaRepo);
    if (!metaInfo) {
      throw new SweepError(
        `meta repo "${metaRepo}" does not exist or the token cannot read it; check "--repo"`,
      );
    }
    const cursors: Record<string, string> = {};
    cursors[`repo:${metaRepo}`] = metaInfo.updatedAt;
    // Gitea moves a repo's updated_unix on every push, branch creation and deletion included
    // (services/repository/push.go, UpdateRepositoryUpdatedTime). It has second precision, so a
    // push within the second of an earlier listing is caught by the next event, or by `--full`.
    const metaMoved = m.cursors[`repo:${metaRepo}`] !== metaInfo.updatedAt || m.metaTip === null;
    m.defaultBranch = metaInfo.defaultBranch;

    const newlyAttached = new Set<string>();
    const nextRepos = new Map<string, RepoState>();
    // PR lists of repos read in full, started beside each repo's other reads.
    const listPullsOf = startOnce((full: string) => api.listPulls(client, full));
    if (mode === 'full') listPullsOf(metaRepo);
    const checkRepo = async (full: string): Promise<void> => {
      const info = owner(full) === org ? (repos.get(full) ?? null) : await api.getRepo(client, full);
      const was = m.repos.get(full);
      if (!info) {
        if (was?.exists !== false) moved = true;
        nextRepos.set(full, { exists: false, defaultBranch: 'main', branches: new Map(), rfcMd: null });
        return;
      }
      cursors[`repo:${full}`] = info.updatedAt;
      const known = was?.exists ? was : undefined;
      if (!known) newlyAttached.add(full);
      if (
        known &&
        m.cursors[`repo:${full}`] === info.updatedAt &&
        known.defaultBranch === info.defaultBranch
      ) {
        nextRepos.set(full, known);
        return;
      }
      moved = true;
      const pulls = mode === 'full' || !known ? listPullsOf(full) : null;
      const branches = info.empty ? new Map<string, string>() : await api.listBranches(client, full);
      const tip = branches.get(info.defaultBranch);
      let rfcMd = known?.rfcMd ?? null;
      if (!known || tip !== known.branches.get(known.defaultBranch) || rfcMd === null) {
        rfcMd = tip === undefined ? null : await api.getFile(client, full, 'RFC.md', info.defaultBranch);
      }
      nextRepos.set(full, { exists: true, defaultBranch: info.defaultBranch, branches, rfcMd });
      await pulls;
    };
    // One task per attached repo, at most 16 at a time. A full sweep starts each as soon as an
    // entry naming it is parsed, so repo reads overlap the reading of the entries.
    const repoSlots = limiter(16);
    const startRepo = startOnce((full: string) => repoSlots(() => checkRepo(full)));
    const onActiveRepo = mode === 'full' ? (full: string) => void startRepo(full) : undefined;

    if (metaMoved) {
      moved = true;
      say(`reading the branches of "${metaRepo}"`);
      const branches = metaInfo.empty ? new Map<string, string>() : await api.listBranches(client, metaRepo);
      const tip = branches.get(metaInfo.defaultBranch) ?? null;
      m.metaBranches = new Map([...branches].filter(([name]) => metaKind(name).slug !== null));
      if (tip !== m.metaTip || mode === 'full') {
        entrySource = await refreshEntries(m, tip, options, client, say, {
          counter,
          prefetched,
          onActiveRepo,
        });
      }
      m.metaTip = tip;
    }
    if (m.metaTip) cursors['meta.tip'] = m.metaTip;
    if (m.cursors['meta.rfcs'] && m.metaTip) cursors['meta.rfcs'] = m.cursors['meta.rfcs'];

    // Repos of active entries, as the entries now say.
    const attached = new Set<string>();
    for (const e of m.entries.values()) {
      const repo = activeRepoOf(e);
      if (repo) attached.add(repo);
    }
    const attachedList = [...attached].sort();
    if (attachedList.length > 0) say(`checking ${attachedList.length} RFC repos`);
    await Promise.all(attachedList.map(startRepo));
    if ([...m.repos.keys()].some((k) => !nextRepos.has(k))) moved = true;
    m.repos = nextRepos;

    // PRs: the meta repo and attached repos.
    const relevant = (repo: string): boolean =>
      repo === metaRepo || (attached.has(repo) && m.repos.get(repo)!.exists);
    for (const [k, p] of m.pulls) if (!relevant(p.repo)) m.pulls.delete(k);
    const fullList =
      mode === 'full' ? [metaRepo, ...[...attached].filter(relevant)] : [...newlyAttached].filter(relevant);
    say(`listing the PRs of ${fullList.length} repos`);
    const lists = await Promise.all(fullList.map((full) => listPullsOf(full)));
    const listed = new Set(fullList);
    for (const k of [...m.pulls.keys()]) if (listed.has(m.pulls.get(k)!.repo)) m.pulls.delete(k);
    fullList.forEach((full, i) => {
      for (const p of lists[i]!) addPull(m, full, p);
    });
    // The PR cursor is the newest `updated_at` of any PR the search returns, relevant or not, so
    // unrelated PRs drop out of the window; a full sweep searches from its newest relevant PR and
    // so reaches the same value.
    const newestRelevant = maxTime([...m.pulls.values()].map((p) => p.updatedAt));
    const from = mode === 'incremental' ? prev?.meta.cursors[PULLS_CURSOR] : newestRelevant;
    // Every issue indexer of Gitea filters `updated_unix >= since` (modules/indexer/issues/db,
    // bleve, elasticsearch, meilisearch), so searching from the cursor itself re-reads its second
    // and misses nothing written after the last search.
    const since = from ? sinceWithOverlap(from, options.overlapSeconds ?? 0) : EPOCH;
    const owners = [...new Set([org, ...[...attached].filter(relevant).map(owner)])].sort();
    say(`searching PRs updated since ${since}`);
    const hits = (await Promise.all(owners.map((o) => api.searchPulls(client, o, since)))).flat();
    if (mode === 'incremental') {
      const fetched = new Set(fullList);
      const todo = hits.filter(
        (h) =>
          relevant(h.repo) && !fetched.has(h.repo) && !unchangedHit(m.pulls.get(prKey(h.repo, h.number)), h),
      );
      if (todo.length > 0) moved = true;
      await Promise.all(
        todo.map(async (h) => {
          const p = await api.getPull(client, h.repo, h.number);
          if (p) addPull(m, h.repo, p);
          else m.pulls.delete(prKey(h.repo, h.number));
        }),
      );
    }
    const cursor = maxTime([
      ...[...m.pulls.values()].filter((p) => relevant(p.repo)).map((p) => p.updatedAt),
      ...hits.map((h) => h.updatedAt),
    ]);
    if (cursor) m.pullsCursor = cursor;
    m.cursors = cursors;
  } catch (e) {
    if (e instanceof SweepError) throw e;
    throw new SweepError(`sweep of "${metaRepo}" failed; nothing was written: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    const done = await prefetched;
    if (done?.scratch) await rm(done.dir, { recursive: true, force: true });
  }

  const auditDigest = digestAudit(audit, options.botLogin);
  const finish = (
    write: { changed: boolean; written: string[]; removed: string[] },
    a: Artifact,
  ): ReconcileResult => {
    const after = client.stats();
    const byMethod: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.byMethod)) {
      const d = v - (before.byMethod[k] ?? 0);
      if (d > 0) byMethod[k] = d;
    }
    if (counter.git > 0) byMethod.git = counter.git;
    return {
      mode,
      changed: write.changed,
      written: write.written,
      removed: write.removed,
      counts: countsOf(a),
      problems: a.problems,
      requests: { total: after.total - before.total + counter.git, byMethod },
      entrySource,
      durationMs: Math.round(performance.now() - started),
    };
  };
  if (
    prev &&
    !moved &&
    sameCursors(prev, m) &&
    (await derivedFrom(options.out)) === auditDigest &&
    (options.sqlite === false || (await exists(join(options.out, SQLITE_FILE))))
  ) {
    // Nothing Gitea reported moved and the audit log is the one the artifact was derived from,
    // so re-deriving would reproduce the same bytes.
    return finish({ changed: false, written: [], removed: [] }, prev);
  }
  say('deriving the artifact');
  const artifact = buildArtifact(m);
  if (!options.dryRun) say(`writing the artifact to "${options.out}"`);
  const write = options.dryRun
    ? { changed: false, written: [], removed: [] }
    : await writeArtifact(options.out, artifact, { sqlite: options.sqlite !== false });
  if (!options.dryRun) await recordDerivation(options.out, auditDigest);
  return finish(write, artifact);
}

const DERIVED_FILE = '.derived';

/**
 * A digest of what derivation reads besides Gitea: the audit log and the bot's login, and the
 * version of the derivation itself, so an upgrade that derives new fields re-derives an artifact
 * whose inputs did not move.
 */
function digestAudit(audit: AuditRecord[], botLogin?: string): string {
  const h = createHash('sha256');
  h.update(`derivation ${DERIVATION}\n`);
  h.update(`${botLogin ?? ''}\n`);
  for (const r of audit) h.update(`${stableJson(r)}\n`);
  return h.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The digest the artifact in `dir` was last derived with (a local dotfile, never committed). */
async function derivedFrom(dir: string): Promise<string | null> {
  try {
    return (await readFile(join(dir, DERIVED_FILE), 'utf8')).trim();
  } catch {
    return null;
  }
}

/** Records the digest after a write; a crash before the rename leaves no stale record behind. */
async function recordDerivation(dir: string, digest: string): Promise<void> {
  const tmp = join(dir, `${DERIVED_FILE}.tmp`);
  await writeFile(tmp, `${digest}\n`);
  await rename(tmp, join(dir, DERIVED_FILE));
}

/** True when the sweep's cursors are the previous artifact's. */
function sameCursors(prev: Artifact, m: Mirror): boolean {
  const next: Record<string, string> = { ...m.cursors };
  if (m.metaTip) next['meta.tip'] = m.metaTip;
  if (m.pullsCursor) next[PULLS_CURSOR] = m.pullsCursor;
  const was = prev.meta.cursors;
  const keys = new Set([...Object.keys(next), ...Object.keys(was)]);
  for (const k of keys) if (next[k] !== was[k]) return false;
  return prev.meta.defaultBranch === m.defaultBranch;
}

/** Record counts for reports. */
export function countsOf(a: Artifact): ReconcileResult['counts'] {
  let branches = 0;
  let prs = 0;
  for (const r of a.rfcs) {
    branches += r.branches.length;
    prs += r.prs.length;
  }
  return { rfcs: a.rfcs.length, branches, prs: prs + a.unattached.length, problems: a.problems.length };
}

/** Adds a Gitea pull to the mirror when it belongs there (meta PRs must name a slug). */
export function addPull(m: Mirror, repo: string, p: GiteaPull): void {
  if (repo === m.metaRepo) {
    const k = metaKind(headBranch(p));
    if (k.slug === null) return;
    m.pulls.set(prKey(repo, p.number), pullToRecord(repo, k.kind, p));
  } else {
    m.pulls.set(prKey(repo, p.number), pullToRecord(repo, 'rfc', p));
  }
}

/** Entries to read at or past which one archive download replaces the blob requests. */
const ARCHIVE_MIN = 8;

/** The repo an entry attaches (an active entry's `repo`), or null. */
function activeRepoOf(e: EntryState): string | null {
  return e.outcome.ok && e.outcome.entry.state === 'active' && e.outcome.entry.repo
    ? e.outcome.entry.repo
    : null;
}

/** True when the mirror holds no entries yet, so every entry is read. */
function fullScanOf(m: Mirror): boolean {
  return ![...m.entries.values()].some((e) => !e.deleted) && !m.cursors['meta.rfcs'];
}

/** A shallow fetch of the meta repo into a bare repo. */
export interface MetaFetch {
  dir: string;
  /** true when `dir` is a temp dir of this sweep, to remove after it */
  scratch: boolean;
  fetch: local.ShallowFetch;
}

/** Fetches `branch` (or `HEAD`) of the meta repo at depth 1 into `options.gitCacheDir` or a temp dir. */
async function fetchMeta(
  m: Mirror,
  options: ReconcileOptions,
  client: GiteaClient,
  branch: string,
): Promise<MetaFetch> {
  const dir = options.gitCacheDir ?? (await mkdtemp(join(tmpdir(), 'rfc-meta-git-')));
  const fetch = await local.shallowFetch({
    dir,
    url: `${client.baseUrl.replace(/\/+$/, '')}/${m.metaRepo}.git`,
    branch,
    ...(options.token ? { token: options.token } : {}),
  });
  return { dir, scratch: options.gitCacheDir === undefined, fetch };
}

/**
 * Starts fetching the meta repo's HEAD at depth 1 when the entries will come from git: no
 * checkout with a commit in `options.workspace`, and git fetching not turned off. Never rejects.
 */
function prefetchEntries(
  m: Mirror,
  options: ReconcileOptions,
  client: GiteaClient,
): Promise<MetaFetch | null> {
  if (options.gitFetch === false) return Promise.resolve(null);
  return (async (): Promise<MetaFetch | null> => {
    const ws = options.workspace;
    if (ws !== undefined && (await local.headCommit(ws)) !== null) return null;
    return fetchMeta(m, options, client, 'HEAD');
  })().catch(() => null);
}

/** Re-reads the entries at `tip`: from the workspace when it is at `tip`, else trees and blobs by sha. */
export async function refreshEntries(
  m: Mirror,
  tip: string | null,
  options: ReconcileOptions,
  client: GiteaClient,
  say: (line: string) => void,
  extra: {
    counter?: { git: number };
    prefetched?: Promise<MetaFetch | null> | null;
    /** called with the repo of each active entry as it is read */
    onActiveRepo?: (repo: string) => void;
  } = {},
): Promise<ReconcileResult['entrySource']> {
  const counter = extra.counter ?? { git: 0 };
  if (tip === null) {
    m.entries = new Map();
    delete m.cursors['meta.rfcs'];
    return 'api';
  }
  const ws = options.workspace;
  let dir = ws !== undefined && (await local.headCommit(ws)) === tip ? ws : null;
  let source: 'workspace' | 'git' | 'api' = dir === null ? 'api' : 'workspace';
  const fullScan = fullScanOf(m);
  let scratch: string | null = null;
  const early = dir === null && fullScan && extra.prefetched ? await extra.prefetched : null;
  if (early) {
    counter.git += early.fetch.requests;
    if (early.fetch.ok && early.fetch.commit === tip) {
      dir = early.dir;
      source = 'git';
    } else if (!early.fetch.ok) {
      say(`the shallow fetch is unusable; reading the entries over the API`);
    }
  }
  // A failed early fetch is not repeated; one that found HEAD elsewhere than the tip (a push in
  // between, or HEAD not the default branch) is, by branch name.
  if (dir === null && fullScan && options.gitFetch !== false && early?.fetch.ok !== false) {
    // Reading every entry: one shallow fetch over smart HTTP (2-3 round trips) instead of a blob
    // request per file; incremental reads stay on the API, which fetches only the changed blobs.
    say(`fetching "${m.metaRepo}" ${m.defaultBranch} at depth 1`);
    const fetched = await fetchMeta(m, options, client, m.defaultBranch);
    if (fetched.scratch) scratch = fetched.dir;
    counter.git += fetched.fetch.requests;
    if (fetched.fetch.ok && fetched.fetch.commit === tip) {
      dir = fetched.dir;
      source = 'git';
    } else {
      say(`the shallow fetch is unusable; reading the entries over the API`);
    }
  }
  try {
    await readEntries(m, tip, dir, source, fullScan, client, say, extra.onActiveRepo);
  } finally {
    if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  }
  return source;
}

async function readEntries(
  m: Mirror,
  tip: string,
  dir: string | null,
  source: 'workspace' | 'git' | 'api',
  fullScan: boolean,
  client: GiteaClient,
  say: (line: string) => void,
  onActiveRepo?: (repo: string) => void,
): Promise<void> {
  const read = (path: string, sha: string, text: string, deleted: boolean): EntryState => {
    const e = state(path, sha, text, deleted);
    const repo = onActiveRepo ? activeRepoOf(e) : null;
    if (repo) onActiveRepo!(repo);
    return e;
  };
  let files: Map<string, string> | null;
  if (dir !== null) {
    files = await local.listEntryBlobs(dir, tip);
    // Same cursor as the API path, so entries read either way give the same artifact.
    const tree = source === 'git' ? await local.treeOf(dir, tip, 'rfcs') : null;
    if (tree) m.cursors['meta.rfcs'] = tree;
    else delete m.cursors['meta.rfcs'];
  } else {
    const listed = await api.listEntryBlobs(
      client,
      m.metaRepo,
      tip,
      fullScan ? null : (m.cursors['meta.rfcs'] ?? null),
    );
    if (listed.tree) m.cursors['meta.rfcs'] = listed.tree;
    else delete m.cursors['meta.rfcs'];
    files = listed.files;
  }
  if (files === null) return;
  const next = new Map<string, EntryState>();
  const need: { path: string; sha: string }[] = [];
  for (const [path, sha] of files) {
    const was = m.entries.get(path);
    if (was && !was.deleted && was.sha === sha) next.set(path, was);
    else need.push({ path, sha });
  }
  say(`reading ${need.length} changed entries`);
  if (dir !== null) {
    const texts = await local.readBlobs(
      dir,
      need.map((n) => n.sha),
    );
    for (const [i, n] of need.entries()) {
      next.set(n.path, read(n.path, n.sha, texts.get(n.sha) ?? '', false));
      // Let the repo reads started by `onActiveRepo` go out while the rest is parsed.
      if (onActiveRepo && i % 50 === 49) await new Promise((go) => setImmediate(go));
    }
  } else {
    // Many entries: one archive of the tip instead of a request per blob. Each file is checked
    // against its blob id, since `.gitattributes` (export-subst, eol) can make the archive differ.
    const archive =
      need.length >= ARCHIVE_MIN ? await api.getArchiveFiles(client, m.metaRepo, tip, need[0]!.path) : null;
    await eachLimit(need, 16, async (n) => {
      const bytes = archive?.get(n.path);
      const text =
        bytes && gitBlobId(bytes, n.sha.length) === n.sha
          ? Buffer.from(bytes).toString('utf8')
          : await api.getBlob(client, m.metaRepo, n.sha);
      next.set(n.path, read(n.path, n.sha, text, false));
    });
  }
  const present = new Set(files.keys());
  const fresh = ![...m.entries.values()].some((e) => !e.deleted);
  if (fresh) {
    // From scratch: entries deleted out of band are found in main's history.
    if (dir !== null && !(await local.isShallow(dir))) {
      for (const d of await local.deletedEntries(dir, tip, present))
        next.set(d.path, state(d.path, d.sha, d.text, true));
    } else {
      const paths = await api.removedEntryPaths(client, m.metaRepo, tip, present);
      await addDeleted(m, next, paths, tip, client);
    }
  } else {
    const gone = [...m.entries.values()].filter((e) => !present.has(e.path) && !e.deleted).map((e) => e.path);
    for (const e of m.entries.values()) if (e.deleted && !present.has(e.path)) next.set(e.path, e);
    await addDeleted(m, next, gone, tip, client);
  }
  m.entries = new Map([...next].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

async function addDeleted(
  m: Mirror,
  next: Map<string, EntryState>,
  paths: string[],
  tip: string,
  client: GiteaClient,
): Promise<void> {
  await Promise.all(
    paths.map(async (path) => {
      const last = await api.lastVersionOf(client, m.metaRepo, tip, path);
      if (last) next.set(path, state(path, last.sha, last.text, true));
    }),
  );
}

function state(path: string, sha: string, text: string, deleted: boolean): EntryState {
  return { path, sha, outcome: parseOutcome(path, text), deleted };
}
