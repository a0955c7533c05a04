import { describe, expect, it } from 'vitest';
import { classifyBranch, dashedBranchName } from './branches.ts';

describe('classifyBranch', () => {
  it.each([
    ['propose/private-fields', 'propose', 'private-fields'],
    ['propose/a', 'propose', 'a'],
    ['edit/private-fields/typo', 'edit', 'private-fields'],
    ['edit/private-fields/fix/typo', 'edit', 'private-fields'],
    ['edit-private-fields-3f9a2c', 'edit', 'private-fields'],
    ['edit-my-rfc-a1b2c3', 'edit', 'my-rfc'],
    ['edit-my-rfc-a1b2c3-d4e5f6', 'edit', 'my-rfc-a1b2c3'],
    ['edit-x-000000', 'edit', 'x'],
    ['metadata/private-fields', 'metadata', 'private-fields'],
    ['metadata-error-union-types-a41c07', 'metadata', 'error-union-types'],
    ['claim/unicode-identifiers', 'claim', 'unicode-identifiers'],
    ['main', 'other', null],
    ['rfc-cache', 'other', null],
    ['edit-foo', 'other', null],
    ['edit-foo-abc', 'other', null],
    ['edit-foo-A1B2C3', 'other', null],
    ['edit-foo-a1b2c3d', 'other', null],
    ['edit--a1b2c3', 'other', null],
    ['edit-Foo-a1b2c3', 'other', null],
    ['edit/foo', 'other', null],
    ['edit/foo/', 'other', null],
    ['edit//typo', 'other', null],
    ['edit/Foo/typo', 'other', null],
    ['propose/', 'other', null],
    ['propose/Foo', 'other', null],
    ['propose/foo/bar', 'other', null],
    ['propose/foo bar', 'other', null],
    ['metadata/foo/bar', 'other', null],
    ['metadata-foo', 'other', null],
    ['claim/', 'other', null],
    ['claim/foo/bar', 'other', null],
    ['claim-foo-a1b2c3', 'other', null],
    ['refs/heads/propose/foo', 'other', null],
    ['Propose/foo', 'other', null],
  ])('%s -> %s %s', (name, kind, slug) => {
    expect(classifyBranch(name)).toEqual({ kind, slug });
  });

  it('builds dashed names that classify back', () => {
    expect(dashedBranchName('edit', 'my-rfc', 'a1b2c3')).toBe('edit-my-rfc-a1b2c3');
    expect(classifyBranch(dashedBranchName('metadata', 'my-rfc', '00ff00'))).toEqual({
      kind: 'metadata',
      slug: 'my-rfc',
    });
    expect(() => dashedBranchName('edit', 'My RFC', 'a1b2c3')).toThrow(/invalid slug "My RFC"/);
    expect(() => dashedBranchName('edit', 'x', 'XYZ')).toThrow(/"XYZ" must be 6 lowercase hex digits/);
  });
});
