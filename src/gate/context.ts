/**
 * What one operation run sees: the command, its key, the clients, and the write path that
 * records whether anything was written. Also the probes and writes the operations share.
 */
import {
  appendTrailers,
  type Entry,
  entryPath,
  formatGateKeyTrailer,
  formatOnBehalfOf,
  parseEntry,
  parseGateKeyTrailer,
  parseKeyMarkers,
  withKeyMarker,
  withOnBehalfOf,
} from '../entry/index.ts';
import type { GiteaClient, GiteaResponse, RequestOptions } from '../gitea/client.ts';
import {
  GiteaHttpError,
  GiteaNetworkError,
  GiteaTimeoutError,
  isStatus,
  OutcomeUnknownError,
} from '../gitea/errors.ts';
import { type CachedEntry, readCachedEntries } from './cached.ts';
import { relateKey } from './key.ts';
import { type Command, type EntrySource, type GateConfig, GateRefusedError, type Touched } from './types.ts';

/** State kept across the attempts of one `runGate` call. */
export interface RunState {
  /** a write succeeded */
  wrote: boolean;
  /** a write failed in a way that may have taken effect */
  uncertain: boolean;
  /** that write was a create sent before its probe (`writeFirst`): it may also have been refused */
  uncertainBeforeProbe?: boolean;
  touched: Touched[];
  /** the actor's full name, when a permission lookup returned it */
  actorName: string | null;
  /** entries come from the API from now on (the entry source was stale, failed, or must be checked) */
  apiEntries: boolean;
  /** the audit log is at hand and holds no row of this command's request (see `OpContext.writeFirst`) */
  unrecorded: boolean;
  /** the cache artifact's entry rows, once loaded */
  cached?: Promise<Map<string, CachedEntry>>;
  /** the login of the user `gitea` writes as (`GateDeps.botLogin`, else `GET /user` once asked) */
  botLogin: Promise<string> | null;
}

/** What an operation reports. `executedAt`: when a found prior effect was made, when known. */
export interface OpOutcome {
  url: string | null;
  number: number | null;
  message: string;
  executedAt?: string | null;
}

/** Thrown by an operation when a guarded write lost a race (blob sha moved); the run is repeated. */
export class RetryableConflict extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableConflict';
  }
}

/** True for failures after which a write may or may not have happened, or Gitea may answer next time. */
export function isTransient(e: unknown): boolean {
  if (e instanceof OutcomeUnknownError || e instanceof GiteaTimeoutError || e instanceof GiteaNetworkError)
    return true;
  if (e instanceof RetryableConflict) return true;
  return e instanceof GiteaHttpError && (e.status >= 500 || e.status === 429);
}

/** owner/name split. */
export function splitRepo(full: string): { owner: string; repo: string } {
  const i = full.indexOf('/');
  return { owner: full.slice(0, i), repo: full.slice(i + 1) };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

interface GiteaUser {
  login: string;
  full_name?: string;
}
/** The fields of an issue or PR the gate reads. */
export interface GiteaIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  html_url: string;
  created_at: string;
  user: GiteaUser | null;
  assignees?: GiteaUser[] | null;
  merged?: boolean;
  head?: { ref: string; sha: string };
  /** `repo`: the repository the PR is in */
  base?: { ref: string; repo?: { full_name?: string; description?: string } | null };
}
interface GiteaComment {
  id: number;
  body: string | null;
  html_url: string;
  created_at: string;
}
interface GiteaBranch {
  name: string;
  commit: { id: string; message: string; timestamp?: string };
}
interface GiteaContents {
  sha: string;
  content: string | null;
  type: string;
  name: string;
  path: string;
}

/** A parsed entry as stored on a branch. */
export interface StoredEntry {
  entry: Entry;
  sha: string;
  path: string;
  text: string;
}

/**
 * One file of `scanEntries`: its text, or (when only the cache artifact had that very blob) the
 * id the artifact read from it.
 */
export type ScannedEntry =
  | { path: string; sha: string; text: string }
  | { path: string; sha: string; text: null; cachedId: number | null };

/** What an `OpContext` is made of. */
export interface OpContextOptions {
  gitea: GiteaClient;
  botGitea: GiteaClient | undefined;
  command: Command;
  key: string;
  now: Date;
  config: GateConfig;
  state: RunState;
  sleep: (ms: number) => Promise<void>;
  entries: EntrySource | null;
  /** the cache artifact's directory (`GateDeps.auditDir`) */
  cacheDir: string;
  /** `GateDeps.requestedAt`, checked: the `since` of the probes that list issues or comments */
  since: string | null;
}

