import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableJson } from '../cache/artifact.ts';
import { sortedJson } from './json.ts';

describe('sortedJson', () => {
  it.each([
    ['sorted keys', { a: 1, b: [1, { c: null, d: 'x' }] }],
    ['unsorted keys', { b: 1, a: { z: [], y: {} } }],
    ['integer-like keys', { b: 1, '10': 2, '9': 3 }],
    ['undefined members', { a: undefined, b: [undefined, () => 1], c: 1 }],
    ['a nested unsorted object in a sorted one', { a: [{ y: 1, x: 2 }], b: 'z' }],
    ['a Date', { at: new Date(0) }],
    ['a sparse array', Object.assign(new Array<number>(3), { 0: 1, 2: 3 })],
    ['top-level scalars', 'text <&>'],
  ])('writes the same bytes as stableJson: %s', (_name, value) => {
    expect(sortedJson(value)).toBe(stableJson(value));
  });

  it('matches stableJson on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(sortedJson(value)).toBe(stableJson(value));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves its input unchanged', () => {
    const value = { b: { d: 1, c: 2 }, a: [3] };
    const before = JSON.stringify(value);
    sortedJson(value);
    expect(JSON.stringify(value)).toBe(before);
  });
});
