/**
 * What happens after refs move (API write or git push), following Gitea's
 * `services/repository/push.go` `pushUpdates`: a new branch fires `create` then `push` (with up to
 * 10 commits before the new head), an update fires `push` (commits since the old head, newest
 * first, at most `FeedMaxCommitNum` = 5 listed, `total_commits` counting all), a deleted branch
 * fires `delete` only. The repository's `updated_at` moves and `onRefUpdate` listeners run.
 */
import { isoSeconds } from './clock.ts';
import type { RefChange, SimCore } from './server.ts';
import { apiRepo, apiUser, payloadCommit } from './shapes.ts';
import { type RepoRecord, type UserRecord, ZERO_SHA } from './store.ts';

const FEED_MAX_COMMIT_NUM = 5;
const NEW_REF_COMMIT_LIMIT = 10;

function shortRef(ref: string): { name: string; type: 'branch' | 'tag' | null } {
  if (ref.startsWith('refs/heads/')) return { name: ref.slice(11), type: 'branch' };
  if (ref.startsWith('refs/tags/')) return { name: ref.slice(10), type: 'tag' };
  return { name: ref, type: null };
}

/** The push payload (PushPayload in hook.go) for one ref change that is not a deletion. */
export async function pushPayload(
  core: SimCore,
  repo: RepoRecord,
  change: RefChange,
  pusher: UserRecord,
): Promise<Record<string, unknown>> {
  const { store, git, baseUrl } = core;
  const gitDir = git.pathOf(repo.owner, repo.name);
  const created = change.oldSha === ZERO_SHA;
  const shas = created
    ? await git.walk(gitDir, { from: change.newSha, limit: NEW_REF_COMMIT_LIMIT })
    : await git.walk(gitDir, { from: change.newSha, not: change.oldSha });
  const commits: Record<string, unknown>[] = [];
  for (const sha of shas.slice(0, FEED_MAX_COMMIT_NUM)) {
    const c = await git.readCommit(gitDir, sha);
    if (c) commits.push(payloadCommit(baseUrl, store, repo, c, await git.commitDiff(gitDir, sha)));
  }
  const head = await git.readCommit(gitDir, change.newSha);
  const sender = apiUser(baseUrl, pusher);
  return {
    after: change.newSha,
    before: change.oldSha,
    commits,
    compare_url: `${baseUrl}/${repo.owner}/${repo.name}/compare/${change.oldSha}...${change.newSha}`,
    head_commit: head
      ? payloadCommit(baseUrl, store, repo, head, await git.commitDiff(gitDir, head.sha))
      : null,
    pusher: sender,
    ref: change.ref,
    repository: apiRepo(baseUrl, store, repo, 'admin'),
    sender,
    total_commits: shas.length,
  };
}

const queues = new WeakMap<SimCore, Map<number, Promise<unknown>>>();

/**
 * Queues `refsUpdated` behind earlier calls for the same repository and returns its promise.
 * Called while the repository lock is still held, the events come out in ref order even when
 * several writers race; await the promise after releasing the lock.
 */
export function queueRefsUpdated(
  core: SimCore,
  repo: RepoRecord,
  updates: RefChange[],
  pusher: UserRecord,
): Promise<void> {
  let perRepo = queues.get(core);
  if (!perRepo) {
    perRepo = new Map();
    queues.set(core, perRepo);
  }
  const prev = perRepo.get(repo.id) ?? Promise.resolve();
  const run = prev.then(() => refsUpdated(core, repo, updates, pusher));
  const tail = run.catch(() => undefined);
  perRepo.set(repo.id, tail);
  void tail.then(() => {
    if (perRepo.get(repo.id) === tail) perRepo.delete(repo.id);
  });
  return run;
}

/** Records events, bumps `updated_at`, then runs the ref-update listeners, one change at a time. */
export async function refsUpdated(
  core: SimCore,
  repo: RepoRecord,
  updates: RefChange[],
  pusher: UserRecord,
): Promise<void> {
  const { store, events, baseUrl } = core;
  if (updates.length === 0) return;
  let current = store.repoByName(repo.owner, repo.name) ?? repo;
  const firstBranch = updates.find((u) => u.newSha !== ZERO_SHA && u.ref.startsWith('refs/heads/'));
  current = { ...current, updatedAt: isoSeconds(core.clock.now()) };
  if (current.empty && firstBranch) {
    current.empty = false;
    const refs = await core.git.listRefs(core.git.pathOf(repo.owner, repo.name));
    if (!refs.has(`refs/heads/${current.defaultBranch}`)) {
      current.defaultBranch = firstBranch.ref.slice('refs/heads/'.length);
      await core.git.setHead(core.git.pathOf(repo.owner, repo.name), current.defaultBranch);
    }
  }
  store.saveRepo(current);
  for (const u of updates) {
    const { name, type } = shortRef(u.ref);
    const sender = apiUser(baseUrl, pusher);
    const repository = apiRepo(baseUrl, store, current, 'admin');
    if (type) {
      if (u.newSha === ZERO_SHA) {
        events.record('delete', { pusher_type: 'user', ref: name, ref_type: type, repository, sender });
      } else {
        if (u.oldSha === ZERO_SHA)
          events.record('create', { ref: name, ref_type: type, repository, sender, sha: u.newSha });
        events.record('push', await pushPayload(core, current, u, pusher));
      }
    }
    await store.emitRefUpdate(current, u.ref, u.oldSha, u.newSha, pusher);
  }
}
