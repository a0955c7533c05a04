import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableJson } from './artifact.ts';

/** The plain definition `stableJson` must match: copy every object with its keys sorted. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

describe('stableJson', () => {
  it.each([
    ['sorted keys', { a: 1, b: [1, { c: null, d: 'x' }] }],
    ['unsorted keys', { b: 1, a: { z: [], y: {} } }],
    ['integer-like keys', { b: 1, '10': 2, '9': 3 }],
    ['undefined members', { a: undefined, b: [undefined, () => 1], c: 1 }],
    ['a nested unsorted object in a sorted one', { a: [{ y: 1, x: 2 }], b: 'z' }],
    ['a Date', { at: new Date(0) }],
    ['a sparse array', Object.assign(new Array<number>(3), { 0: 1, 2: 3 })],
    ['top-level scalars', 'text <&>'],
  ])('writes the bytes of the plain definition: %s', (_name, value) => {
    expect(stableJson(value)).toBe(reference(value));
  });

  it('matches the plain definition on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(stableJson(value)).toBe(reference(value));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves its input unchanged', () => {
    const value = { b: { d: 1, c: 2 }, a: [3] };
    const before = JSON.stringify(value);
    stableJson(value);
    expect(JSON.stringify(value)).toBe(before);
  });
});
