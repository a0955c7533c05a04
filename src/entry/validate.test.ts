import { describe, expect, it } from 'vitest';
import type { Entry } from './model.ts';
import { entryPath, isValidDate, isValidLogin, isValidRepo, isValidSlug, slugFromPath } from './syntax.ts';
import { validateEntry } from './validate.ts';

const GOOD: Entry = {
  slug: 'const-generics',
  title: 'Const generics',
  state: 'super-draft',
  id: null,
  repo: null,
  proposed_by: 'dave',
  proposed_at: '2026-02-11',
  graduated_by: null,
  graduated_at: null,
  owners: ['dave'],
  arbiters: [],
  tags: ['language'],
  body: 'Body\n',
  extra: {},
};
const PATH = 'rfcs/const-generics.md';

describe('validateEntry', () => {
  it('accepts a valid entry', () => {
    expect(validateEntry(GOOD, { path: PATH })).toEqual([]);
  });

  it.each<[string, Partial<Entry> | Record<string, unknown>, { field: string | null; message: RegExp }[]]>([
    ['slug differs from path', { slug: 'other' }, [{ field: 'slug', message: /differs from the file name/ }]],
    ['bad slug', { slug: 'Const Generics' }, [{ field: 'slug', message: /invalid/ }]],
    ['empty title', { title: '' }, [{ field: 'title', message: /empty/ }]],
    ['non-string title', { title: 5 }, [{ field: 'title', message: /must be a string/ }]],
    ['unknown state', { state: 'draft' }, [{ field: 'state', message: /unknown state "draft"/ }]],
    [
      'active without id and repo',
      { state: 'active' },
      [
        { field: 'id', message: /needs "id"/ },
        { field: 'repo', message: /needs "repo"/ },
      ],
    ],
    ['negative id', { id: -3 }, [{ field: 'id', message: /positive integer/ }]],
    ['bad repo', { repo: 'no-owner' }, [{ field: 'repo', message: /owner\/name/ }]],
    ['bad login', { graduated_by: 'bad login' }, [{ field: 'graduated_by', message: /Gitea login/ }]],
    ['bad date', { proposed_at: 'yesterday' }, [{ field: 'proposed_at', message: /ISO date/ }]],
    ['owners not an array', { owners: 'dave' }, [{ field: 'owners', message: /must be a list/ }]],
    [
      'known key in extra',
      { extra: { state: 'active' } },
      [{ field: 'state', message: /"extra" must not hold/ }],
    ],
    ['body not a string', { body: null }, [{ field: 'body', message: /must be a string/ }]],
    [
      'body over 1 MiB',
      { body: 'x'.repeat(1024 * 1024 + 1) },
      [{ field: 'body', message: /over the limit of 1048576/ }],
    ],
  ])('%s', (_name, patch, expected) => {
    const problems = validateEntry({ ...GOOD, ...patch } as Entry, { path: PATH });
    expect(problems.map((p) => ({ file: p.file, field: p.field, line: p.line }))).toEqual(
      expected.map((e) => ({ file: PATH, field: e.field, line: null })),
    );
    problems.forEach((p, i) => {
      expect(p.message).toMatch(expected[i]!.message);
    });
  });
});

describe('syntax helpers', () => {
  it.each([
    ['a', true],
    ['0', true],
    ['my-rfc-2', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['-a', false],
    ['', false],
    ['A', false],
    ['a b', false],
    ['a/b', false],
    ['..', false],
    ['a.b', false],
    ['a_b', false],
  ])('isValidSlug(%j) is %s', (s, ok) => {
    expect(isValidSlug(s)).toBe(ok);
  });

  it.each([
    ['rfcs/my-rfc.md', 'my-rfc'],
    ['rfcs/My-Rfc.md', null],
    ['rfcs/my-rfc.txt', null],
    ['rfcs/sub/my-rfc.md', null],
    ['other/my-rfc.md', null],
    ['/rfcs/my-rfc.md', null],
    ['rfcs/../x.md', null],
    ['rfcs/.md', null],
  ])('slugFromPath(%j) is %j', (path, slug) => {
    expect(slugFromPath(path)).toBe(slug);
  });

  it('entryPath builds the path and refuses bad slugs', () => {
    expect(entryPath('my-rfc')).toBe('rfcs/my-rfc.md');
    expect(slugFromPath(entryPath('x-1'))).toBe('x-1');
    expect(() => entryPath('../etc')).toThrow(/invalid slug "\.\.\/etc"/);
  });

  it.each([
    ['alice', true],
    ['rfc-bot', true],
    ['a.b_c-d', true],
    ['A1', true],
    ['a--b', false],
    ['a-', false],
    ['-a', false],
    ['a b', false],
    ['a'.repeat(41), false],
  ])('isValidLogin(%j) is %s', (s, ok) => {
    expect(isValidLogin(s)).toBe(ok);
  });

  it.each([
    ['rfcs/rfc-0001', true],
    ['org/my.repo_1', true],
    ['rfcs', false],
    ['a/b/c', false],
    ['rfcs/..', false],
    ['rfcs/a b', false],
  ])('isValidRepo(%j) is %s', (s, ok) => {
    expect(isValidRepo(s)).toBe(ok);
  });

  it.each([
    ['2026-01-05', true],
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-01-05T09:30:00Z', true],
    ['2026-01-05T09:30Z', true],
    ['2026-01-05T09:30:00.123+01:00', true],
    ['2026-01-05T09:30:00', false],
    ['2026-01-05 09:30:00Z', false],
    ['05/01/2026', false],
  ])('isValidDate(%j) is %s', (s, ok) => {
    expect(isValidDate(s)).toBe(ok);
  });
});
