/**
 * Issues and issue comments (pull requests are issues too: one number sequence per repo), and the
 * records and JSON shapes shared with the pull and search routes.
 */
import { isoSeconds } from '../clock.ts';
import { type IssueAction, recordIssueCommentEvent, recordIssueEvent } from '../collab-events.ts';
import { ApiError, type Ctx, type Reply, type SimCore } from '../server.ts';
import { apiRepo, apiUser } from '../shapes.ts';
import { PERMISSION_RANK, type Permission, type RepoRecord, type Store, type UserRecord } from '../store.ts';
import { Pulls, pullEmitter } from './pulls.ts';

/** An issue or the issue half of a pull request. */
export interface IssueRecord {
  id: number;
  repoId: number;
  index: number;
  isPull: boolean;
  title: string;
  body: string;
  state: 'open' | 'closed';
  poster: string;
  assignees: string[];
  comments: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** The pull half of a pull request. */
export interface PullRecord {
  id: number;
  repoId: number;
  index: number;
  headBranch: string;
  baseBranch: string;
  /** Tip of `refs/pull/N/head`. */
  headSha: string;
  mergeBase: string;
  /** Last trial-merge outcome (Gitea's PullRequestStatus). */
  status: 'mergeable' | 'conflict' | 'empty';
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
}

/** A comment on an issue or pull request. */
export interface CommentRecord {
  id: number;
  repoId: number;
  index: number;
  poster: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

type Json = Record<string, unknown>;

/** Collections and helpers over the store for issues, pulls and comments. */
export class Tracker {
  constructor(readonly core: SimCore) {}

  get store(): Store {
    return this.core.store;
  }

  issues() {
    return this.store.collection<IssueRecord>('issues');
  }

  pulls() {
    return this.store.collection<PullRecord>('pulls');
  }

  comments() {
    return this.store.collection<CommentRecord>('comments');
  }

  now(): string {
    return isoSeconds(this.core.clock.now());
  }

  issue(repoId: number, index: number): IssueRecord | undefined {
    return this.issues().get(`${repoId}/${index}`);
  }

  pull(repoId: number, index: number): PullRecord | undefined {
    return this.pulls().get(`${repoId}/${index}`);
  }

  saveIssue(issue: IssueRecord): void {
    this.issues().put(`${issue.repoId}/${issue.index}`, issue);
  }

  savePull(pull: PullRecord): void {
    this.pulls().put(`${pull.repoId}/${pull.index}`, pull);
  }

  /**
   * Moves the repository's `updated_at` to `when` (the reconciler watches it) and recounts
   * `open_issues_count` / `open_pr_counter` (Gitea keeps num_open_issues / num_open_pulls).
   */
  touchRepo(repo: RepoRecord, when: string): RepoRecord {
    const current = this.store.repoByName(repo.owner, repo.name) ?? repo;
    let openIssues = 0;
    let openPulls = 0;
    for (const i of this.issues().values()) {
      if (i.repoId !== current.id || i.state !== 'open') continue;
      if (i.isPull) openPulls += 1;
      else openIssues += 1;
    }
    const next = { ...current, updatedAt: when, openIssues, openPulls };
    this.store.saveRepo(next);
    return next;
  }

  user(login: string): UserRecord {
    const u = this.store.userByLogin(login);
    if (u) return u;
    // Gitea shows a deleted poster as the ghost user (models/user/user.go NewGhostUser).
    return {
      id: -1,
      login: 'Ghost',
      fullName: '',
      email: '',
      password: '',
      isAdmin: false,
      createdAt: '1970-01-01T00:00:00Z',
    };
  }

  apiUser(login: string): Json {
    return apiUser(this.core.baseUrl, this.user(login));
  }

  apiRepo(repo: RepoRecord, permission: Permission): Json {
    const current = this.store.repoByName(repo.owner, repo.name) ?? repo;
    return apiRepo(this.core.baseUrl, this.store, current, permission);
  }

  htmlUrl(repo: RepoRecord, issue: IssueRecord): string {
    return `${this.core.baseUrl}/${repo.owner}/${repo.name}/${issue.isPull ? 'pulls' : 'issues'}/${issue.index}`;
  }

