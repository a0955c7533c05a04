/** Branches: list, get, create (409 when it exists) and delete (403 for the default branch). */

import { resolveRef, UNSIGNED } from '../refs.ts';
import { moveRef } from '../repo-writes.ts';
import { ApiError, type SimCore } from '../server.ts';
import { payloadCommit } from '../shapes.ts';
import { PERMISSION_RANK, type Permission, type RepoRecord } from '../store.ts';
import { bodyObject, str } from './util.ts';

/** Gitea's `IsValidRefPattern`, roughly: git's ref-format rules for a branch name. */
function validBranchName(name: string): boolean {
  if (
    name === '' ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.endsWith('.lock')
  )
    return false;
  if (name.includes('..') || name.includes('//') || name.includes('@{') || name.startsWith('-')) return false;
  return !/[\x00-\x20~^:?*[\\\x7f]/.test(name);
}

export function register(core: SimCore): void {
  const { router } = core;

  /** The Branch definition; the commit is Gitea's `ToPayloadCommit` (no file lists). */
  const apiBranch = async (repo: RepoRecord, name: string, sha: string, permission: Permission) => {
    const gitDir = core.git.pathOf(repo.owner, repo.name);
    const c = await core.git.readCommit(gitDir, sha);
    if (!c) throw new ApiError(404, `commit ${sha} of branch "${name}" is missing`);
    const commit = payloadCommit(core.baseUrl, core.store, repo, c, null);
    delete commit.added;
    delete commit.removed;
    delete commit.modified;
    commit.verification = UNSIGNED;
    const canPush = PERMISSION_RANK[permission] >= PERMISSION_RANK.write;
    return {
      commit,
      effective_branch_protection_name: '',
      enable_status_check: false,
      name,
      protected: false,
      required_approvals: 0,
      status_check_contexts: [],
      user_can_merge: canPush,
      user_can_push: canPush,
    };
  };

  router.add(
    'GET',
    '/repos/{owner}/{repo}/branches',
    async (ctx) => {
      const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      const withTime = [];
      for (const [name, sha] of await core.git.branches(gitDir)) {
        withTime.push({ name, sha, when: (await core.git.readCommit(gitDir, sha))?.committer.when ?? 0 });
      }
      // Gitea lists branches by "commit_time DESC, name ASC" (models/git/branch_list.go).
      withTime.sort((a, b) => b.when - a.when || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const branches = withTime.map((x): [string, string] => [x.name, x.sha]);
      const p = ctx.paging();
      const page = [];
      for (const [name, sha] of branches.slice(p.skip, p.skip + p.limit))
        page.push(await apiBranch(repo, name, sha, permission));
      return ctx.listReply(page, branches.length, p);
    },
    { scope: 'repository' },
  );

  router.add(
    'GET',
    '/repos/{owner}/{repo}/branches/{branch}',
    async (ctx) => {
      const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const name = ctx.params.branch!;
      const sha = (await core.git.listRefs(core.git.pathOf(repo.owner, repo.name))).get(`refs/heads/${name}`);
      if (!sha) throw new ApiError(404, `branch does not exist [name: ${name}]`);
      return { status: 200, body: await apiBranch(repo, name, sha, permission) };
    },
    { scope: 'repository' },
  );

  router.add(
    'POST',
    '/repos/{owner}/{repo}/branches',
    async (ctx) => {
      const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'write');
      const user = ctx.requireUser();
      const b = bodyObject(ctx.body);
      const name = str(b, 'new_branch_name', true)!;
      if (!validBranchName(name)) throw new ApiError(422, `[new_branch_name]: invalid branch name "${name}"`);
      if (repo.empty) throw new ApiError(404, 'Git Repository is empty.');
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      const refs = await core.git.listRefs(gitDir);
      if (refs.has(`refs/heads/${name}`)) throw new ApiError(409, 'The branch already exists.');
      // Gitea refuses a name that is a path prefix of a branch, or has one as its prefix (git refs
      // are files): ErrBranchNameConflict, 409 in CreateBranch (routers/api/v1/repo/branch.go).
      for (const ref of refs.keys()) {
        if (!ref.startsWith('refs/heads/')) continue;
        const other = ref.slice('refs/heads/'.length);
        if (name.startsWith(`${other}/`) || other.startsWith(`${name}/`))
          throw new ApiError(409, 'The branch with the same name already exists.');
      }
      const from = str(b, 'old_ref_name') ?? str(b, 'old_branch_name') ?? repo.defaultBranch;
      let source: string;
      try {
        source = (await resolveRef(core, repo, from)).sha;
      } catch {
        throw new ApiError(404, `The old branch does not exist [name: ${from}]`);
      }
      try {
        await moveRef(core, repo, { ref: `refs/heads/${name}`, newSha: source, oldSha: null, pusher: user });
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) throw new ApiError(409, 'The branch already exists.');
        throw e;
      }
      return { status: 201, body: await apiBranch(repo, name, source, permission) };
    },
    { scope: 'repository' },
  );

  router.add(
    'DELETE',
    '/repos/{owner}/{repo}/branches/{branch}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'write');
      const user = ctx.requireUser();
      const name = ctx.params.branch!;
      if (name === repo.defaultBranch) throw new ApiError(403, 'can not delete default branch');
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      const sha = (await core.git.listRefs(gitDir)).get(`refs/heads/${name}`);
      if (!sha) throw new ApiError(404, `branch does not exist [name: ${name}]`);
      await moveRef(core, repo, { ref: `refs/heads/${name}`, newSha: null, oldSha: sha, pusher: user });
      return { status: 204 };
    },
    { scope: 'repository' },
  );
}
