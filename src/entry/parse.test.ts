import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntryProblem } from './model.ts';
import { parseEntry } from './parse.ts';

const PATH = 'rfcs/private-fields.md';

const VALID = `---
slug: private-fields
title: Private fields by default
state: super-draft
proposed_by: alice
proposed_at: 2026-01-05
owners: [alice]
arbiters: [bob]
tags: [lang]
---
# Private fields

Body text.
`;

const ACTIVE = `---
slug: private-fields
title: Private fields by default
state: active
id: 12
repo: rfcs/rfc-0012
proposed_by: alice
proposed_at: 2026-01-05T09:30:00Z
graduated_by: bob
graduated_at: 2026-02-01T10:00:00+01:00
owners: [alice]
arbiters: [bob]
tags: [lang]
---
Body
`;

const front = (yaml: string, body = 'Body\n'): string => `---\n${yaml}\n---\n${body}`;
const base = (extra: string, drop: string[] = []): string =>
  front(
    ['slug: private-fields', 'title: Private fields', 'state: super-draft']
      .filter((l) => !drop.some((d) => l.startsWith(`${d}:`)))
      .concat(extra === '' ? [] : [extra])
      .join('\n'),
  );

const laughs = [
  'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
].join('\n');

interface Expect {
  field: string | null;
  line: number | null;
  message: RegExp;
}
interface Case {
  name: string;
  input: string | Uint8Array;
  path?: string;
  maxBodyBytes?: number;
  problems: Expect[];
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...enc(p)] : p)));

