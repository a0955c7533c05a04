import { describe, expect, test } from 'vitest';
import { AUTH_CELLS, type AuthFacts, authorize, DEFAULT_MATRIX, type Permission, type Role } from './auth.ts';

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
      author: role === 'author' ? 'x' : 'alice',
      permission: async () => {
        asked++;
        return permission;
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
