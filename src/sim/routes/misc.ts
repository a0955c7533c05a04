/** Version, users, organisations and tokens. */
import { randomBytes } from 'node:crypto';
import { isoSeconds } from '../clock.ts';
import { ApiError, type SimCore } from '../server.ts';
import { apiOrg, apiOrgAsUser, apiUser } from '../shapes.ts';
import type { TokenRecord } from '../store.ts';
import { bodyObject, bool, str } from './util.ts';

/** The Gitea version the simulator follows. */
export const GITEA_VERSION = '1.23.8';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Gitea's token scopes (models/auth/access_token_scope.go). */
const SCOPES = new Set([
  'all',
  'public-only',
  ...[
    'activitypub',
    'admin',
    'issue',
    'misc',
    'notification',
    'organization',
    'package',
    'repository',
    'user',
  ].flatMap((c) => [`read:${c}`, `write:${c}`]),
]);

function apiToken(t: TokenRecord, withSecret: boolean): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    sha1: withSecret ? t.sha1 : '',
    token_last_eight: t.sha1.slice(-8),
  };
}

export function register(core: SimCore): void {
  const { router, store } = core;

  router.add('GET', '/version', () => ({ status: 200, body: { version: GITEA_VERSION } }));

  router.add('GET', '/user', (ctx) => ({ status: 200, body: apiUser(core.baseUrl, ctx.requireUser()) }), {
    scope: 'user',
  });

  router.add(
    'GET',
    '/users/{username}',
    (ctx) => {
      const u = store.userByLogin(ctx.params.username!);
      if (u) return { status: 200, body: apiUser(core.baseUrl, u) };
      const o = store.orgByName(ctx.params.username!);
      if (o) return { status: 200, body: apiOrgAsUser(core.baseUrl, o) };
      throw new ApiError(404, `user does not exist [name: ${ctx.params.username}]`);
    },
    { scope: 'user' },
  );

  router.add(
    'POST',
    '/admin/users',
    (ctx) => {
      ctx.requireAdmin();
      const b = bodyObject(ctx.body);
      const username = str(b, 'username', true)!;
      const email = str(b, 'email', true)!;
      if (!NAME_RE.test(username)) throw new ApiError(422, `[username]: invalid user name "${username}"`);
      if (store.userByLogin(username) || store.orgByName(username)) {
        throw new ApiError(422, `user already exists [name: ${username}]`);
      }
      if (store.users.values().some((u) => u.email.toLowerCase() === email.toLowerCase())) {
        throw new ApiError(422, `e-mail already in use [email: ${email}]`);
      }
      const user = {
        id: store.nextSeq('user'),
        login: username,
        fullName: str(b, 'full_name') ?? '',
        email,
        password: str(b, 'password') ?? '',
        isAdmin: false,
        createdAt: isoSeconds(ctx.clock.now()),
      };
      store.users.put(username.toLowerCase(), user);
      return { status: 201, body: apiUser(core.baseUrl, user) };
    },
    { scope: 'admin' },
  );

  router.add(
    'POST',
    '/users/{username}/tokens',
    (ctx) => {
      // Gitea creates tokens only for requests signed in with Basic auth (`reqBasicOrRevProxyAuth`).
      if (ctx.authMethod !== 'password')
        throw new ApiError(401, 'auth required: use Basic auth with the password');
      const caller = ctx.requireUser();
      const target = store.userByLogin(ctx.params.username!);
      if (!target) throw new ApiError(404, `user does not exist [name: ${ctx.params.username}]`);
      if (target.id !== caller.id && !caller.isAdmin)
        throw new ApiError(403, 'you may only create tokens for yourself');
      const b = bodyObject(ctx.body);
      const name = str(b, 'name', true)!;
      const scopes = b.scopes;
      if (store.tokens.values().some((t) => t.login === target.login && t.name === name)) {
        throw new ApiError(400, 'access token name has been used already');
      }
      if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => typeof s !== 'string')) {
        throw new ApiError(400, 'access token must have a scope');
      }
      const unknown = (scopes as string[]).find((s) => !SCOPES.has(s));
      if (unknown) throw new ApiError(400, `invalid access token scope: ${unknown}`);
      const sha1 = randomBytes(20).toString('hex');
      const t: TokenRecord = {
        id: store.nextSeq('token'),
        name,
        sha1,
        login: target.login,
        scopes: [...(scopes as string[])].sort(),
      };
      store.tokens.put(sha1, t);
      return { status: 201, body: apiToken(t, true) };
    },
    { scope: 'user' },
  );

  router.add(
    'GET',
    '/users/{username}/tokens',
    (ctx) => {
      const caller = ctx.requireUser();
      const target = store.userByLogin(ctx.params.username!);
      if (!target) throw new ApiError(404, `user does not exist [name: ${ctx.params.username}]`);
      if (target.id !== caller.id && !caller.isAdmin)
        throw new ApiError(403, 'you may only list your own tokens');
      const list = store.tokens
        .values()
        .filter((t) => t.login === target.login)
        .sort((a, b) => b.id - a.id)
        .map((t) => apiToken(t, false));
      return ctx.paginate(list);
    },
    { scope: 'user' },
  );

  router.add(
    'POST',
    '/orgs',
    (ctx) => {
      const user = ctx.requireUser();
      const b = bodyObject(ctx.body);
      const username = str(b, 'username', true)!;
      if (!NAME_RE.test(username))
        throw new ApiError(422, `[username]: invalid organisation name "${username}"`);
      if (store.userByLogin(username) || store.orgByName(username)) {
        throw new ApiError(422, `user already exists [name: ${username}]`);
      }
      const visibility = str(b, 'visibility') ?? 'public';
      if (!['public', 'limited', 'private'].includes(visibility)) {
        throw new ApiError(422, `[visibility]: must be public, limited or private, got "${visibility}"`);
      }
      const org = {
        id: store.nextSeq('user'),
        name: username,
        fullName: str(b, 'full_name') ?? '',
        description: str(b, 'description') ?? '',
        email: str(b, 'email') ?? '',
        website: str(b, 'website') ?? '',
        location: str(b, 'location') ?? '',
        visibility: visibility as 'public' | 'limited' | 'private',
        owners: [user.login],
        createdAt: isoSeconds(ctx.clock.now()),
      };
      bool(b, 'repo_admin_change_team_access');
      store.orgs.put(username.toLowerCase(), org);
      return { status: 201, body: apiOrg(core.baseUrl, org) };
    },
    { scope: 'organization' },
  );

  router.add(
    'GET',
    '/orgs/{org}',
    (ctx) => {
      const o = store.orgByName(ctx.params.org!);
      if (!o) throw new ApiError(404, `org does not exist [name: ${ctx.params.org}]`);
      return { status: 200, body: apiOrg(core.baseUrl, o) };
    },
    { scope: 'organization' },
  );
}
