/** Repositories: get, edit (description, private, default branch), create in an org or for the user, list an org's repos. */
import { createRepository } from '../repo-writes.ts';
import { ApiError, type Ctx, type SimCore } from '../server.ts';
import { apiRepo } from '../shapes.ts';
import { bodyObject, bool, str } from './util.ts';

export function register(core: SimCore): void {
  const { router, store } = core;

  router.add(
    'GET',
    '/repos/{owner}/{repo}',
    (ctx) => {
      const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      return { status: 200, body: apiRepo(core.baseUrl, store, repo, permission) };
    },
    { scope: 'repository' },
  );

  router.add(
    'PATCH',
    '/repos/{owner}/{repo}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'admin');
      const b = bodyObject(ctx.body);
      const next = { ...repo };
      const description = b.description;
      if (description !== undefined && description !== null) next.description = str(b, 'description') ?? '';
      const priv = bool(b, 'private');
      if (priv !== undefined) next.private = priv;
      const branch = str(b, 'default_branch');
      if (branch !== undefined && branch !== repo.defaultBranch) {
        const gitDir = core.git.pathOf(repo.owner, repo.name);
        // Gitea only switches to an existing branch (services/repository/branch.go SetRepoDefaultBranch).
        if (!repo.empty && !(await core.git.listRefs(gitDir)).has(`refs/heads/${branch}`)) {
          throw new ApiError(404, `branch does not exist [name: ${branch}]`);
        }
        await core.git.setHead(gitDir, branch);
        next.defaultBranch = branch;
      }
      store.saveRepo(next);
      return { status: 200, body: apiRepo(core.baseUrl, store, next, store.permission(next, ctx.user)) };
    },
    { scope: 'repository' },
  );

  const create = async (ctx: Ctx, owner: string) => {
    const user = ctx.requireUser();
    const b = bodyObject(ctx.body);
    const name = str(b, 'name', true)!;
    const repo = await createRepository(core, {
      owner,
      name,
      description: str(b, 'description'),
      private: bool(b, 'private'),
      defaultBranch: str(b, 'default_branch'),
      autoInit: bool(b, 'auto_init'),
      doer: user,
    });
    return { status: 201, body: apiRepo(core.baseUrl, store, repo, store.permission(repo, user)) };
  };

  router.add(
    'POST',
    '/orgs/{org}/repos',
    async (ctx) => {
      const user = ctx.requireUser();
      const org = store.orgByName(ctx.params.org!);
      if (!org) throw new ApiError(404, `org does not exist [name: ${ctx.params.org}]`);
      if (!user.isAdmin && !org.owners.some((o) => o.toLowerCase() === user.login.toLowerCase())) {
        throw new ApiError(403, `user "${user.login}" may not create repositories in "${org.name}"`);
      }
      return create(ctx, org.name);
    },
    { scope: 'organization' },
  );

  router.add('POST', '/user/repos', (ctx) => create(ctx, ctx.requireUser().login), { scope: 'repository' });

  router.add(
    'GET',
    '/orgs/{org}/repos',
    (ctx) => {
      const org = store.orgByName(ctx.params.org!);
      if (!org) throw new ApiError(404, `org does not exist [name: ${ctx.params.org}]`);
      // Gitea lists an owner's repositories ordered by id (`listUserRepos`, OrderBy "id ASC").
      const visible = store.repos
        .values()
        .filter((r) => r.owner.toLowerCase() === org.name.toLowerCase())
        .map((r) => ({ r, p: store.permission(r, ctx.user) }))
        .filter((x) => x.p !== 'none')
        .sort((a, b) => a.r.id - b.r.id);
      const p = ctx.paging();
      const page = visible.slice(p.skip, p.skip + p.limit).map((x) => apiRepo(core.baseUrl, store, x.r, x.p));
      return ctx.listReply(page, visible.length, p);
    },
    { scope: 'organization' },
  );
}
