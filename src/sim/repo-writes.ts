/**
 * Writes to repositories from the API side: commits of file changes, branch creation and
 * deletion, and plain ref moves. Each takes the repository lock, moves the ref with its old
 * value checked, then (outside the lock) records events and runs `onRefUpdate` listeners.
 */
import { isoSeconds } from './clock.ts';
import { type FileChange, type Signature, signatureAt } from './git.ts';
import { ApiError, type SimCore } from './server.ts';
import { type RepoRecord, type UserRecord, ZERO_SHA } from './store.ts';

export interface CommitRequest {
  /** Branch to commit on (default: the repo's default branch). */
  branch?: string;
  /** Create this branch from `branch` and commit there. */
  newBranch?: string;
  changes: FileChange[];
  message: string;
  author?: Signature;
  committer?: Signature;
  doer: UserRecord;
  /** Extra parents after the branch head (merge commits). */
  extraParents?: string[];
  /** Fails with 409 unless the branch head is still this commit. */
  expectedHead?: string;
}

export interface CommitResult {
  sha: string;
  parent: string | null;
  branch: string;
  tree: string;
}

/** The doer's git identity, as Gitea's `NewGitSig` (full name, else login). */
export function doerSignature(user: UserRecord, when: Date): Signature {
  return signatureAt(user.fullName || user.login, user.email, when);
}

/** Commits file changes on a branch (creating it for `newBranch`) and fires the push events. */
export async function commitChanges(
  core: SimCore,
  repo: RepoRecord,
  req: CommitRequest,
  check?: (headSha: string | null) => Promise<void>,
): Promise<CommitResult> {
  const gitDir = core.git.pathOf(repo.owner, repo.name);
  const branch = req.branch || repo.defaultBranch;
  const target = req.newBranch || branch;
  const result = await core.git.withLock(gitDir, async () => {
    const refs = await core.git.listRefs(gitDir);
    const head = refs.get(`refs/heads/${branch}`) ?? null;
    if (!head && !(repo.empty && !req.newBranch)) {
      throw new ApiError(404, `branch does not exist [name: ${branch}]`);
    }
    if (req.newBranch && refs.has(`refs/heads/${req.newBranch}`)) {
      throw new ApiError(422, `branch already exists [name: ${req.newBranch}]`);
    }
    if (req.expectedHead && head !== req.expectedHead) {
      throw new ApiError(409, `branch "${branch}" moved: expected ${req.expectedHead}, found ${head}`);
    }
    if (check) await check(head);
    const base = head ? await core.git.readCommit(gitDir, head) : null;
    const tree = await core.git.applyChanges(gitDir, base?.tree ?? null, req.changes);
    const now = core.clock.now();
    const author = req.author ?? doerSignature(req.doer, now);
    const committer = req.committer ?? author;
    const parents = [...(head ? [head] : []), ...(req.extraParents ?? [])];
    const sha = core.git.writeCommit(gitDir, { tree, parents, author, committer, message: req.message });
    const oldOfTarget = req.newBranch ? null : head;
    await core.git.updateRef(gitDir, `refs/heads/${target}`, sha, oldOfTarget);
    const done = queued(
      core.refsUpdated(
        repo,
        [{ ref: `refs/heads/${target}`, oldSha: oldOfTarget ?? ZERO_SHA, newSha: sha }],
        req.doer,
      ),
    );
    return { sha, parent: head, branch: target, tree, done };
  });
  await result.done;
  return { sha: result.sha, parent: result.parent, branch: result.branch, tree: result.tree };
}

/**
 * Moves (or creates, `oldSha` null; or deletes, `newSha` null) a ref and fires the events.
 * 409 when the ref is not at `oldSha` any more.
 */
export async function moveRef(
  core: SimCore,
  repo: RepoRecord,
  opts: { ref: string; newSha: string | null; oldSha: string | null; pusher: UserRecord; silent?: boolean },
): Promise<void> {
  const gitDir = core.git.pathOf(repo.owner, repo.name);
  const { done } = await core.git.withLock(gitDir, async () => {
    const current = (await core.git.listRefs(gitDir)).get(opts.ref) ?? null;
    if (current !== opts.oldSha) {
      throw new ApiError(
        409,
        `ref "${opts.ref}" is at ${current ?? 'nothing'}, expected ${opts.oldSha ?? 'nothing'}`,
      );
    }
    await core.git.updateRef(gitDir, opts.ref, opts.newSha, opts.oldSha);
    if (opts.silent) return { done: Promise.resolve() };
    const change = { ref: opts.ref, oldSha: opts.oldSha ?? ZERO_SHA, newSha: opts.newSha ?? ZERO_SHA };
    return { done: queued(core.refsUpdated(repo, [change], opts.pusher)) };
  });
  await done;
}

/**
 * Marks a queued promise as handled until it is awaited after the lock is released. Return it
 * from a `withLock` callback inside an object: a returned promise would be awaited under the lock.
 */
function queued(p: Promise<void>): Promise<void> {
  p.catch(() => undefined);
  return p;
}

/** Creates a repository record and its bare repository; with `autoInit` an initial commit on the default branch. */
export async function createRepository(
  core: SimCore,
  opts: {
    owner: string;
    name: string;
    description?: string;
    private?: boolean;
    defaultBranch?: string;
    autoInit?: boolean;
    doer: UserRecord;
  },
): Promise<RepoRecord> {
  const { store, git, clock } = core;
  if (store.repoByName(opts.owner, opts.name)) {
    throw new ApiError(409, 'The repository with the same name already exists.');
  }
  if (
    !/^[A-Za-z0-9_.-]+$/.test(opts.name) ||
    opts.name === '.' ||
    opts.name === '..' ||
    opts.name.endsWith('.git')
  ) {
    throw new ApiError(422, `invalid repository name "${opts.name}": use letters, digits, "-", "_" and "."`);
  }
  const now = isoSeconds(clock.now());
  const repo: RepoRecord = {
    id: store.nextSeq('repo'),
    owner: store.orgByName(opts.owner)?.name ?? store.userByLogin(opts.owner)?.login ?? opts.owner,
    name: opts.name,
    description: opts.description ?? '',
    private: opts.private ?? false,
    defaultBranch: opts.defaultBranch || 'main',
    empty: true,
    createdAt: now,
    updatedAt: now,
  };
  await git.init(git.pathOf(repo.owner, repo.name), repo.defaultBranch);
  store.saveRepo(repo);
  if (opts.autoInit) {
    // Gitea's default README template: "# {Name}\n\n{Description}".
    const readme = `# ${repo.name}\n\n${repo.description}`;
    await commitChanges(core, repo, {
      branch: repo.defaultBranch,
      changes: [{ path: 'README.md', content: Buffer.from(readme, 'utf8') }],
      message: 'Initial commit',
      doer: opts.doer,
    });
  }
  return store.repoByName(repo.owner, repo.name)!;
}
