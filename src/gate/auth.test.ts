import { describe, expect, test } from 'vitest';
import {
  AUTH_CELLS,
  type AuthFacts,
  type Author,
  authorize,
  authorLogin,
  cellNeedsRoster,
  DEFAULT_MATRIX,
  isAuthor,
  type Permission,
  type Role,
} from './auth.ts';

const ROLES: Role[] = ['commenter', 'writer', 'admin', 'owner', 'arbiter', 'author'];

/** Facts under which the actor `x` holds exactly `role` (and the permission it implies). */
function factsFor(role: Role | 'nobody'): { facts: AuthFacts; asked: () => number } {
  let asked = 0;
  const permission: Permission =
    role === 'commenter' ? 'read' : role === 'writer' ? 'write' : role === 'admin' ? 'admin' : 'none';
  return {
    facts: {
      actor: 'x',
      repo: 'rfcs/meta',
      slug: 'intro',
      owners: role === 'owner' ? ['X'] : ['carol'],
      arbiters: role === 'arbiter' ? ['x'] : ['bob'],
      author: { opener: role === 'author' ? 'x' : 'alice', onBehalfOf: null },
      permission: async () => {
        asked++;
        return permission;
      },
      botLogin: async () => {
        throw new Error('no trailer here: the bot login is not needed');
      },
    },
    asked: () => asked,
  };
}

/** Roles a permission level implies: an admin also writes and comments. */
const IMPLIED: Record<Role, Role[]> = {
  commenter: ['commenter'],
  writer: ['writer', 'commenter'],
  admin: ['admin', 'writer', 'commenter'],
  owner: ['owner'],
  arbiter: ['arbiter'],
  author: ['author'],
};

const table = AUTH_CELLS.flatMap((cell) =>
  ROLES.map((role) => {
    const allowed = IMPLIED[role].some((r) => DEFAULT_MATRIX[cell].includes(r));
    return [cell, role, allowed] as const;
  }),
);

describe('the default matrix, every cell by every role', () => {
  test.each(table)('%s as %s: allowed %s', async (cell, role, allowed) => {
    const { facts } = factsFor(role);
    const d = await authorize(cell, facts, DEFAULT_MATRIX);
    expect(d.allowed).toBe(allowed);
  });

  test.each(AUTH_CELLS.map((c) => [c]))(
    '%s denies a stranger and names who holds the roles',
    async (cell) => {
      const { facts } = factsFor('nobody');
      const d = await authorize(cell, facts, DEFAULT_MATRIX);
      expect(d.allowed).toBe(false);
      if (d.allowed) return;
      expect(d.message).toContain(`may not run ${cell}`);
      for (const role of DEFAULT_MATRIX[cell]) {
        if (role === 'owner') expect(d.message).toContain('"carol"');
        if (role === 'arbiter') expect(d.message).toContain('"bob"');
        if (role === 'author') expect(d.message).toContain('"alice"');
        if (role === 'writer') expect(d.message).toContain('write access to "rfcs/meta"');
      }
    },
  );
});

describe('authorize', () => {
  test('does not ask Gitea when an entry role already allows', async () => {
    const { facts, asked } = factsFor('owner');
    expect(await authorize('withdraw_rfc', facts, DEFAULT_MATRIX)).toEqual({ allowed: true, role: 'owner' });
    expect(asked()).toBe(0);
  });

  test('a configured matrix replaces the default', async () => {
    const { facts } = factsFor('commenter');
    const matrix = { ...DEFAULT_MATRIX, create_issue: ['writer'] as const };
    expect((await authorize('create_issue', facts, matrix)).allowed).toBe(false);
  });

  test('a cell with no role allows nobody', async () => {
    const { facts } = factsFor('admin');
    const d = await authorize('graduate_rfc', facts, { ...DEFAULT_MATRIX, graduate_rfc: [] });
    expect(d).toMatchObject({ allowed: false, message: expect.stringContaining('gives it no role') });
  });

  test.each(AUTH_CELLS)(
    'a source that proves read access: %s asks Gitea only when it needs more than read',
    async (cell) => {
      const { facts, asked } = factsFor('nobody');
      const d = await authorize(cell, { ...facts, proven: 'read' }, DEFAULT_MATRIX);
      const commenter = DEFAULT_MATRIX[cell].includes('commenter');
      expect(d.allowed).toBe(commenter);
      const needsLookup = DEFAULT_MATRIX[cell].some((r) => r === 'writer' || r === 'admin');
      expect(asked()).toBe(commenter || !needsLookup ? 0 : 1);
    },
  );
});

