/**
 * Pull requests on real git: create (409 on a duplicate open head/base), list, get, edit, merge
 * (`git merge-tree` + `commit-tree`), merged check, diff/patch, and head pushes as `synchronized`.
 * Behaviour follows go-gitea/gitea routers/api/v1/repo/pull.go and services/pull/*.go.
 */
import { type PullRequestAction, recordPullRequestEvent } from '../collab-events.ts';
import {
  createMergeCommit,
  type DiffStats,
  type MergeStatus,
  type MergeStyle,
  mergeStatus,
  pullDiff,
  pullDiffStats,
} from '../merge.ts';
import { ApiError, type Ctx, type Reply, type SimCore } from '../server.ts';
import { apiUser } from '../shapes.ts';
import { PERMISSION_RANK, type Permission, type RepoRecord, type UserRecord, ZERO_SHA } from '../store.ts';
import {
  applyIssueEdit,
  canEdit,
  type IssueEventEmitter,
  type IssueRecord,
  indexParam,
  isWorkInProgress,
  objectBody,
  type PullRecord,
  readEdit,
  resolveAssignees,
  Tracker,
} from './issues.ts';

type Json = Record<string, unknown>;

const NOT_FOUND = "The target couldn't be found.";

const CACHE_LIMIT = 5000;

