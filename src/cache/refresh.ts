/**
 * The targeted refresh: applies what one Gitea Actions event touched to the artifact, and only
 * that. A push to the meta repo's default branch re-reads the changed entries (tree compare by
 * sha); a push elsewhere moves one branch; a pull_request re-reads that PR; create and delete
 * re-list that repo's branches; anything else changes nothing and says so. A push is applied at
 * the branch's live tip, never the payload's `after`, so late or replayed events cannot roll the
 * artifact back. Cursors of the
 * scheduled sweep are kept, so the next sweep still checks everything since its own last run.
 */
import type { GiteaClient } from '../gitea/index.ts';
import { buildArtifact, metaKind, mirrorFromArtifact, PULLS_CURSOR, prKey } from './derive.ts';
import * as api from './fetch.ts';
import {
  addPull,
  loadPrevious,
  type ReconcileResult,
  readAudit,
  reconcile,
  refreshEntries,
} from './reconcile.ts';
import { writeArtifact } from './store.ts';

/** One Actions event: its name (`GITHUB_EVENT_NAME`) and parsed payload (`GITHUB_EVENT_PATH`). */
export interface ActionsEvent {
  name: string;
  payload: unknown;
}

/** Options of `refresh`. */
export interface RefreshOptions {
  out: string;
  metaRepo: string;
  event: ActionsEvent;
  botLogin?: string;
  workspace?: string;
  /** the token for git's smart HTTP, used when there is no artifact yet (see `ReconcileOptions.token`) */
  token?: string;
  dryRun?: boolean;
}

/** What `refresh` did. `swept`: there was no artifact yet, so it ran a full sweep. */
export interface RefreshResult {
  action: 'refreshed' | 'ignored' | 'swept';
  /** one sentence: what the event touched, or why it was ignored */
  reason: string;
  changed: boolean;
  written: string[];
  removed: string[];
  requests: { total: number; byMethod: Record<string, number> };
  durationMs: number;
}

interface Payload {
  ref?: string;
  ref_type?: string;
  number?: number;
  pull_request?: { number?: number };
  repository?: { full_name?: string; default_branch?: string };
}

/** Refreshes the artifact in `options.out` for one event. */
export async function refresh(
  options: RefreshOptions,
  deps: { client: GiteaClient },
): Promise<RefreshResult> {
  const started = performance.now();
  const { client } = deps;
  const before = client.stats();
  const finish = (
    action: RefreshResult['action'],
    reason: string,
    w: { changed: boolean; written: string[]; removed: string[] },
  ): RefreshResult => {
    const after = client.stats();
    const byMethod: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.byMethod)) {
      const d = v - (before.byMethod[k] ?? 0);
      if (d > 0) byMethod[k] = d;
    }
    return {
      action,
      reason,
      changed: w.changed,
      written: w.written,
      removed: w.removed,
      requests: { total: after.total - before.total, byMethod },
      durationMs: Math.round(performance.now() - started),
    };
  };
  const nothing = { changed: false, written: [], removed: [] };
  const p = (options.event.payload ?? {}) as Payload;
  const name = options.event.name;
  const repo = p.repository?.full_name ?? '';
  if (!['push', 'pull_request', 'pull_request_target', 'create', 'delete'].includes(name)) {
    return finish('ignored', `event "${name}" does not change the cache`, nothing);
  }
  if (repo === '') return finish('ignored', `event "${name}" names no repository`, nothing);

  const prev = await loadPrevious(options.out, client.baseUrl, options.metaRepo);
  if (!prev) {
    const r: ReconcileResult = await reconcile(
      { out: options.out, metaRepo: options.metaRepo, full: true, dryRun: options.dryRun, ...opt(options) },
      deps,
    );
    return finish('swept', 'no artifact yet: ran a full sweep', r);
  }
  const audit = await readAudit(options.out);
  const m = mirrorFromArtifact({ ...prev, audit }, options.botLogin);
  const kept = prev.meta.cursors[PULLS_CURSOR];
  if (kept !== undefined) m.pullsCursor = kept;
  const isMeta = repo === options.metaRepo;
  const rs = m.repos.get(repo);
  if (!isMeta && !rs?.exists) {
    return finish(
      'ignored',
      `repo "${repo}" is neither the meta repo nor the repo of an active RFC`,
      nothing,
    );
  }

  let reason: string;
  if (name === 'push') {
    const ref = p.ref ?? '';
    if (!ref.startsWith('refs/heads/')) return finish('ignored', `push to "${ref}" is not a branch`, nothing);
    const branch = ref.slice('refs/heads/'.length);
    if (isMeta && branch !== m.defaultBranch && metaKind(branch).slug === null) {
      return finish('ignored', `push to "${repo}" branch "${branch}" names no RFC`, nothing);
    }
    // Events can arrive late, twice or out of order (a re-delivered webhook, a re-run job), so
    // the payload's `after` may be older than what the artifact reflects: the branch's live tip
    // is the only state a refresh converges on.
    const tip = await api.getBranchTip(client, repo, branch);
    const at = tip ? ` at ${tip.slice(0, 12)}` : ' (deleted)';
    if (isMeta) {
      if (branch === m.defaultBranch) {
        if (tip !== m.metaTip) {
          await refreshEntries(m, tip, options, client, () => {});
          m.metaTip = tip;
        }
        reason = `push to "${repo}" ${branch}: re-read the changed entries${at}`;
      } else {
        if (tip) m.metaBranches.set(branch, tip);
        else m.metaBranches.delete(branch);
        reason = `push to "${repo}" branch "${branch}"${at}`;
      }
    } else {
      const state = rs!;
      const was = state.branches.get(branch);
      if (tip) state.branches.set(branch, tip);
      else state.branches.delete(branch);
      if (branch === state.defaultBranch && tip !== was) {
        state.rfcMd = tip ? await api.getFile(client, repo, 'RFC.md', tip) : null;
      }
      reason = `push to "${repo}" branch "${branch}"${at}`;
    }
  } else if (name === 'pull_request' || name === 'pull_request_target') {
    const number = p.pull_request?.number ?? p.number;
    if (typeof number !== 'number') return finish('ignored', `event "${name}" names no PR number`, nothing);
    const pull = await api.getPull(client, repo, number);
    if (pull) addPull(m, repo, pull);
    else m.pulls.delete(prKey(repo, number));
    reason = `PR "${repo}#${number}"`;
  } else {
    if (p.ref_type !== 'branch')
      return finish('ignored', `${name} of a ${p.ref_type ?? 'ref'} is not a branch`, nothing);
    const branches = await api.listBranches(client, repo);
    if (isMeta) m.metaBranches = new Map([...branches].filter(([b]) => metaKind(b).slug !== null));
    else rs!.branches = branches;
    reason = `branches of "${repo}" after ${name} of "${p.ref ?? ''}"`;
  }
  const artifact = buildArtifact(m);
  const w = options.dryRun ? nothing : await writeArtifact(options.out, artifact);
  return finish('refreshed', reason, w);
}

function opt(o: RefreshOptions): { botLogin?: string; workspace?: string; token?: string } {
  const r: { botLogin?: string; workspace?: string; token?: string } = {};
  if (o.token !== undefined) r.token = o.token;
  if (o.botLogin !== undefined) r.botLogin = o.botLogin;
  if (o.workspace !== undefined) r.workspace = o.workspace;
  return r;
}