const BAD: Case[] = [
  { name: 'empty file', input: '', problems: [{ field: null, line: 1, message: /no frontmatter/ }] },
  {
    name: 'no frontmatter',
    input: '# Title\n\nBody\n',
    problems: [{ field: null, line: 1, message: /no frontmatter/ }],
  },
  {
    name: 'opening delimiter with spaces',
    input: '--- \nslug: x\n---\n',
    problems: [{ field: null, line: 1, message: /trailing spaces/ }],
  },
  {
    name: 'other frontmatter language (never evaluated)',
    input: '---js\n{ slug: "x" }\n---\n',
    problems: [{ field: null, line: 1, message: /no frontmatter/ }],
  },
  {
    name: 'unterminated frontmatter',
    input: '---\nslug: private-fields\ntitle: T\n',
    problems: [{ field: null, line: 1, message: /unterminated frontmatter/ }],
  },
  {
    name: 'only an opening delimiter',
    input: '---',
    problems: [{ field: null, line: 1, message: /unterminated/ }],
  },
  {
    name: 'delimiter-like line',
    input: '---\nslug: x\n----\n---\n',
    problems: [{ field: null, line: 3, message: /not a delimiter/ }],
  },
  {
    name: 'invalid YAML',
    input: front('slug: private-fields\ntitle: [unclosed\nstate: active'),
    problems: [{ field: null, line: 4, message: /invalid YAML/ }],
  },
  {
    name: 'tab indentation',
    input: front('slug: private-fields\nowners:\n\t- alice'),
    problems: [{ field: null, line: 4, message: /invalid YAML/ }],
  },
  {
    name: 'billion laughs',
    input: front(laughs),
    problems: [{ field: null, line: 2, message: /aliases expand too much/ }],
  },
  {
    name: 'deep nesting',
    input: front(`slug: x\nv: ${'['.repeat(20000)}${']'.repeat(20000)}`),
    problems: [{ field: null, line: 2, message: /nested too deeply/ }],
  },
  {
    name: 'huge frontmatter',
    input: front(`slug: x\nv: "${'x'.repeat(70_000)}"`),
    problems: [{ field: null, line: 1, message: /longer than 65536/ }],
  },
  {
    name: 'frontmatter is a list',
    input: front('- a\n- b'),
    problems: [{ field: null, line: 2, message: /must be a mapping/ }],
  },
  {
    name: 'frontmatter is a scalar',
    input: front('just text'),
    problems: [{ field: null, line: 2, message: /must be a mapping/ }],
  },
  {
    name: 'empty frontmatter',
    input: '---\n---\nBody',
    problems: [
      { field: 'slug', line: null, message: /missing required field "slug"/ },
      { field: 'title', line: null, message: /missing required field "title"/ },
      { field: 'state', line: null, message: /missing required field "state"/ },
    ],
  },
  {
    name: 'numeric title',
    input: base('', ['title']).replace('state:', 'title: 42\nstate:'),
    problems: [{ field: 'title', line: 3, message: /"title" must be a string, not number 42/ }],
  },
  {
    name: 'list title',
    input: base('', ['title']).replace('state:', 'title: [a]\nstate:'),
    problems: [{ field: 'title', line: 3, message: /must be a string, not a list/ }],
  },
  {
    name: 'null title',
    input: base('', ['title']).replace('state:', 'title:\nstate:'),
    problems: [{ field: 'title', line: 3, message: /missing required field "title"/ }],
  },
  {
    name: 'blank title',
    input: base('', ['title']).replace('state:', 'title: "  "\nstate:'),
    problems: [{ field: 'title', line: 3, message: /empty/ }],
  },
  {
    name: 'slug differs from file name',
    input: base('', ['slug']).replace('title:', 'slug: other-name\ntitle:'),
    problems: [{ field: 'slug', line: 2, message: /differs from the file name "private-fields.md"/ }],
  },
  {
    name: 'slug with /',
    input: base('', ['slug']).replace('title:', 'slug: a/b\ntitle:'),
    problems: [{ field: 'slug', line: 2, message: /slug "a\/b" is invalid/ }],
  },
  {
    name: 'slug ..',
    input: base('', ['slug']).replace('title:', 'slug: ..\ntitle:'),
    problems: [{ field: 'slug', line: 2, message: /slug "\.\." is invalid/ }],
  },
  {
    name: 'slug upper case',
    input: base('', ['slug']).replace('title:', 'slug: Private-Fields\ntitle:'),
    problems: [{ field: 'slug', line: 2, message: /is invalid/ }],
  },
  {
    name: 'slug with spaces',
    input: base('', ['slug']).replace('title:', 'slug: private fields\ntitle:'),
    problems: [{ field: 'slug', line: 2, message: /is invalid/ }],
  },
  {
    name: 'slug too long',
    input: base('', ['slug']).replace('title:', `slug: ${'a'.repeat(64)}\ntitle:`),
    problems: [{ field: 'slug', line: 2, message: /is invalid/ }],
  },
  {
    name: 'numeric slug',
    input: base('', ['slug']).replace('title:', 'slug: 12\ntitle:'),
    problems: [{ field: 'slug', line: 2, message: /must be a string/ }],
  },
  {
    name: 'file not named .md',
    path: 'rfcs/private-fields.txt',
    input: VALID,
    problems: [{ field: null, line: null, message: /must be named rfcs\/<slug>\.md/ }],
  },
  {
    name: 'unknown state',
    input: base('', ['state']) + '',
    problems: [{ field: 'state', line: null, message: /missing required field "state"/ }],
  },
  {
    name: 'state draft',
    input: base('', ['state']).replace('---\nBody', 'state: draft\n---\nBody'),
    problems: [
      {
        field: 'state',
        line: 4,
        message: /unknown state "draft"; use one of "super-draft", "active", "withdrawn"/,
      },
    ],
  },
  {
    name: 'active without repo and id',
    input: base('', ['state']).replace('---\nBody', 'state: active\n---\nBody'),
    problems: [
      { field: 'id', line: 4, message: /active RFC needs "id"/ },
      { field: 'repo', line: 4, message: /active RFC needs "repo"/ },
    ],
  },
  {
    name: 'active without repo',
    input: ACTIVE.replace('repo: rfcs/rfc-0012\n', ''),
    problems: [{ field: 'repo', line: 4, message: /needs "repo"/ }],
  },
  {
    name: 'active without id',
    input: ACTIVE.replace('id: 12\n', ''),
    problems: [{ field: 'id', line: 4, message: /needs "id"/ }],
  },
  {
    name: 'duplicate key',
    input: base('title: Again'),
    problems: [{ field: 'title', line: 5, message: /duplicate key "title"/ }],
  },
  {
    name: 'id zero',
    input: base('id: 0'),
    problems: [{ field: 'id', line: 5, message: /positive integer, not number 0/ }],
  },
  {
    name: 'id fraction',
    input: base('id: 1.5'),
    problems: [{ field: 'id', line: 5, message: /positive integer/ }],
  },
  {
    name: 'id string',
    input: base('id: "12"'),
    problems: [{ field: 'id', line: 5, message: /positive integer, not "12"/ }],
  },
  {
    name: 'repo without owner',
    input: base('repo: rfc-0001'),
    problems: [{ field: 'repo', line: 5, message: /"owner\/name"/ }],
  },
  {
    name: 'repo with three parts',
    input: base('repo: a/b/c'),
    problems: [{ field: 'repo', line: 5, message: /"owner\/name"/ }],
  },
  {
    name: 'bad login',
    input: base('proposed_by: "not a login"'),
    problems: [{ field: 'proposed_by', line: 5, message: /Gitea login/ }],
  },
  {
    name: 'login ending in a dash',
    input: base('graduated_by: bob-'),
    problems: [{ field: 'graduated_by', line: 5, message: /Gitea login/ }],
  },
  {
    name: 'bad date',
    input: base('proposed_at: 2026-02-30'),
    problems: [{ field: 'proposed_at', line: 5, message: /ISO date/ }],
  },
  {
    name: 'date-time without zone',
    input: base('graduated_at: 2026-02-01T10:00:00'),
    problems: [{ field: 'graduated_at', line: 5, message: /ISO date/ }],
  },
  {
    name: 'owners not a list',
    input: base('owners: alice'),
    problems: [{ field: 'owners', line: 5, message: /must be a list/ }],
  },
  {
    name: 'bad owner item',
    input: base('owners: [alice, "b c"]'),
    problems: [{ field: 'owners', line: 5, message: /item 2 must be a Gitea login/ }],
  },
  {
    name: 'bad arbiter item',
    input: base('arbiters: [1]'),
    problems: [{ field: 'arbiters', line: 5, message: /item 1 must be a Gitea login, not number 1/ }],
  },
  {
    name: 'empty tag',
    input: base('tags: [""]'),
    problems: [{ field: 'tags', line: 5, message: /item 1 must be a non-empty/ }],
  },
  {
    name: 'body over the limit',
    maxBodyBytes: 10,
    input: front('slug: private-fields\ntitle: T\nstate: withdrawn', 'x'.repeat(11)),
    problems: [{ field: 'body', line: 6, message: /11 bytes, over the limit of 10/ }],
  },
  {
    name: 'body over the limit in bytes, not characters',
    maxBodyBytes: 8,
    input: front('slug: private-fields\ntitle: T\nstate: withdrawn', 'ééééé'),
    problems: [{ field: 'body', line: 6, message: /10 bytes/ }],
  },
  {
    name: 'body over the default 1 MiB',
    input: front('slug: private-fields\ntitle: T\nstate: withdrawn', 'x'.repeat(1024 * 1024 + 1)),
    problems: [{ field: 'body', line: 6, message: /over the limit of 1048576/ }],
  },
  {
    name: 'invalid UTF-8',
    input: bytes('---\nslug: private-fields\ntitle: caf', [0xc3, 0x28], '\nstate: active\n---\n'),
    problems: [{ field: null, line: 3, message: /invalid UTF-8 at byte 35/ }],
  },
  {
    name: 'overlong UTF-8',
    input: bytes('---\n', [0xc0, 0xaf], '\n---\n'),
    problems: [{ field: null, line: 2, message: /invalid UTF-8/ }],
  },
  {
    name: 'UTF-8 surrogate bytes',
    input: bytes('---\n', [0xed, 0xa0, 0x80], '\n---\n'),
    problems: [{ field: null, line: 2, message: /invalid UTF-8/ }],
  },
  {
    name: 'truncated UTF-8 at the end',
    input: bytes(VALID, [0xe2, 0x82]),
    problems: [{ field: null, line: 14, message: /invalid UTF-8/ }],
  },
  {
    name: 'lone surrogate in a string',
    input: `${VALID}\uD800`,
    problems: [{ field: null, line: 14, message: /lone surrogate/ }],
  },
  {
    name: 'every problem at once, in line order',
    input: front('slug: Bad Slug\ntitle: 7\nstate: nope\nid: -1\nowners: [y]\nowners: x', 'b'),
    problems: [
      { field: 'slug', line: 2, message: /invalid/ },
      { field: 'title', line: 3, message: /must be a string/ },
      { field: 'state', line: 4, message: /unknown state "nope"/ },
      { field: 'id', line: 5, message: /positive integer/ },
      { field: 'owners', line: 7, message: /duplicate key "owners"/ },
      { field: 'owners', line: 7, message: /must be a list/ },
    ],
  },
];