  /** The Issue definition (services/convert/issue.go ToAPIIssue). */
  apiIssue(repo: RepoRecord, issue: IssueRecord): Json {
    const pull = issue.isPull ? this.pull(repo.id, issue.index) : undefined;
    const html = this.htmlUrl(repo, issue);
    const assignees = issue.assignees.map((a) => this.apiUser(a));
    return {
      assets: [],
      assignee: assignees[0] ?? null,
      // convert/issue.go appends assignees to a nil slice: no assignee is `null`.
      assignees: assignees.length > 0 ? assignees : null,
      body: issue.body,
      closed_at: issue.closedAt,
      comments: issue.comments,
      created_at: issue.createdAt,
      due_date: null,
      html_url: html,
      id: issue.id,
      is_locked: false,
      labels: [],
      milestone: null,
      number: issue.index,
      original_author: '',
      original_author_id: 0,
      pin_order: 0,
      pull_request: pull
        ? {
            draft: isWorkInProgress(issue.title),
            html_url: html,
            merged: pull.merged,
            merged_at: pull.mergedAt,
          }
        : null,
      ref: '',
      repository: {
        full_name: `${repo.owner}/${repo.name}`,
        id: repo.id,
        name: repo.name,
        owner: repo.owner,
      },
      state: issue.state,
      title: issue.title,
      updated_at: issue.updatedAt,
      url: `${this.core.baseUrl}/api/v1/repos/${repo.owner}/${repo.name}/issues/${issue.index}`,
      user: this.apiUser(issue.poster),
    };
  }