/** The context of one operation attempt. */
export class OpContext {
  readonly meta: { owner: string; repo: string };
  /** owner/name of the meta repo: `config.metaRepo`, else the command's repo */
  readonly metaRepo: string;
  /** entries read from the entry source in this attempt and not yet confirmed by a sha-guarded write */
  localReads = 0;
  /** a write of this attempt succeeded */
  wroteNow = false;
  /** this attempt found an object carrying our key */
  foundOwn = false;
  /** this attempt probed right before its claimed (or, in an empty repo, unguarded) write: that write did not go before a probe */
  private probedUnderClaim = false;

  readonly gitea: GiteaClient;
  readonly botGitea: GiteaClient | undefined;
  readonly command: Command;
  readonly key: string;
  readonly now: Date;
  readonly config: GateConfig;
  readonly state: RunState;
  readonly sleep: (ms: number) => Promise<void>;
  readonly entries: EntrySource | null;
  private readonly cacheDir: string;
  private readonly since: string | null;

  constructor(o: OpContextOptions) {
    this.gitea = o.gitea;
    this.botGitea = o.botGitea;
    this.command = o.command;
    this.key = o.key;
    this.now = o.now;
    this.config = o.config;
    this.state = o.state;
    this.sleep = o.sleep;
    this.entries = o.entries;
    this.cacheDir = o.cacheDir;
    this.since = o.since;
    this.metaRepo = o.config.metaRepo ?? o.command.repo;
    this.meta = splitRepo(this.metaRepo);
  }

  get actor(): string {
    return this.command.actor;
  }

  /**
   * A branch create may go before its probe: the cache artifact is at hand, its audit log holds no
   * row of this request, and this call has not written. A prior effect then exists only if a run's
   * rows were lost (killed before the artifact was committed, or the artifact was rebuilt) or a twin
   * runs now, and Gitea refuses the create (409/422) without changing anything: one effect either
   * way, for one read less.
   */
  get writeFirst(): boolean {
    return this.state.unrecorded && !this.state.wrote && !this.state.uncertain;
  }

  /** Sends a write that is part of the command's effect and records its outcome in the run state. */
  async write<T>(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    route: string,
    options: RequestOptions,
    client: GiteaClient = this.gitea,
  ): Promise<GiteaResponse<T>> {
    try {
      const res = await client.request<T>(method, route, options);
      this.state.wrote = true;
      this.wroteNow = true;
      return res;
    } catch (e) {
      if (isTransient(e)) {
        // A create sent before its probe may have been refused for a lost-rows run's object.
        if (this.writeFirst && !this.probedUnderClaim) this.state.uncertainBeforeProbe = true;
        this.state.uncertain = true;
      }
      throw e;
    }
  }

  touch(t: Touched): void {
    if (!this.state.touched.some((x) => JSON.stringify(x) === JSON.stringify(t))) this.state.touched.push(t);
  }

  /** Checks keys found on an object: true when one is ours; refuses when one is another command of the same request. */
  ownsAny(keys: readonly (string | null)[], where: string): boolean {
    let mine = false;
    for (const k of keys) {
      if (k === null) continue;
      const rel = relateKey(k, this.key);
      if (rel === 'same') {
        mine = true;
        this.foundOwn = true;
      } else if (rel === 'same-request') {
        throw new GateRefusedError(
          `request "${this.command.request}" from "${this.command.source}" already ran ${this.command.op} with another payload (key "${k}" on ${where}); ` +
            'send the changed command as a new request',
        );
      }
    }
    return mine;
  }

  /** The trailer block for commits made for the actor. */
  commitMessage(subject: string, body = ''): string {
    const text = body ? `${subject}\n\n${body}` : subject;
    return appendTrailers(text, [
      formatOnBehalfOf({ login: this.actor, name: this.state.actorName }),
      formatGateKeyTrailer(this.key),
    ]);
  }

  /** A PR or issue body made for the actor: On-behalf-of trailer, then the hidden key marker. */
  personBody(body: string): string {
    return withKeyMarker(withOnBehalfOf(body, { login: this.actor, name: this.state.actorName }), this.key);
  }

  /** A comment body with the hidden key marker. */
  markedBody(body: string): string {
    return withKeyMarker(body, this.key);
  }

  webUrl(path: string): string {
    return `${this.gitea.baseUrl}/${path}`;
  }

  // ---- probes ----

