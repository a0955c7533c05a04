/** Collaborators: add/remove, check, list, and a user's permission on a repo. */
import { ApiError, type SimCore } from '../server.ts';
import { apiUser } from '../shapes.ts';
import type { RepoRecord, UserRecord } from '../store.ts';
import { bodyObject, str } from './util.ts';

export function register(core: SimCore): void {
  const { router, store } = core;

  /** Gitea's access mode name: `owner` for the repo owner and org owners, else the level. */
  const accessMode = (repo: RepoRecord, user: UserRecord): string => {
    if (repo.owner.toLowerCase() === user.login.toLowerCase()) return 'owner';
    const org = store.orgByName(repo.owner);
    if (org?.owners.some((o) => o.toLowerCase() === user.login.toLowerCase())) return 'owner';
    return store.permission(repo, user);
  };

  router.add(
    'PUT',
    '/repos/{owner}/{repo}/collaborators/{collaborator}',
    (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'admin');
      const target = store.userByLogin(ctx.params.collaborator!);
      if (!target) throw new ApiError(422, `user does not exist [name: ${ctx.params.collaborator}]`);
      const b = ctx.body === undefined ? {} : bodyObject(ctx.body);
      const permission = str(b, 'permission') ?? 'write';
      if (permission !== 'read' && permission !== 'write' && permission !== 'admin') {
        throw new ApiError(422, `[permission]: must be read, write or admin, got "${permission}"`);
      }
      store.setCollaborator(repo.id, target.login, permission);
      return { status: 204 };
    },
    { scope: 'repository' },
  );

  router.add(
    'DELETE',
    '/repos/{owner}/{repo}/collaborators/{collaborator}',
    (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'admin');
      const target = store.userByLogin(ctx.params.collaborator!);
      if (!target) throw new ApiError(422, `user does not exist [name: ${ctx.params.collaborator}]`);
      store.collaborators.delete(`${repo.id}/${target.login.toLowerCase()}`);
      return { status: 204 };
    },
    { scope: 'repository' },
  );

  router.add(
    'GET',
    '/repos/{owner}/{repo}/collaborators/{collaborator}',
    (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const target = store.userByLogin(ctx.params.collaborator!);
      if (!target) throw new ApiError(422, `user does not exist [name: ${ctx.params.collaborator}]`);
      if (!store.collaborator(repo.id, target.login))
        throw new ApiError(404, "The target couldn't be found.");
      return { status: 204 };
    },
    { scope: 'repository' },
  );

  router.add(
    'GET',
    '/repos/{owner}/{repo}/collaborators',
    (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const list = store.collaborators
        .values()
        .filter((c) => c.repoId === repo.id)
        .map((c) => store.userByLogin(c.login))
        .filter((u): u is UserRecord => u !== undefined)
        .sort((a, b) => a.id - b.id)
        .map((u) => apiUser(core.baseUrl, u));
      return ctx.paginate(list);
    },
    { scope: 'repository' },
  );

  router.add(
    'GET',
    '/repos/{owner}/{repo}/collaborators/{collaborator}/permission',
    (ctx) => {
      const { repo, permission } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const caller = ctx.requireUser();
      const target = store.userByLogin(ctx.params.collaborator!);
      if (!target) throw new ApiError(404, `user does not exist [name: ${ctx.params.collaborator}]`);
      if (permission !== 'admin' && caller.id !== target.id) {
        throw new ApiError(403, 'only admin can query all permissions, or query their own permission');
      }
      const mode = accessMode(repo, target);
      return {
        status: 200,
        body: { permission: mode, role_name: mode, user: apiUser(core.baseUrl, target) },
      };
    },
    { scope: 'repository' },
  );
}
