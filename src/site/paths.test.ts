import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveInside, rootFrom, safeName, sitePaths } from './paths.ts';

// ASCII (dots, slashes, controls, upper case) mixed with non-ASCII and lone surrogates;
// fast-check's full 'binary' unit is too slow for a quick suite.
const unit = fc.oneof(
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
  fc.constantFrom('é', 'Ä', '日', '😀', '\ud800', '\udc00', '\u2028'),
);
const name = fc.string({ unit, maxLength: 120 });

describe('safeName', () => {
  it.each([
    ['private-fields', 'private-fields'],
    ['..', '_2e_2e'],
    ['../x', '_2e_2e_2fx'],
    ['Alice', '_41lice'],
    ['a_b', 'a_5fb'],
    ['', '_'],
    ['日', '_e6_97_a5'],
  ])('%j -> %j', (input, expected) => {
    expect(safeName(input)).toBe(expected);
  });

  it('only ever yields [a-z0-9_~-], never a dot name, at most 96 characters, and distinct values stay distinct', () => {
    fc.assert(
      fc.property(name, name, (a, b) => {
        const na = safeName(a);
        if (!/^[a-z0-9_~-]{1,96}$/.test(na)) return false;
        const ba = Buffer.from(a);
        const bb = Buffer.from(b);
        // Distinct UTF-8 bytes give distinct names (below the hashing length).
        return ba.equals(bb) || ba.length > 30 || bb.length > 30 || na !== safeName(b);
      }),
      { numRuns: 300 },
    );
  });
});

describe('paths', () => {
  it('keeps every generated path one or two segments deep under the root', () => {
    expect(sitePaths.rfc('../../etc/passwd')).toBe('rfcs/_2e_2e_2f_2e_2e_2fetc_2fpasswd.html');
    expect(sitePaths.person('..')).toBe('people/_2e_2e.html');
    expect(rootFrom('index.html')).toBe('');
    expect(rootFrom('api/rfcs/x.json')).toBe('../../');
  });

  it.each(['../x', '/etc/passwd', 'a/../../b', '..', ''])('resolveInside refuses %j', (rel) => {
    expect(() => resolveInside(join(tmpdir(), 'out'), rel)).toThrow(/outside the output directory/);
  });

  it('resolveInside accepts nested paths', () => {
    expect(resolveInside('/tmp/out', 'rfcs/a.html')).toBe('/tmp/out/rfcs/a.html');
  });
});