describe('cellNeedsRoster', () => {
  test.each<[readonly Role[], boolean]>([
    [[], false],
    [['commenter', 'writer', 'admin', 'author'], false],
    [['owner'], true],
    [['writer', 'arbiter'], true],
  ])('a cell of %j turns on the entry roster: %s', (roles, expected) => {
    expect(cellNeedsRoster({ ...DEFAULT_MATRIX, open_branch_pr: roles }, 'open_branch_pr')).toBe(expected);
  });
});

describe('the author of an issue or PR: the trailer counts only when the bot opened it', () => {
  const BOT = 'rfc-bot';
  // [case, opener, trailer, actor, is the actor the author, the author a message names, asks who the bot is]
  const cases: [string, string | null, string | null, string, boolean, string | null, boolean][] = [
    ['own PR, no trailer', 'carol', null, 'carol', true, 'carol', false],
    ["someone else's PR, no trailer", 'carol', null, 'erin', false, 'carol', false],
    ['login case differs', 'Carol', null, 'carol', true, 'Carol', false],
    ['bot PR for the actor', BOT, 'carol', 'carol', true, 'carol', true],
    ['bot PR, login case differs', 'RFC-Bot', 'Carol', 'carol', true, 'Carol', true],
    ['bot PR for someone else', BOT, 'carol', 'erin', false, 'carol', true],
    ['the bot itself, on a PR it opened for someone', BOT, 'carol', BOT, false, 'carol', true],
    ['forged trailer naming the actor', 'mallory', 'carol', 'carol', false, 'mallory', true],
    ['forged trailer, by its real opener', 'mallory', 'carol', 'mallory', true, 'mallory', true],
    ['forged trailer, a third person', 'mallory', 'carol', 'erin', false, 'mallory', true],
    ['trailer naming the opener', 'carol', 'carol', 'carol', true, 'carol', false],
    ['no opener (trailer alone proves nothing)', null, 'carol', 'carol', false, null, false],
  ];

  test.each(cases)('%s', async (_, opener, onBehalfOf, actor, allowed, named, asks) => {
    const author: Author = { opener, onBehalfOf };
    let asked = 0;
    const botLogin = async () => {
      asked++;
      return BOT;
    };
    expect(await isAuthor(author, actor, botLogin)).toBe(allowed);
    const decided = asked;
    expect(await authorLogin(author, botLogin)).toBe(named);
    // Deciding for an actor who is neither the opener nor named never asks who the bot is.
    const is = (login: string | null) => login?.toLowerCase() === actor.toLowerCase();
    const bystander = !is(opener) && !is(onBehalfOf);
    expect(decided).toBe(asks && !bystander ? 1 : 0);
    expect(asked - decided).toBe(asks ? 1 : 0);
  });

  test('a forged trailer is denied, and the message names the real author', async () => {
    const d = await authorize(
      'withdraw_branch_pr',
      {
        actor: 'carol',
        repo: 'rfcs/rfc-0001',
        slug: 'live',
        owners: ['dana'],
        arbiters: [],
        author: { opener: 'mallory', onBehalfOf: 'carol' },
        permission: async () => 'none',
        botLogin: async () => BOT,
      },
      DEFAULT_MATRIX,
    );
    expect(d).toEqual({
      allowed: false,
      message:
        '"carol" may not run withdraw_branch_pr: it needs the author ("mallory") or an owner of "live" (held by "dana")',
    });
  });
});