/** Memoizes by a key of shas: the answer for a pair of commits never changes. */
async function memo<T>(cache: Map<string, T>, key: string, compute: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  if (hit) return hit;
  const value = await compute();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** Pull request logic bound to one simulator. */
export class Pulls {
  readonly t: Tracker;

  private readonly trials = new Map<string, MergeStatus>();
  private readonly stats = new Map<string, DiffStats>();

  constructor(readonly core: SimCore) {
    this.t = new Tracker(core);
  }

  /** Trial merge status of head into base (in-process unless it takes a real merge). */
  trialMerge(gitDir: string, baseSha: string, headSha: string): Promise<MergeStatus> {
    return memo(this.trials, `${gitDir}\0${baseSha}\0${headSha}`, () =>
      mergeStatus(this.core.git, gitDir, baseSha, headSha),
    );
  }

  /** Additions, deletions and changed files between merge base and head. */
  diffStats(gitDir: string, mergeBase: string, headSha: string): Promise<DiffStats> {
    return memo(this.stats, `${gitDir}\0${mergeBase}\0${headSha}`, () =>
      pullDiffStats(this.core.git, gitDir, mergeBase, headSha),
    );
  }

  /** Points `refs/pull/N/head` at `sha` (Gitea overwrites it on every head push), in-process. */
  async setPullHead(gitDir: string, index: number, sha: string): Promise<void> {
    const ref = `refs/pull/${index}/head`;
    await this.core.git.withLock(gitDir, async () => {
      const cached = (await this.core.git.listRefs(gitDir)).get(ref) ?? null;
      if (cached === sha) return;
      try {
        await this.core.git.updateRef(gitDir, ref, sha, cached);
      } catch {
        // The ref cache was stale (something outside moved the ref): re-read once and retry.
        this.core.git.invalidateRefs(gitDir);
        const current = (await this.core.git.listRefs(gitDir)).get(ref) ?? null;
        await this.core.git.updateRef(gitDir, ref, sha, current);
      }
    });
  }

  gitDir(repo: RepoRecord): string {
    return this.core.git.pathOf(repo.owner, repo.name);
  }

  /**
   * Re-checks an open pull against the current base tip (services/pull/check.go testPatch):
   * updates `merge_base` and the mergeable status without touching `updated_at`.
   */
  async refresh(repo: RepoRecord, pull: PullRecord): Promise<PullRecord> {
    if (pull.merged) return pull;
    const issue = this.t.issue(repo.id, pull.index);
    if (issue?.state !== 'open') return pull;
    const refs = await this.core.git.listRefs(this.gitDir(repo));
    const baseSha = refs.get(`refs/heads/${pull.baseBranch}`);
    if (!baseSha) return pull;
    const trial = await this.trialMerge(this.gitDir(repo), baseSha, pull.headSha);
    const status: PullRecord['status'] =
      trial.status === 'clean' ? (trial.mergeBase === pull.headSha ? 'empty' : 'mergeable') : 'conflict';
    const mergeBase = trial.mergeBase ?? '';
    if (status === pull.status && mergeBase === pull.mergeBase) return pull;
    const next = { ...pull, status, mergeBase };
    this.t.savePull(next);
    return next;
  }

  /** The PullRequest definition (services/convert/pull.go ToAPIPullRequest). */
  async apiPull(
    repo: RepoRecord,
    issue: IssueRecord,
    pullIn: PullRecord,
    permission: Permission,
    options: { stats: boolean },
  ): Promise<Json> {
    const pull = await this.refresh(repo, pullIn);
    const gitDir = this.gitDir(repo);
    const refs = await this.core.git.listRefs(gitDir);
    const html = this.t.htmlUrl(repo, issue);
    const apiRepo = this.t.apiRepo(repo, permission);
    const headRef = `refs/pull/${pull.index}/head`;
    const headSha = refs.get(headRef) ?? pull.headSha;
    const assignees = issue.assignees.map((a) => this.t.apiUser(a));
    const out: Json = {
      allow_maintainer_edit: false,
      assignee: assignees[0] ?? null,
      assignees,
      base: {
        label: pull.baseBranch,
        ref: pull.baseBranch,
        repo: apiRepo,
        repo_id: repo.id,
        sha: refs.get(`refs/heads/${pull.baseBranch}`) ?? '',
      },
      body: issue.body,
      closed_at: issue.closedAt,
      comments: issue.comments,
      created_at: issue.createdAt,
      diff_url: `${html}.diff`,
      draft: isWorkInProgress(issue.title),
      due_date: null,
      head: {
        label: pull.headBranch,
        // convert/pull.go: the branch name while it exists, else the pull ref.
        ref: refs.has(`refs/heads/${pull.headBranch}`) ? pull.headBranch : headRef,
        repo: apiRepo,
        repo_id: repo.id,
        sha: headSha,
      },
      html_url: html,
      id: pull.id,
      is_locked: false,
      labels: [],
      merge_base: pull.mergeBase,
      merge_commit_sha: pull.merged ? pull.mergeCommitSha : null,
      // models/issues/pull.go Mergeable: not conflicting and not work in progress.
      mergeable: pull.status !== 'conflict' && !isWorkInProgress(issue.title),
      merged: pull.merged,
      merged_at: pull.merged ? pull.mergedAt : null,
      merged_by: pull.merged && pull.mergedBy ? this.t.apiUser(pull.mergedBy) : null,
      milestone: null,
      number: pull.index,
      patch_url: `${html}.patch`,
      pin_order: 0,
      requested_reviewers: [],
      requested_reviewers_teams: [],
      review_comments: 0,
      state: issue.state,
      title: issue.title,
      updated_at: issue.updatedAt,
      url: html,
      user: this.t.apiUser(issue.poster),
    };
    // convert/pull.go fills additions/deletions/changed_files for a single pull only, not in lists.
    if (options.stats && pull.mergeBase) {
      const s = await this.diffStats(gitDir, pull.mergeBase, headSha);
      out.additions = s.additions;
      out.deletions = s.deletions;
      out.changed_files = s.changedFiles;
    }
    return out;
  }

  /** Records a `pull_request` event for the pull's current state. */
  async record(
    action: PullRequestAction,
    repo: RepoRecord,
    index: number,
    sender: UserRecord,
    changes?: { title?: { from: string }; body?: { from: string } },
  ): Promise<void> {
    const current = this.core.store.repoByName(repo.owner, repo.name) ?? repo;
    const issue = this.t.issue(current.id, index);
    const pull = this.t.pull(current.id, index);
    if (!issue || !pull) return;
    // services/webhook/notifier.go renders the pull for no doer and the repository as its owner.
    recordPullRequestEvent(this.core.events, {
      action,
      pull: await this.apiPull(current, issue, pull, this.core.store.permission(current, null), {
        stats: false,
      }),
      repository: this.t.apiRepo(current, 'admin'),
      sender: apiUser(this.core.baseUrl, sender),
      changes,
    });
  }

  /** Moves the head of open pulls whose head branch was pushed, and emits `synchronized`. */
  async onRefUpdate(repo: RepoRecord, ref: string, newSha: string, pusher: UserRecord): Promise<void> {
    if (!ref.startsWith('refs/heads/') || newSha === ZERO_SHA) return;
    const branch = ref.slice('refs/heads/'.length);
    const targets = this.t
      .pulls()
      .values()
      .filter((p) => p.repoId === repo.id && p.headBranch === branch && !p.merged && p.headSha !== newSha)
      .filter((p) => this.t.issue(repo.id, p.index)?.state === 'open')
      .sort((a, b) => a.index - b.index);
    const gitDir = this.gitDir(repo);
    for (const pull of targets) {
      await this.setPullHead(gitDir, pull.index, newSha);
      const when = this.t.now();
      this.t.savePull({ ...pull, headSha: newSha });
      const issue = this.t.issue(repo.id, pull.index)!;
      // A push adds a "pushed commits" comment to the timeline, which moves updated_unix.
      this.t.saveIssue({ ...issue, updatedAt: when });
      this.t.touchRepo(repo, when);
      await this.record('synchronized', repo, pull.index, pusher);
    }
  }
}

function readString(body: Json, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError(422, `"${name}" must be a string`);
  return v;
}

/** Splits `head` as Gitea's parseCompareInfo does: `branch`, `owner:branch` or `owner/repo:branch`. */
function parseHead(repo: RepoRecord, head: string): string {
  const i = head.indexOf(':');
  if (i < 0) return head;
  const who = head.slice(0, i);
  const [owner, name] = who.includes('/') ? who.split('/') : [who, repo.name];
  if (owner?.toLowerCase() !== repo.owner.toLowerCase() || name?.toLowerCase() !== repo.name.toLowerCase()) {
    // Pulls across forks are not simulated: the head repository is never found.
    throw new ApiError(404, NOT_FOUND);
  }
  return head.slice(i + 1);
}

function pullOr404(p: Pulls, repo: RepoRecord, index: number): { issue: IssueRecord; pull: PullRecord } {
  const issue = p.t.issue(repo.id, index);
  const pull = p.t.pull(repo.id, index);
  if (!issue || !pull) throw new ApiError(404, NOT_FOUND);
  return { issue, pull };
}

const unix = (iso: string | null): number => (iso ? Math.floor(Date.parse(iso) / 1000) : 0);

/** models/issues/issue_search.go applySorts; the default is newest first. */
function sortPulls(list: { issue: IssueRecord; pull: PullRecord }[], sort: string | null): void {
  const created = (a: IssueRecord, b: IssueRecord) => unix(b.createdAt) - unix(a.createdAt) || b.id - a.id;
  const cmp: Record<string, (a: IssueRecord, b: IssueRecord) => number> = {
    oldest: (a, b) => -created(a, b),
    recentupdate: (a, b) => unix(b.updatedAt) - unix(a.updatedAt) || created(a, b),
    leastupdate: (a, b) => unix(a.updatedAt) - unix(b.updatedAt) || -created(a, b),
    mostcomment: (a, b) => b.comments - a.comments || created(a, b),
    leastcomment: (a, b) => a.comments - b.comments || created(a, b),
    recentclose: (a, b) => unix(b.closedAt) - unix(a.closedAt) || created(a, b),
  };
  const fn = (sort && cmp[sort]) || created;
  list.sort((a, b) => fn(a.issue, b.issue));
}

async function listPulls(p: Pulls, ctx: Ctx): Promise<Reply> {
  const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
  const state = ctx.query.get('state') ?? 'open';
  const poster = ctx.query.get('poster');
  if (poster && !p.core.store.userByLogin(poster)) {
    throw new ApiError(400, `user does not exist [uid: 0, name: ${poster}]`);
  }
  const base = ctx.query.get('base_branch');
  const labels = ctx.query.getAll('labels').filter((l) => l !== '');
  const milestone = Number(ctx.query.get('milestone') ?? '0') || 0;
  let rows = p.t
    .pulls()
    .values()
    .filter((pull) => pull.repoId === repo.id)
    .map((pull) => ({ pull, issue: p.t.issue(repo.id, pull.index)! }))
    .filter((r) => r.issue !== undefined)
    .filter((r) => state === 'all' || r.issue.state === (state === 'closed' ? 'closed' : 'open'))
    .filter((r) => !poster || r.issue.poster.toLowerCase() === poster.toLowerCase())
    .filter((r) => !base || r.pull.baseBranch === base);
  // The simulator has no labels or milestones: filtering by one matches nothing.
  if (labels.length > 0 || milestone > 0) rows = [];
  sortPulls(rows, ctx.query.get('sort'));
  const page = ctx.paging();
  const slice = rows.slice(page.skip, page.skip + page.limit);
  const body: Json[] = [];
  for (const r of slice) body.push(await p.apiPull(repo, r.issue, r.pull, permission, { stats: false }));
  return ctx.listReply(body, rows.length, page);
}

async function createPull(p: Pulls, ctx: Ctx): Promise<Reply> {
  const user = ctx.requireUser();
  const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
  const body = objectBody(ctx);
  const headIn = readString(body, 'head');
  const baseIn = readString(body, 'base');
  const title = readString(body, 'title');
  // structs.CreatePullRequestOption: head, base and title are `binding:"Required"`.
  for (const [name, v] of [
    ['Head', headIn],
    ['Base', baseIn],
    ['Title', title],
  ] as const) {
    if (!v) throw new ApiError(422, `[${name}]: Required`);
  }
  if (headIn === baseIn) {
    throw new ApiError(422, 'Invalid PullRequest: There are no changes between the head and the base');
  }
  const headBranch = parseHead(repo, headIn!);
  const baseBranch = baseIn!;
  const gitDir = p.gitDir(repo);
  const refs = await p.core.git.listRefs(gitDir);
  const headSha = refs.get(`refs/heads/${headBranch}`);
  const baseSha = refs.get(`refs/heads/${baseBranch}`);
  // parseCompareInfo answers 404 when either branch is missing.
  if (!headSha || !baseSha) throw new ApiError(404, NOT_FOUND);
  const trial = await p.trialMerge(gitDir, baseSha, headSha);
  // CreatePullRequest resolves assignees before writing anything: unknown ones are 422.
  const requested = readEdit(body).assignees ?? [];
  const assignees = resolveAssignees(p.core.store, repo, requested);

  const existing = p.t
    .pulls()
    .values()
    .find(
      (x) =>
        x.repoId === repo.id &&
        x.headBranch === headBranch &&
        x.baseBranch === baseBranch &&
        !x.merged &&
        p.t.issue(repo.id, x.index)?.state === 'open',
    );
  if (existing) {
    // issues_model.GetUnmergedPullRequest finds an open pull for the same head and base: 409.
    throw new ApiError(
      409,
      `pull request already exists for these targets [id: ${existing.id}, issue_id: ${existing.index}, head_repo_id: ${repo.id}, base_repo_id: ${repo.id}, head_branch: ${headBranch}, base_branch: ${baseBranch}]`,
    );
  }
  const when = p.t.now();
  const index = p.core.store.nextIssueIndex(repo.id);
  const issue: IssueRecord = {
    id: p.core.store.nextSeq('issue'),
    repoId: repo.id,
    index,
    isPull: true,
    title: title!,
    body: readString(body, 'body') ?? '',
    state: 'open',
    poster: user.login,
    assignees: [],
    comments: 0,
    createdAt: when,
    updatedAt: when,
    closedAt: null,
  };
  const pull: PullRecord = {
    id: p.core.store.nextSeq('pull'),
    repoId: repo.id,
    index,
    headBranch,
    baseBranch,
    headSha,
    mergeBase: trial.mergeBase ?? '',
    status: trial.status === 'clean' ? (trial.mergeBase === headSha ? 'empty' : 'mergeable') : 'conflict',
    merged: false,
    mergedAt: null,
    mergedBy: null,
    mergeCommitSha: null,
  };
  p.t.saveIssue(issue);
  p.t.savePull(pull);
  await p.setPullHead(gitDir, index, headSha);
  p.t.touchRepo(repo, when);
  await p.record('opened', repo, index, user);
  let current = issue;
  if (assignees.length > 0) {
    current = await applyIssueEdit(p.t, {
      repo,
      issue,
      sender: user,
      edit: { assignees },
      emit: pullEmitter(p),
    });
  }
  return { status: 201, body: await p.apiPull(repo, current, pull, permission, { stats: true }) };
}

async function editPull(p: Pulls, ctx: Ctx): Promise<Reply> {
  const user = ctx.requireUser();
  const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
  let { issue, pull } = pullOr404(p, repo, indexParam(ctx));
  // EditPullRequest: only the poster or a writer may edit; the reply is a bare 403.
  if (!canEdit(p.core.store, repo, issue, user)) return { status: 403 };
  const body = objectBody(ctx);
  const edit = readEdit(body);
  const canWrite = PERMISSION_RANK[permission] >= PERMISSION_RANK.write;
  if (!canWrite) edit.assignees = undefined;
  if (edit.state !== undefined && pull.merged) {
    throw new ApiError(412, 'cannot change state of this pull request, it was already merged');
  }
  const newBase = readString(body, 'base');
  if (newBase !== undefined && newBase !== '' && newBase !== pull.baseBranch && !pull.merged) {
    const refs = await p.core.git.listRefs(p.gitDir(repo));
    if (!refs.has(`refs/heads/${newBase}`)) throw new ApiError(404, `new base '${newBase}' not exist`);
    if (issue.state === 'closed') throw new ApiError(422, 'issue is closed');
    if (findOpenDuplicate(p, repo, pull.headBranch, newBase, pull.index)) {
      throw new ApiError(
        409,
        `pull request already exists for these targets [head_branch: ${pull.headBranch}, base_branch: ${newBase}]`,
      );
    }
  }
  if (
    edit.state === 'open' &&
    issue.state === 'closed' &&
    findOpenDuplicate(p, repo, pull.headBranch, pull.baseBranch, pull.index)
  ) {
    throw new ApiError(
      409,
      `pull request already exists for these targets [head_branch: ${pull.headBranch}, base_branch: ${pull.baseBranch}]`,
    );
  }
  issue = await applyIssueEdit(p.t, { repo, issue, sender: user, edit, emit: pullEmitter(p) });
  if (newBase !== undefined && newBase !== '' && newBase !== pull.baseBranch && !pull.merged) {
    const when = p.t.now();
    pull = { ...pull, baseBranch: newBase };
    p.t.savePull(pull);
    issue = { ...issue, updatedAt: when };
    p.t.saveIssue(issue);
    p.t.touchRepo(repo, when);
    await p.record('edited', repo, pull.index, user);
  }
  // routers/api/v1/repo/pull.go EditPullRequest answers 201 ("TODO this should be 200").
  return {
    status: 201,
    body: await p.apiPull(repo, issue, p.t.pull(repo.id, pull.index)!, permission, { stats: true }),
  };
}

function findOpenDuplicate(
  p: Pulls,
  repo: RepoRecord,
  head: string,
  base: string,
  except: number,
): PullRecord | undefined {
  return p.t
    .pulls()
    .values()
    .find(
      (x) =>
        x.repoId === repo.id &&
        x.index !== except &&
        x.headBranch === head &&
        x.baseBranch === base &&
        !x.merged &&
        p.t.issue(repo.id, x.index)?.state === 'open',
    );
}

const MERGE_STYLES = ['merge', 'rebase', 'rebase-merge', 'squash', 'fast-forward-only', 'manually-merged'];

async function mergePullRoute(p: Pulls, ctx: Ctx): Promise<Reply> {
  const user = ctx.requireUser();
  const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
  const index = indexParam(ctx);
  const found = pullOr404(p, repo, index);
  const body = objectBody(ctx);
  const doRaw = readString(body, 'Do') ?? '';
  // forms.MergePullRequestForm: `Do` is Required and one of the merge styles.
  if (!MERGE_STYLES.includes(doRaw))
    throw new ApiError(422, `[Do]: Required; one of ${MERGE_STYLES.join(', ')}`);
  // services/pull/check.go CheckPullMergeable, in its order.
  if (found.pull.merged) throw new ApiError(405, '');
  if (found.issue.state === 'closed') throw new ApiError(404, NOT_FOUND);
  if (PERMISSION_RANK[permission] < PERMISSION_RANK.write)
    throw new ApiError(405, 'User not allowed to merge PR');
  if (isWorkInProgress(found.issue.title)) throw new ApiError(405, 'Work in progress PRs cannot be merged');
  const pull = await p.refresh(repo, found.pull);
  if (pull.status === 'conflict') throw new ApiError(405, 'Please try again later');
  // fast-forward-only and manually-merged are not simulated: the style counts as not allowed.
  if (!['merge', 'squash', 'rebase', 'rebase-merge'].includes(doRaw)) {
    throw new ApiError(405, `${doRaw} is not allowed an allowed merge style for this repository`);
  }
  const style = doRaw as MergeStyle;
  const gitDir = p.gitDir(repo);
  const expected = readString(body, 'head_commit_id') ?? '';
  const title = (readString(body, 'MergeTitleField') ?? '').trim();
  const extra = (readString(body, 'MergeMessageField') ?? '').trim();
  // services/pull/merge.go getMergeMessage defaults.
  const defaultTitle =
    style === 'squash'
      ? `${found.issue.title} (#${index})`
      : `Merge pull request '${found.issue.title}' (#${index}) from ${pull.headBranch} into ${pull.baseBranch}`;
  const message = (title || defaultTitle) + (extra ? `\n\n${extra}` : '');
  const when = p.core.clock.now();
  const baseRef = `refs/heads/${pull.baseBranch}`;

  // Everything from the re-check to the recorded merge runs under the repository lock, so two
  // merges of one pull at once give one merge and one 405 (pull_service.Merge re-reads the pull).
  const outcome = await p.core.git.withLock(gitDir, async () => {
    const fresh = p.t.pull(repo.id, index);
    const freshIssue = p.t.issue(repo.id, index);
    if (!fresh || !freshIssue || fresh.merged) return { result: 'already-merged' as const };
    if (freshIssue.state === 'closed') return { result: 'closed' as const };
    const refs = await p.core.git.listRefs(gitDir);
    const headSha = refs.get(`refs/pull/${index}/head`) ?? fresh.headSha;
    // services/pull/merge.go: a head_commit_id that is not the head is ErrSHADoesNotMatch → 409.
    if (expected !== '' && expected !== headSha) return { result: 'head-moved' as const };
    const baseSha = refs.get(baseRef);
    if (!baseSha) return { result: 'no-base' as const };
    const made = await createMergeCommit({
      gitDir,
      baseSha,
      headSha,
      style,
      message,
      doer: { name: user.fullName || user.login, email: user.email, when },
    });
    if (made.result !== 'commit') return made;
    try {
      await p.core.git.updateRef(gitDir, baseRef, made.sha, baseSha);
    } catch {
      return { result: 'base-moved' as const };
    }
    const iso = p.t.now();
    p.t.savePull({
      ...fresh,
      headSha,
      merged: true,
      mergedAt: iso,
      mergedBy: user.login,
      mergeCommitSha: made.sha,
    });
    p.t.saveIssue({ ...freshIssue, state: 'closed', closedAt: iso, updatedAt: iso });
    p.t.touchRepo(repo, iso);
    return { result: 'merged' as const, sha: made.sha, baseSha };
  });
  if (outcome.result === 'already-merged') throw new ApiError(405, '');
  if (outcome.result === 'closed') throw new ApiError(404, NOT_FOUND);
  if (outcome.result === 'head-moved') throw new ApiError(409, 'head out of date');
  if (outcome.result === 'no-base') throw new ApiError(405, 'Please try again later');
  if (outcome.result === 'conflict' || outcome.result === 'unrelated') {
    throw new ApiError(409, `Merge Conflict Error: ${outcome.result}`);
  }
  if (outcome.result === 'base-moved') throw new ApiError(409, 'merge push out of date');

  await p.core.refsUpdated(repo, [{ ref: baseRef, oldSha: outcome.baseSha, newSha: outcome.sha }], user);
  await p.record('closed', repo, index, user);

  if (body.delete_branch_after_merge === true) await deleteHeadBranch(p, repo, pull, user);
  return { status: 200 };
}

/** MergePullRequest's `delete_branch_after_merge`: only when no other open pull uses the branch. */
async function deleteHeadBranch(
  p: Pulls,
  repo: RepoRecord,
  pull: PullRecord,
  user: UserRecord,
): Promise<void> {
  const others = p.t
    .pulls()
    .values()
    .some(
      (x) =>
        x.repoId === repo.id &&
        x.index !== pull.index &&
        x.headBranch === pull.headBranch &&
        !x.merged &&
        p.t.issue(repo.id, x.index)?.state === 'open',
    );
  const current = p.core.store.repoByName(repo.owner, repo.name) ?? repo;
  if (others || pull.headBranch === current.defaultBranch) return;
  const gitDir = p.gitDir(repo);
  const ref = `refs/heads/${pull.headBranch}`;
  const old = await p.core.git.withLock(gitDir, async () => {
    const sha = (await p.core.git.listRefs(gitDir)).get(ref);
    if (sha) await p.core.git.updateRef(gitDir, ref, null, sha);
    return sha;
  });
  if (old) await p.core.refsUpdated(current, [{ ref, oldSha: old, newSha: ZERO_SHA }], user);
}

/** Emits `pull_request` events for issue-level changes of a pull. */
export function pullEmitter(p: Pulls): IssueEventEmitter {
  return (action, repo, issue, sender, changes) => p.record(action, repo, issue.index, sender, changes);
}

/** Registers the pull request routes and the head-push listener. */
export function register(core: SimCore): void {
  const p = new Pulls(core);
  const r = core.router;
  const opts = { scope: 'repository' as const };
  core.store.onRefUpdate((repo, ref, _old, newSha, pusher) => p.onRefUpdate(repo, ref, newSha, pusher));

  r.add('GET', '/repos/{owner}/{repo}/pulls', (ctx) => listPulls(p, ctx), opts);
  r.add('POST', '/repos/{owner}/{repo}/pulls', (ctx) => createPull(p, ctx), opts);
  r.add(
    'GET',
    '/repos/{owner}/{repo}/pulls/{index}',
    async (ctx) => {
      const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const { issue, pull } = pullOr404(p, repo, indexParam(ctx));
      return { status: 200, body: await p.apiPull(repo, issue, pull, permission, { stats: true }) };
    },
    opts,
  );
  r.add('PATCH', '/repos/{owner}/{repo}/pulls/{index}', (ctx) => editPull(p, ctx), opts);
  r.add(
    'GET',
    '/repos/{owner}/{repo}/pulls/{base}/{head}',
    async (ctx) => {
      const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const head = parseHead(repo, ctx.params.head ?? '');
      const base = ctx.params.base ?? '';
      // issues_model.GetPullRequestByBaseHeadInfo: the newest pull for the pair, any state.
      const pull = p.t
        .pulls()
        .values()
        .filter((x) => x.repoId === repo.id && x.baseBranch === base && x.headBranch === head)
        .sort((a, b) => b.index - a.index)[0];
      if (!pull) throw new ApiError(404, NOT_FOUND);
      const issue = p.t.issue(repo.id, pull.index)!;
      return { status: 200, body: await p.apiPull(repo, issue, pull, permission, { stats: true }) };
    },
    opts,
  );
  r.add(
    'GET',
    '/repos/{owner}/{repo}/pulls/{index}/merge',
    (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const { pull } = pullOr404(p, repo, indexParam(ctx));
      // IsPullRequestMerged: 204 when merged, else the NotFound reply.
      if (pull.merged) return { status: 204 };
      throw new ApiError(404, NOT_FOUND);
    },
    opts,
  );
  r.add('POST', '/repos/{owner}/{repo}/pulls/{index}/merge', (ctx) => mergePullRoute(p, ctx), opts);
  r.add(
    'GET',
    '/repos/{owner}/{repo}/pulls/{index}.{diffType}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const kind = ctx.params.diffType;
      if (kind !== 'diff' && kind !== 'patch') throw new ApiError(404, NOT_FOUND);
      const { pull } = pullOr404(p, repo, indexParam(ctx));
      const fresh = await p.refresh(repo, pull);
      const gitDir = p.gitDir(repo);
      const headSha = (await p.core.git.listRefs(gitDir)).get(`refs/pull/${pull.index}/head`) ?? pull.headSha;
      const text = fresh.mergeBase
        ? await pullDiff(gitDir, {
            mergeBase: fresh.mergeBase,
            headSha,
            kind,
            binary: ctx.query.get('binary') === 'true',
          })
        : '';
      return { status: 200, body: text, headers: { 'content-type': 'text/plain; charset=utf-8' } };
    },
    opts,
  );
}
