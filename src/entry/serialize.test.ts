import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENTRY_KEYS, type Entry } from './model.ts';
import { parseEntry } from './parse.ts';
import { serializeEntry } from './serialize.ts';
import { entryPath } from './syntax.ts';
import { validateEntry } from './validate.ts';

const ENTRY: Entry = {
  slug: 'private-fields',
  title: 'Private fields: by default (#12)',
  state: 'active',
  id: 12,
  repo: 'rfcs/rfc-0012',
  proposed_by: 'alice',
  proposed_at: '2026-01-05',
  graduated_by: 'bob',
  graduated_at: '2026-02-01T10:00:00+01:00',
  owners: ['alice', 'carol'],
  arbiters: ['bob'],
  tags: ['lang', 'visibility'],
  body: '# Private fields\n\nText.\n',
  extra: { zeta: 1, discussion: 'https://forum.example/t/1', nested: { b: [1, 2], a: null } },
};

function reparse(text: string, path: string): Entry {
  const r = parseEntry(text, { path });
  if (!r.ok) throw new Error(`${path}: ${JSON.stringify(r.problems)}`);
  return r.entry;
}

describe('serializeEntry', () => {
  it('writes the canonical form: fixed key order, flow lists, extra keys sorted after the known ones', () => {
    expect(serializeEntry(ENTRY)).toBe(`---
slug: private-fields
title: "Private fields: by default (#12)"
state: active
id: 12
repo: rfcs/rfc-0012
proposed_by: alice
proposed_at: 2026-01-05
graduated_by: bob
graduated_at: 2026-02-01T10:00:00+01:00
owners: [alice, carol]
arbiters: [bob]
tags: [lang, visibility]
discussion: https://forum.example/t/1
nested:
  b: [1, 2]
  a: null
zeta: 1
---
# Private fields

Text.
`);
  });

  it('leaves out null optional fields and keeps empty lists', () => {
    const text = serializeEntry({
      ...ENTRY,
      state: 'super-draft',
      id: null,
      repo: null,
      graduated_by: null,
      graduated_at: null,
      proposed_by: null,
      proposed_at: null,
      owners: [],
      extra: {},
      body: '',
    });
    expect(text).toBe(
      '---\nslug: private-fields\ntitle: "Private fields: by default (#12)"\nstate: super-draft\nowners: []\narbiters: [bob]\ntags: [lang, visibility]\n---\n',
    );
  });

  it.each([
    'yes',
    '123',
    '- not a list',
    'Unicode identifiers (UAX #31)',
    '"quoted" and \'single\'',
    '  padded  ',
    'multi\nline',
    '2026-01-05',
    'null',
    '---',
    'ünïcödé 変数 🙂',
  ])('round-trips the title %j', (title) => {
    const entry = { ...ENTRY, title };
    expect(reparse(serializeEntry(entry), entryPath(entry.slug))).toEqual(entry);
  });

  it('puts integer-like extra keys after the known keys', () => {
    const text = serializeEntry({ ...ENTRY, extra: { '10': 'x', '2': 'y', b: 1 } });
    expect(text.split('\n').slice(12, 16)).toEqual(['tags: [lang, visibility]', '"10": x', '"2": y', 'b: 1']);
  });

  it('reaches a fixed point for YAML values JSON does not have', () => {
    const src =
      '---\nslug: x\ntitle: t\nstate: withdrawn\nwhen: !!timestamp 2026-01-05\nbin: !!binary aGk=\n' +
      'set: !!set {a, b}\nnan: .nan\n? [a, b]\n: complex\n---\nbody\n';
    const once = serializeEntry(reparse(src, 'rfcs/x.md'));
    expect(serializeEntry(reparse(once, 'rfcs/x.md'))).toBe(once);
  });

  it('writes LF even when the body came with CRLF', () => {
    expect(serializeEntry({ ...ENTRY, body: 'a\r\nb\r\n' }).endsWith('---\na\nb\n')).toBe(true);
  });

  it('is stable on every example entry: serialize(parse(x)) is a fixed point', () => {
    const dir = join(import.meta.dirname, '..', '..', 'examples', 'meta', 'rfcs');
    const files = readdirSync(dir).filter((f) => f !== 'broken-entry.md');
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) {
      const path = `rfcs/${f}`;
      const once = serializeEntry(reparse(readFileSync(join(dir, f), 'utf8'), path));
      expect(serializeEntry(reparse(once, path)), f).toBe(once);
    }
  });
});

const LOGINS = ['alice', 'bob', 'c.d', 'e_f', 'g-h', 'X9'];
const slugArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/);
const loginArb = fc.oneof(
  fc.constantFrom(...LOGINS),
  fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9]|[-._][a-zA-Z0-9]){0,12}$/),
);
const textArb = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\r/g, ''));
const dateArb = fc.oneof(
  fc
    .record({
      y: fc.integer({ min: 1970, max: 2100 }),
      m: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
    })
    .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constant('2026-02-01T10:00+05:30'),
);
const extraArb = fc
  .dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(ENTRY_KEYS as readonly string[]).includes(k)),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
  )
  .map((d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>);

const entryArb: fc.Arbitrary<Entry> = fc
  .record({
    slug: slugArb,
    title: textArb.filter((t) => t.trim() !== ''),
    state: fc.constantFrom('super-draft' as const, 'active' as const, 'withdrawn' as const),
    id: fc.option(fc.integer({ min: 1, max: 2 ** 31 })),
    repo: fc.option(
      fc
        .tuple(fc.constantFrom('rfcs', 'org-1'), fc.stringMatching(/^[a-z0-9][-.\w]{0,20}$/))
        .map(([o, n]) => `${o}/${n}`),
    ),
    proposed_by: fc.option(loginArb),
    proposed_at: fc.option(dateArb),
    graduated_by: fc.option(loginArb),
    graduated_at: fc.option(dateArb),
    owners: fc.array(loginArb, { maxLength: 3 }),
    arbiters: fc.array(loginArb, { maxLength: 3 }),
    tags: fc.array(
      textArb.filter((t) => t.trim() !== '' && !t.includes('\n')),
      { maxLength: 3 },
    ),
    body: fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => s.replace(/\r/g, '')),
    extra: extraArb,
  })
  .map((e) => (e.state === 'active' ? { ...e, id: e.id ?? 1, repo: e.repo ?? 'rfcs/rfc-0001' } : e))
  .filter((e) => !['.', '..'].includes(e.repo?.split('/')[1] ?? ''));

describe('round trip (property)', () => {
  it('parse(serialize(e)) equals e, and serialize is a fixed point', () => {
    fc.assert(
      fc.property(entryArb, (entry) => {
        const path = entryPath(entry.slug);
        expect(validateEntry(entry, { path })).toEqual([]);
        const text = serializeEntry(entry);
        const back = reparse(text, path);
        expect(back).toEqual(entry);
        expect(serializeEntry(back)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary text or bytes', () => {
    const frontish = fc
      .array(
        fc.oneof(
          fc.constantFrom('---', 'slug: a', 'title: t', 'state: active', '&a [*a]', '- x', ': :', '\t', '"'),
          fc.string(),
        ),
        {
          maxLength: 8,
        },
      )
      .map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), frontish, fc.uint8Array({ maxLength: 64 })), (input) => {
        const r = parseEntry(input, { path: 'rfcs/a.md' });
        if (!r.ok) {
          expect(r.problems.length).toBeGreaterThan(0);
          for (const p of r.problems) expect(p.file).toBe('rfcs/a.md');
        }
      }),
      { numRuns: 300 },
    );
  });
});