  /** Every issue (or PR) of `repo` in every state, all pages (updated since the request, when known). */
  async listIssues(repo: string, type: 'issues' | 'pulls'): Promise<GiteaIssue[]> {
    return this.gitea.paginate<GiteaIssue>('/repos/{owner}/{repo}/issues', {
      path: splitRepo(repo),
      // Gitea: `updated_unix >= since` (models/issues/issue_search.go); an issue made by a run of
      // this request was created, so updated, at or after the request.
      query: { state: 'all', type, ...(this.since ? { since: this.since } : {}) },
    });
  }

  /** The first issue/PR of `repo` whose body carries our key. */
  async findMarkedIssue(repo: string, type: 'issues' | 'pulls'): Promise<GiteaIssue | null> {
    let found: GiteaIssue | null = null;
    for (const issue of await this.listIssues(repo, type)) {
      if (this.ownsAny(parseKeyMarkers(issue.body ?? ''), `${repo}#${issue.number}`) && found === null)
        found = issue;
    }
    return found;
  }

  /** The first comment on `repo#number` whose body carries our key. */
  async findMarkedComment(repo: string, number: number): Promise<GiteaComment | null> {
    // Not paged: Gitea's issueGetComments takes no page or limit and answers every comment
    // (routers/api/v1/repo/issue_comment.go ListIssueComments), so one request reads the thread.
    const comments =
      (
        await this.gitea.request<GiteaComment[] | null>(
          'GET',
          '/repos/{owner}/{repo}/issues/{index}/comments',
          {
            path: { ...splitRepo(repo), index: number },
            // Gitea: `comment.updated_unix >= since` (issues_model.FindCommentsOptions.ToConds).
            ...(this.since ? { query: { since: this.since } } : {}),
          },
        )
      ).data ?? [];
    let found: GiteaComment | null = null;
    for (const c of comments) {
      if (this.ownsAny(parseKeyMarkers(c.body ?? ''), `a comment on ${repo}#${number}`) && found === null)
        found = c;
    }
    return found;
  }

  async getIssue(repo: string, number: number): Promise<GiteaIssue> {
    try {
      return (
        await this.gitea.request<GiteaIssue>('GET', '/repos/{owner}/{repo}/issues/{index}', {
          path: { ...splitRepo(repo), index: number },
        })
      ).data;
    } catch (e) {
      if (isStatus(e, 404))
        throw new GateRefusedError(`"${repo}" has no issue or PR #${number}`, { cause: e });
      throw e;
    }
  }

  async getPull(repo: string, number: number): Promise<GiteaIssue> {
    try {
      return (
        await this.gitea.request<GiteaIssue>('GET', '/repos/{owner}/{repo}/pulls/{index}', {
          path: { ...splitRepo(repo), index: number },
        })
      ).data;
    } catch (e) {
      if (isStatus(e, 404)) throw new GateRefusedError(`"${repo}" has no PR #${number}`, { cause: e });
      throw e;
    }
  }