  /** The Comment definition; `issue_url` / `pull_request_url` as models/issues/comment.go IssueURL/PRURL. */
  apiComment(repo: RepoRecord, issue: IssueRecord, c: CommentRecord): Json {
    const html = this.htmlUrl(repo, issue);
    return {
      assets: [],
      body: c.body,
      created_at: c.createdAt,
      html_url: `${html}#issuecomment-${c.id}`,
      id: c.id,
      issue_url: issue.isPull ? '' : html,
      original_author: '',
      original_author_id: 0,
      pull_request_url: issue.isPull ? html : '',
      updated_at: c.updatedAt,
      user: this.apiUser(c.poster),
    };
  }
}

/** Gitea's default `[repository.pull-request] WORK_IN_PROGRESS_PREFIXES`: `WIP:` and `[WIP]`. */
export function isWorkInProgress(title: string): boolean {
  const t = title.trimStart().toUpperCase();
  return t.startsWith('WIP:') || t.startsWith('[WIP]');
}

/** Parses a positive integer path parameter or answers 404 as Gitea does for a bad index. */
export function indexParam(ctx: Ctx, name = 'index'): number {
  const raw = ctx.params[name] ?? '';
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new ApiError(404, "The target couldn't be found.");
  return n;
}

/** Reads `since`/`before` as RFC 3339 (routers/api/v1/utils GetQueryBeforeSince); 422 when malformed. */
export function sinceBefore(ctx: Ctx): { since: number | null; before: number | null } {
  const parse = (name: 'since' | 'before'): number | null => {
    const raw = ctx.query.get(name);
    if (raw === null || raw === '') return null;
    const t = Date.parse(raw);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(t)) {
      throw new ApiError(422, `parsing time "${raw}" as "2006-01-02T15:04:05Z07:00": cannot parse "${name}"`);
    }
    // Gitea compares unix seconds: `updated_unix >= since` (models/issues/issue_search.go).
    return Math.floor(t / 1000);
  };
  return { since: parse('since'), before: parse('before') };
}

const unix = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** Filters shared by the repo issue list and the cross-repo issue search. */
export interface IssueFilter {
  state: 'open' | 'closed' | 'all';
  type: 'issues' | 'pulls' | null;
  keyword: string;
  since: number | null;
  before: number | null;
  /**
   * Label names. Gitea discards names that match no label ("Non existent labels are discarded")
   * and an empty label set filters nothing; the simulator has no labels, so this never filters.
   */
  labels: string[];
  createdBy: string | null;
  assignedTo: string | null;
}

/** Reads the common issue filters from the query. */
export function issueFilter(ctx: Ctx): IssueFilter {
  const state = ctx.query.get('state');
  const type = ctx.query.get('type');
  const { since, before } = sinceBefore(ctx);
  const labels = (ctx.query.get('labels') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return {
    state: state === 'closed' ? 'closed' : state === 'all' ? 'all' : 'open',
    type: type === 'issues' || type === 'pulls' ? type : null,
    keyword: (ctx.query.get('q') ?? '').trim(),
    since,
    before,
    labels,
    createdBy: ctx.query.get('created_by') || null,
    assignedTo: ctx.query.get('assigned_by') || null,
  };
}

/** Applies the filter and Gitea's default order (newest created first, then id). */
export function filterIssues(all: IssueRecord[], f: IssueFilter): IssueRecord[] {
  const kw = f.keyword.toLowerCase();
  return all
    .filter((i) => f.state === 'all' || i.state === f.state)
    .filter((i) => f.type === null || i.isPull === (f.type === 'pulls'))
    .filter((i) => kw === '' || i.title.toLowerCase().includes(kw) || i.body.toLowerCase().includes(kw))
    .filter((i) => f.since === null || unix(i.updatedAt) >= f.since)
    .filter((i) => f.before === null || unix(i.updatedAt) <= f.before)
    .filter((i) => f.createdBy === null || i.poster.toLowerCase() === f.createdBy.toLowerCase())
    .filter(
      (i) =>
        f.assignedTo === null || i.assignees.some((a) => a.toLowerCase() === f.assignedTo?.toLowerCase()),
    )
    .sort((a, b) => unix(b.createdAt) - unix(a.createdAt) || b.id - a.id);
}

/** Resolves assignee logins; 422 names the first unknown one (Gitea: "Assignee does not exist"). */
export function resolveAssignees(store: Store, repo: RepoRecord, logins: readonly string[]): string[] {
  const out: string[] = [];
  for (const login of logins) {
    const u = store.userByLogin(login);
    if (!u) throw new ApiError(422, `Assignee does not exist: [name: ${login}]`);
    // access_model.CanBeAssigned: the assignee needs write access to the repository.
    if (PERMISSION_RANK[store.permission(repo, u)] < PERMISSION_RANK.write) {
      throw new ApiError(422, `user "${u.login}" does not have access to repository "${repo.name}"`);
    }
    if (!out.includes(u.login)) out.push(u.login);
  }
  return out;
}

function stringField(body: Json, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError(422, `"${name}" must be a string`);
  return v;
}

function stringList(body: Json, name: string): string[] | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new ApiError(422, `"${name}" must be a list of logins`);
  return v as string[];
}

/** The JSON object body of a request, or 422. */
export function objectBody(ctx: Ctx): Json {
  const b = ctx.body;
  if (b === undefined) return {};
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    throw new ApiError(422, 'the request body must be a JSON object');
  return b as Json;
}

/** Emits the event for an issue-level change: `issues` for issues, `pull_request` for pulls. */
export type IssueEventEmitter = (
  action: IssueAction,
  repo: RepoRecord,
  issue: IssueRecord,
  sender: UserRecord,
  changes?: { title?: { from: string }; body?: { from: string } },
) => Promise<void> | void;

/** Field edits shared by `PATCH issues/{index}` and `PATCH pulls/{index}`. */
export interface IssueEdit {
  title?: string;
  body?: string;
  assignees?: string[];
  state?: 'open' | 'closed';
}

/** Applies edits in Gitea's order (title, body, assignees, state), one event per change. */
export async function applyIssueEdit(
  t: Tracker,
  input: {
    repo: RepoRecord;
    issue: IssueRecord;
    sender: UserRecord;
    edit: IssueEdit;
    emit: IssueEventEmitter;
  },
): Promise<IssueRecord> {
  const { repo, sender, edit, emit } = input;
  let issue = { ...input.issue };
  const change = async (
    next: IssueRecord,
    action: IssueAction,
    changes?: Parameters<IssueEventEmitter>[4],
  ) => {
    const when = t.now();
    issue = { ...next, updatedAt: when };
    t.saveIssue(issue);
    t.touchRepo(repo, when);
    await emit(action, repo, issue, sender, changes);
  };
  if (edit.title !== undefined && edit.title !== '' && edit.title !== issue.title) {
    await change({ ...issue, title: edit.title }, 'edited', { title: { from: issue.title } });
  }
  if (edit.body !== undefined && edit.body !== issue.body) {
    await change({ ...issue, body: edit.body }, 'edited', { body: { from: issue.body } });
  }
  if (edit.assignees !== undefined) {
    const next = resolveAssignees(t.store, repo, edit.assignees);
    const removed = issue.assignees.filter((a) => !next.includes(a));
    const added = next.filter((a) => !issue.assignees.includes(a));
    for (const login of removed) {
      await change({ ...issue, assignees: issue.assignees.filter((a) => a !== login) }, 'unassigned');
    }
    for (const login of added) {
      await change({ ...issue, assignees: [...issue.assignees, login] }, 'assigned');
    }
  }
  if (edit.state !== undefined && edit.state !== issue.state) {
    const when = t.now();
    await change(
      { ...issue, state: edit.state, closedAt: edit.state === 'closed' ? when : null },
      edit.state === 'closed' ? 'closed' : 'reopened',
    );
  }
  return issue;
}

/** Reads the edit fields of EditIssueOption / EditPullRequestOption. */
export function readEdit(body: Json): IssueEdit {
  const state = stringField(body, 'state');
  if (state !== undefined && state !== 'open' && state !== 'closed') {
    throw new ApiError(422, `"state" must be "open" or "closed", not "${state}"`);
  }
  const single = stringField(body, 'assignee');
  const list = stringList(body, 'assignees');
  return {
    title: stringField(body, 'title'),
    body: stringField(body, 'body'),
    // issue_service.UpdateAssignees: `assignees` wins; the deprecated `assignee` is used alone.
    assignees: list ?? (single !== undefined && single !== '' ? [single] : undefined),
    state: state as IssueEdit['state'],
  };
}

/** True when `user` may edit the issue: its poster or a writer (routers/api/v1/repo/issue.go EditIssue). */
export function canEdit(store: Store, repo: RepoRecord, issue: IssueRecord, user: UserRecord): boolean {
  if (issue.poster.toLowerCase() === user.login.toLowerCase()) return true;
  return PERMISSION_RANK[store.permission(repo, user)] >= PERMISSION_RANK.write;
}

/** Registers the issue routes. Pull-specific side effects come in through `emitFor`. */
export function registerIssueRoutes(core: SimCore, emitFor: (t: Tracker) => IssueEventEmitter): void {
  const t = new Tracker(core);
  const emit = emitFor(t);
  const r = core.router;

  r.add(
    'GET',
    '/repos/{owner}/{repo}/issues',
    (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const filter = issueFilter(ctx);
      // ListIssues getUserIDForFilter: an unknown created_by / assigned_by user is 404.
      for (const login of [filter.createdBy, filter.assignedTo]) {
        if (login !== null && !core.store.userByLogin(login)) {
          throw new ApiError(404, `user does not exist [name: ${login}]`);
        }
      }
      const all = t
        .issues()
        .values()
        .filter((i) => i.repoId === repo.id);
      const list = filterIssues(all, filter);
      const p = ctx.paging();
      return ctx.listReply(
        list.slice(p.skip, p.skip + p.limit).map((i) => t.apiIssue(repo, i)),
        list.length,
        p,
      );
    },
    { scope: 'issue' },
  );

  r.add(
    'GET',
    '/repos/{owner}/{repo}/issues/{index}',
    (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const issue = t.issue(repo.id, indexParam(ctx));
      if (!issue) throw new ApiError(404, "The target couldn't be found.");
      return { status: 200, body: t.apiIssue(repo, issue) };
    },
    { scope: 'issue' },
  );

  r.add(
    'POST',
    '/repos/{owner}/{repo}/issues',
    async (ctx) => {
      const user = ctx.requireUser();
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const body = objectBody(ctx);
      const title = stringField(body, 'title');
      if (!title || title.trim() === '') throw new ApiError(422, '[Title]: Required');
      const text = stringField(body, 'body') ?? '';
      const single = stringField(body, 'assignee');
      const requested = stringList(body, 'assignees') ?? (single ? [single] : []);
      // CreateIssue only honours assignees when the doer can write (routers/api/v1/repo/issue.go).
      const canWrite = PERMISSION_RANK[core.store.permission(repo, user)] >= PERMISSION_RANK.write;
      const assignees = canWrite ? resolveAssignees(core.store, repo, requested) : [];
      const closed = body.closed === true;
      const when = t.now();
      const index = core.store.nextIssueIndex(repo.id);
      let issue: IssueRecord = {
        id: core.store.nextSeq('issue'),
        repoId: repo.id,
        index,
        isPull: false,
        title,
        body: text,
        state: 'open',
        poster: user.login,
        assignees: [],
        comments: 0,
        createdAt: when,
        updatedAt: when,
        closedAt: null,
      };
      t.saveIssue(issue);
      t.touchRepo(repo, when);
      await emit('opened', repo, issue, user);
      if (assignees.length > 0 || closed) {
        issue = await applyIssueEdit(t, {
          repo,
          issue,
          sender: user,
          edit: {
            assignees: assignees.length > 0 ? assignees : undefined,
            state: closed ? 'closed' : undefined,
          },
          emit,
        });
      }
      return { status: 201, body: t.apiIssue(repo, issue) };
    },
    { scope: 'issue' },
  );

  r.add(
    'PATCH',
    '/repos/{owner}/{repo}/issues/{index}',
    async (ctx) => {
      const user = ctx.requireUser();
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const issue = t.issue(repo.id, indexParam(ctx));
      if (!issue) throw new ApiError(404, "The target couldn't be found.");
      if (!canEdit(core.store, repo, issue, user)) return { status: 403 };
      const edit = readEdit(objectBody(ctx));
      const canWrite = PERMISSION_RANK[core.store.permission(repo, user)] >= PERMISSION_RANK.write;
      if (!canWrite) edit.assignees = undefined;
      if (edit.state !== undefined && issue.isPull && t.pull(repo.id, issue.index)?.merged) {
        throw new ApiError(412, 'cannot change state of this pull request, it was already merged');
      }
      const next = await applyIssueEdit(t, { repo, issue, sender: user, edit, emit });
      return { status: 201, body: t.apiIssue(repo, next) };
    },
    { scope: 'issue' },
  );

  r.add(
    'GET',
    '/repos/{owner}/{repo}/issues/{index}/comments',
    (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const issue = t.issue(repo.id, indexParam(ctx));
      if (!issue) throw new ApiError(404, "The target couldn't be found.");
      const { since, before } = sinceBefore(ctx);
      // issues_model.FindComments: `updated_unix >= since`, `<= before`, oldest first.
      const list = t
        .comments()
        .values()
        .filter((c) => c.repoId === repo.id && c.index === issue.index)
        .filter((c) => since === null || unix(c.updatedAt) >= since)
        .filter((c) => before === null || unix(c.updatedAt) <= before)
        .sort((a, b) => unix(a.createdAt) - unix(b.createdAt) || a.id - b.id);
      return { status: 200, body: list.map((c) => t.apiComment(repo, issue, c)) };
    },
    { scope: 'issue' },
  );

  r.add('POST', '/repos/{owner}/{repo}/issues/{index}/comments', (ctx) => createComment(t, ctx), {
    scope: 'issue',
  });
}

function createComment(t: Tracker, ctx: Ctx): Reply {
  const user = ctx.requireUser();
  const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
  const issue = t.issue(repo.id, indexParam(ctx));
  if (!issue) throw new ApiError(404, "The target couldn't be found.");
  const body = objectBody(ctx);
  const text = stringField(body, 'body');
  if (text === undefined || text === '') throw new ApiError(422, '[Body]: Required');
  const when = t.now();
  const comment: CommentRecord = {
    id: t.store.nextSeq('comment'),
    repoId: repo.id,
    index: issue.index,
    poster: user.login,
    body: text,
    createdAt: when,
    updatedAt: when,
  };
  t.comments().put(String(comment.id), comment);
  // A new comment moves the issue's updated_unix (issues_model.CreateComment updates the issue).
  const next = { ...issue, comments: issue.comments + 1, updatedAt: when };
  t.saveIssue(next);
  const current = t.touchRepo(repo, when);
  // services/webhook/notifier.go renders the repository with owner access in hook payloads.
  recordIssueCommentEvent(t.core.events, {
    action: 'created',
    issue: t.apiIssue(current, next),
    comment: t.apiComment(current, next, comment),
    repository: t.apiRepo(current, 'admin'),
    sender: apiUser(t.core.baseUrl, user),
    isPull: next.isPull,
  });
  return { status: 201, body: t.apiComment(current, next, comment) };
}

/** Records the `issues` event for plain issues. */
export function recordIssueChange(
  t: Tracker,
  action: IssueAction,
  repo: RepoRecord,
  issue: IssueRecord,
  sender: UserRecord,
  changes?: { title?: { from: string }; body?: { from: string } },
): void {
  const current = t.store.repoByName(repo.owner, repo.name) ?? repo;
  recordIssueEvent(t.core.events, {
    action,
    issue: t.apiIssue(current, issue),
    repository: t.apiRepo(current, 'admin'),
    sender: apiUser(t.core.baseUrl, sender),
    changes,
  });
}

/** Registers the issue and comment routes; edits of pulls emit `pull_request` events. */
export function register(core: SimCore): void {
  const pulls = new Pulls(core);
  const forPulls = pullEmitter(pulls);
  registerIssueRoutes(
    core,
    (t) => (action, repo, issue, sender, changes) =>
      issue.isPull
        ? forPulls(action, repo, issue, sender, changes)
        : recordIssueChange(t, action, repo, issue, sender, changes),
  );
}