function matches(actual: EntryProblem[], expected: Expect[], file: string): void {
  expect(actual.map((p) => ({ file: p.file, field: p.field, line: p.line }))).toEqual(
    expected.map((e) => ({ file, field: e.field, line: e.line })),
  );
  actual.forEach((p, i) => {
    expect(p.message).toMatch(expected[i]!.message);
  });
}

describe('parseEntry: bad input gets every problem, never a crash', () => {
  it.each(BAD)('$name', (c) => {
    const path = c.path ?? PATH;
    const result = parseEntry(c.input, { path, maxBodyBytes: c.maxBodyBytes });
    expect(result.ok).toBe(false);
    if (!result.ok) matches(result.problems, c.problems, path);
  });
});

describe('parseEntry: valid input', () => {
  it('parses a super-draft with defaults for absent fields', () => {
    const r = parseEntry(VALID, { path: PATH });
    expect(r).toEqual({
      ok: true,
      entry: {
        slug: 'private-fields',
        title: 'Private fields by default',
        state: 'super-draft',
        id: null,
        repo: null,
        proposed_by: 'alice',
        proposed_at: '2026-01-05',
        graduated_by: null,
        graduated_at: null,
        owners: ['alice'],
        arbiters: ['bob'],
        tags: ['lang'],
        body: '# Private fields\n\nBody text.\n',
        extra: {},
      },
    });
  });

  it('parses an active entry and keeps dates as written', () => {
    const r = parseEntry(ACTIVE, { path: PATH });
    expect(r.ok && r.entry).toMatchObject({
      state: 'active',
      id: 12,
      repo: 'rfcs/rfc-0012',
      proposed_at: '2026-01-05T09:30:00Z',
      graduated_at: '2026-02-01T10:00:00+01:00',
    });
  });

  it.each([
    ['a byte order mark', `\uFEFF${VALID}`],
    ['CRLF line ends', VALID.replace(/\n/g, '\r\n')],
    ['a BOM and CRLF as bytes', bytes([0xef, 0xbb, 0xbf], VALID.replace(/\n/g, '\r\n'))],
    ['UTF-8 bytes', enc(VALID)],
  ])('accepts %s and normalises to the same entry', (_name, input) => {
    const expected = parseEntry(VALID, { path: PATH });
    expect(parseEntry(input, { path: PATH })).toEqual(expected);
  });

  it('keeps unknown keys in extra without touching prototypes', () => {
    const r = parseEntry(
      base('discussion: https://forum.example/t/1\n__proto__: {polluted: true}\nnested: {a: [1, 2]}'),
      {
        path: PATH,
      },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.entry.extra.discussion).toBe('https://forum.example/t/1');
    expect(Object.hasOwn(r.entry.extra, '__proto__')).toBe(true);
    expect(r.entry.extra.nested).toEqual({ a: [1, 2] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('allows a few aliases, an empty body and a body that starts with "---"', () => {
    const r1 = parseEntry(base('owners: &o [alice]\narbiters: *o'), { path: PATH });
    expect(r1.ok && [r1.entry.owners, r1.entry.arbiters]).toEqual([['alice'], ['alice']]);
    const r2 = parseEntry('---\nslug: private-fields\ntitle: T\nstate: withdrawn\n---', { path: PATH });
    expect(r2.ok && r2.entry.body).toBe('');
    const r3 = parseEntry(front('slug: private-fields\ntitle: T\nstate: withdrawn', '---\nmore\n'), {
      path: PATH,
    });
    expect(r3.ok && r3.entry.body).toBe('---\nmore\n');
  });

  it('accepts a body exactly at the limit', () => {
    const r = parseEntry(front('slug: private-fields\ntitle: T\nstate: withdrawn', 'x'.repeat(10)), {
      path: PATH,
      maxBodyBytes: 10,
    });
    expect(r.ok).toBe(true);
  });

  it.each([
    ['!!timestamp 2026-01-05', '2026-01-05'],
    ['!!timestamp 2026-01-05T10:00:00+02:00', '2026-01-05T10:00:00+02:00'],
    ['!!timestamp 2026-1-5', '2026-01-05'],
    ['!!timestamp 2026-01-05 10:00:00Z', '2026-01-05T10:00:00.000Z'],
    ['!!str 2026-01-05', '2026-01-05'],
    ['"2026-01-05"', '2026-01-05'],
  ])('keeps a YAML timestamp (%s) as ISO text', (yaml, expected) => {
    const r = parseEntry(base(`proposed_at: ${yaml}`), { path: PATH });
    expect(r.ok && r.entry.proposed_at).toBe(expected);
  });

  it('decodes multi-byte UTF-8', () => {
    const r = parseEntry(enc(VALID.replace('Body text.', 'Bödy 🙂 変数')), { path: PATH });
    expect(r.ok && r.entry.body).toBe('# Private fields\n\nBödy 🙂 変数\n');
  });

  it('flags invalid UTF-8 exactly when a strict decoder does', () => {
    const bytesArb = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xf5),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(bytesArb, (arr) => {
        const input = Uint8Array.from([...enc('---\n'), ...arr]);
        let decodable = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(input);
        } catch {
          decodable = false;
        }
        const r = parseEntry(input, { path: PATH });
        const flagged = !r.ok && r.problems.some((p) => /invalid UTF-8/.test(p.message));
        expect(flagged).toBe(!decodable);
      }),
      { numRuns: 500 },
    );
  });

  it('compares the slug with the file name only', () => {
    expect(parseEntry(VALID, { path: '/tmp/checkout/rfcs/private-fields.md' }).ok).toBe(true);
  });
});