  /** A branch's head commit, or null when the branch does not exist. */
  async branchHead(
    repo: string,
    branch: string,
    client: GiteaClient = this.gitea,
  ): Promise<GiteaBranch | null> {
    try {
      return (
        await client.request<GiteaBranch>('GET', '/repos/{owner}/{repo}/branches/{branch}', {
          path: { ...splitRepo(repo), branch },
        })
      ).data;
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  /** True when the branch's head commit carries our Gate-Key; refuses on another command of the same request. */
  headIsOurs(head: GiteaBranch, repo: string): boolean {
    return this.ownsAny(
      [parseGateKeyTrailer(head.commit.message)],
      `the head commit of "${repo}" branch "${head.name}"`,
    );
  }

  /** A file on a branch (default branch when `ref` is null), or null when absent. */
  async readFile(repo: string, path: string, ref: string | null, client: GiteaClient = this.gitea) {
    try {
      const res = await client.request<GiteaContents>('GET', '/repos/{owner}/{repo}/contents/{filepath}', {
        path: { ...splitRepo(repo), filepath: path },
        query: ref ? { ref } : {},
      });
      if (res.data.type !== 'file') throw new GateRefusedError(`"${repo}" path "${path}" is not a file`);
      return { sha: res.data.sha, text: unb64(res.data.content ?? '') };
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  /**
   * The entry of `slug` on `ref` of the meta repo, or null when absent; refuses when it does not
   * parse. `guarded`: the caller's first write carries the blob sha read here, so Gitea refuses
   * it when the entry changed; only such reads may come from the (possibly stale) entry source.
   */
  async readEntry(
    slug: string,
    ref: string | null = null,
    opts: { guarded?: boolean } = {},
  ): Promise<StoredEntry | null> {
    const path = entryPath(slug);
    const local = ref === null && opts.guarded ? await this.readLocal(path) : undefined;
    const file = local === undefined ? await this.readFile(this.metaRepo, path, ref) : local;
    if (!file) return null;
    return this.parseStored(path, file);
  }

  /** A file from the entry source: undefined when there is none to use or it failed (read from the API instead). */
  private async readLocal(path: string): Promise<{ sha: string; text: string } | null | undefined> {
    if (!this.entries || this.state.apiEntries) return undefined;
    try {
      const sha = (await this.entries.list()).get(path);
      const text = sha === undefined ? null : (await this.entries.texts([sha])).get(sha);
      if (text === undefined) return undefined;
      this.localReads++;
      return sha === undefined || text === null ? null : { sha, text };
    } catch {
      // A broken checkout costs requests, never correctness: the API has the same data.
      this.state.apiEntries = true;
      return undefined;
    }
  }

  private parseStored(path: string, file: { sha: string; text: string }): StoredEntry {
    const parsed = parseEntry(file.text, { path });
    if (!parsed.ok) {
      const why = parsed.problems.map((p) => `${p.field ?? 'file'}: ${p.message}`).join('; ');
      throw new GateRefusedError(
        `"${this.metaRepo}" file "${path}" is not a valid entry (${why}); fix it first`,
      );
    }
    return { entry: parsed.entry, sha: file.sha, path, text: file.text };
  }

  /**
   * The login of the user the gate writes as, whose issues and PRs alone have their
   * `On-behalf-of` trailer trusted: `GateDeps.botLogin`, else `GET /user`, read at most once per run.
   */
  botLogin(): Promise<string> {
    if (this.state.botLogin === null) {
      const read = this.gitea.request<{ login: string }>('GET', '/user').then(
        (res) => res.data.login,
        (e: unknown) => {
          // A failed read is not kept: a retried attempt asks again.
          if (this.state.botLogin === read) this.state.botLogin = null;
          // 401/403: Gitea's `GET /user` needs the token scope read:user.
          if (isStatus(e, 401) || isStatus(e, 403))
            throw new GateRefusedError(
              'cannot read the token\'s own user ("GET /user"), needed to tell whether the bot opened an issue or PR carrying an On-behalf-of trailer: give the token the "read:user" scope, or pass the bot\'s login ("botLogin")',
              { cause: e },
            );
          throw e;
        },
      );
      this.state.botLogin = read;
    }
    return this.state.botLogin;
  }

  /** The cache artifact's entry rows by path, read once per call; empty without an artifact of this meta repo and Gitea. */
  cachedEntries(): Promise<Map<string, CachedEntry>> {
    this.state.cached ??= readCachedEntries(this.cacheDir, {
      metaRepo: this.metaRepo,
      giteaUrl: this.gitea.baseUrl,
    });
    return this.state.cached;
  }

  /**
   * Every `rfcs/*.md` of the default branch as it is now: one listing request gives each file's
   * blob sha, so nothing below can be stale. The file at `own.path` always comes with its text:
   * `own.known` when it is that very blob, else the entry source's, else one read. Every other
   * file gives its text from the entry source when it holds that blob, else the id the cache
   * artifact read from that blob, else one read. Null when the meta repo has no `rfcs/`.
   */
  async scanEntries(own: {
    path: string;
    known: { sha: string; text: string } | null;
  }): Promise<ScannedEntry[] | null> {
    let listing: { type: string; name: string; path: string; sha: string }[];
    try {
      listing = (
        await this.gitea.request<typeof listing>('GET', '/repos/{owner}/{repo}/contents/{filepath}', {
          path: { ...this.meta, filepath: 'rfcs' },
        })
      ).data;
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
    const files = listing.filter((i) => i.type === 'file' && i.name.endsWith('.md'));
    let local = new Map<string, string>();
    if (this.entries && !this.state.apiEntries) {
      try {
        const have = new Set((await this.entries.list()).values());
        local = await this.entries.texts(files.map((f) => f.sha).filter((sha) => have.has(sha)));
      } catch {
        this.state.apiEntries = true;
      }
    }
    const cached = await this.cachedEntries();
    const out: ScannedEntry[] = [];
    for (const f of files) {
      const text = f.path === own.path && own.known?.sha === f.sha ? own.known.text : local.get(f.sha);
      if (text !== undefined) {
        out.push({ path: f.path, sha: f.sha, text });
        continue;
      }
      const row = cached.get(f.path);
      if (f.path !== own.path && row?.sha === f.sha) {
        out.push({ path: f.path, sha: f.sha, text: null, cachedId: row.id });
        continue;
      }
      const file = await this.readFile(this.metaRepo, f.path, null);
      if (file) out.push({ path: f.path, ...file });
    }
    return out;
  }

  /** Parses one file of `scanEntries`; refuses when it does not parse. */
  storedOf(file: { path: string; sha: string; text: string }): StoredEntry {
    return this.parseStored(file.path, file);
  }

  /** The entry of `slug` on the default branch; refuses when there is none. */
  async requireEntry(slug: string, opts: { guarded?: boolean } = {}): Promise<StoredEntry> {
    const stored = await this.readEntry(slug, null, opts);
    if (!stored) {
      throw new GateRefusedError(
        `"${this.metaRepo}" has no RFC "${slug}" (no "${entryPath(slug)}" on the default branch)`,
      );
    }
    return stored;
  }

  // ---- writes ----

  /**
   * Creates `branch` from the default branch; `exists` when Gitea answers 409. A claim branch
   * starts from the repo's own default branch and is not part of the effect.
   */
  async createBranch(
    repo: string,
    branch: string,
    opts: { claim?: boolean } = {},
  ): Promise<'created' | 'exists'> {
    const options = {
      path: splitRepo(repo),
      body: opts.claim
        ? { new_branch_name: branch }
        : { new_branch_name: branch, old_branch_name: this.config.defaultBranch },
    };
    try {
      if (opts.claim) await this.gitea.request('POST', '/repos/{owner}/{repo}/branches', options);
      else await this.write('POST', '/repos/{owner}/{repo}/branches', options);
      return 'created';
    } catch (e) {
      if (isStatus(e, 409)) return 'exists';
      throw e;
    }
  }

  /** Commits files in one commit onto a new branch cut from the default branch. */
  async commitNewBranch(
    repo: string,
    branch: string,
    message: string,
    files: { operation: 'create' | 'update'; path: string; content: string; sha?: string }[],
  ): Promise<void> {
    await this.write('POST', '/repos/{owner}/{repo}/contents', {
      path: splitRepo(repo),
      body: {
        branch: this.config.defaultBranch,
        new_branch: branch,
        message,
        files: files.map((f) => ({ ...f, content: b64(f.content) })),
      },
    });
  }

  /** Updates (with `sha`) or creates (without) one file on an existing branch; a moved blob is a retryable conflict. */
  async putFile(
    repo: string,
    opts: { branch: string; path: string; content: string; sha: string | null; message: string },
    client: GiteaClient = this.gitea,
  ): Promise<void> {
    try {
      await this.write(
        opts.sha ? 'PUT' : 'POST',
        '/repos/{owner}/{repo}/contents/{filepath}',
        {
          path: { ...splitRepo(repo), filepath: opts.path },
          body: {
            branch: opts.branch,
            message: opts.message,
            content: b64(opts.content),
            ...(opts.sha ? { sha: opts.sha } : {}),
          },
        },
        client,
      );
    } catch (e) {
      if (isStatus(e, 409, 422)) {
        throw new RetryableConflict(`"${repo}" file "${opts.path}" on "${opts.branch}" changed meanwhile`, {
          cause: e,
        });
      }
      throw e;
    }
  }

  /** The PR of `head` into `base`, or null. */
  async findPullByHead(repo: string, base: string, head: string): Promise<GiteaIssue | null> {
    try {
      return (
        await this.gitea.request<GiteaIssue>('GET', '/repos/{owner}/{repo}/pulls/{base}/{head}', {
          path: { ...splitRepo(repo), base, head },
        })
      ).data;
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  /**
   * Ensures one PR of ours from `head` into `base`: adopts the PR carrying our key, refuses when
   * another PR holds the head, else creates one. Gitea answers 409 to a second open PR of the same
   * head, which makes two racing creates leave one PR.
   */
  async ensurePull(
    repo: string,
    opts: { head: string; base: string; title: string; body: string; freshHead?: boolean },
  ): Promise<OpOutcome> {
    const adopt = (pr: GiteaIssue, created: boolean): OpOutcome => {
      this.touch({ kind: 'pull', repo, number: pr.number });
      return {
        url: pr.html_url,
        number: pr.number,
        message: `${created ? 'opened' : 'found'} PR #${pr.number} "${pr.title}" from "${opts.head}" in "${repo}"`,
        executedAt: created ? null : pr.created_at,
      };
    };
    const check = (pr: GiteaIssue): OpOutcome => {
      if (this.ownsAny(parseKeyMarkers(pr.body ?? ''), `${repo}#${pr.number}`)) return adopt(pr, false);
      throw new GateRefusedError(
        `"${repo}" already has PR #${pr.number} from "${opts.head}" that this command did not open; ` +
          'withdraw or merge it first, or use another branch',
      );
    };
    // A head this call just created cannot have a PR yet; the 409 below covers a racing twin.
    const existing = opts.freshHead ? null : await this.findPullByHead(repo, opts.base, opts.head);
    if (
      existing &&
      (existing.state === 'open' ||
        this.ownsAny(parseKeyMarkers(existing.body ?? ''), `${repo}#${existing.number}`))
    ) {
      return check(existing);
    }
    try {
      const res = await this.write<GiteaIssue>('POST', '/repos/{owner}/{repo}/pulls', {
        path: splitRepo(repo),
        body: { head: opts.head, base: opts.base, title: opts.title, body: this.personBody(opts.body) },
      });
      return adopt(res.data, true);
    } catch (e) {
      if (isStatus(e, 409)) {
        const again = await this.findPullByHead(repo, opts.base, opts.head);
        if (again) return check(again);
      }
      throw e;
    }
  }

  /**
   * Runs `write` under a claim: a branch `rfc-actions/claim/<key>` created atomically in `repo`
   * (Gitea answers 409 when it exists). Used where Gitea has no create-if-absent for the object.
   * `probe` runs before the claim, while waiting, and again under the claim. `probeFirst: false`
   * skips the first probe when the caller knows no finished run can have written yet (the probe
   * under the claim still sees a racing run's write). `writeFirst` does not apply here: the claim
   * is a real create and delete (events under a bot token), which a replay must not send.
   */
  async withClaim<T>(
    repo: string,
    probe: () => Promise<T | null>,
    write: () => Promise<T>,
    opts: { probeFirst?: boolean } = {},
  ): Promise<T> {
    const first = opts.probeFirst === false ? null : await probe();
    if (first !== null) return first;
    const lock = `rfc-actions/claim/${this.key}`;
    const polls = Math.max(1, Math.ceil(this.config.lockWaitMs / Math.max(1, this.config.lockPollMs)));
    for (let i = 0; ; i++) {
      let got: 'created' | 'exists' | 'unavailable';
      try {
        got = await this.createBranch(repo, lock, { claim: true });
      } catch (e) {
        // The claim's own response was lost: the claim exists now, made by this call or by a twin
        // running the same command, which a 409 would have told apart. Waiting as for a taken claim
        // is right either way: a twin's effect shows up or its claim goes; our own claim is taken
        // over after `lockWaitMs`, as one left by a killed process.
        if (e instanceof OutcomeUnknownError || e instanceof GiteaTimeoutError) got = 'exists';
        // 404: an empty repo has no branch to cut a claim from; the write runs unguarded.
        else if (isStatus(e, 404)) got = 'unavailable';
        else throw e;
      }
      if (got === 'unavailable') {
        const found = await probe();
        if (found !== null) return found;
        this.probedUnderClaim = true;
        return await write();
      }
      if (got === 'created') break;
      const found = await probe();
      if (found !== null) {
        await this.releaseClaim(repo, lock);
        return found;
      }
      if (i >= polls) break;
      await this.sleep(this.config.lockPollMs);
    }
    try {
      const again = await probe();
      if (again !== null) return again;
      this.probedUnderClaim = true;
      return await write();
    } finally {
      await this.releaseClaim(repo, lock);
    }
  }

  private async releaseClaim(repo: string, lock: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.gitea.request('DELETE', '/repos/{owner}/{repo}/branches/{branch}', {
          path: { ...splitRepo(repo), branch: lock },
          idempotent: true,
        });
        return;
      } catch (e) {
        if (isStatus(e, 404)) return;
        // A claim left behind only delays the next run of the same key by lockWaitMs, and a replay
        // that finds the effect never removes it: worth the retries, but the write's result must
        // not be lost to it.
        if (!isTransient(e)) throw e;
        if (attempt >= this.config.attempts) return;
        await this.sleep(this.config.retryDelayMs * attempt);
      }
    }
  }
}
