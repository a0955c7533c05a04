import { describe, expect, test } from 'vitest';
import { canonicalJson, commandKey, relateKey, SLOT_HEX, slotOf } from './key.ts';
import type { Command } from './types.ts';

const base: Command = {
  op: 'create_issue',
  repo: 'rfcs/meta',
  payload: { title: 'T', body: 'B', labels: ['a', 'b'] },
  actor: 'alice',
  source: 'slash-command',
  request: 'comment-17',
};

describe('canonicalJson', () => {
  test.each([
    [{ b: 1, a: { d: 2, c: 3 } }, '{"a":{"c":3,"d":2},"b":1}'],
    [{ a: undefined, b: null }, '{"b":null}'],
    [[{ y: 1, x: 2 }], '[{"x":2,"y":1}]'],
  ])('%j', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('commandKey', () => {
  test('is 40 hex and independent of key order', () => {
    const k = commandKey(base);
    expect(k).toMatch(/^[0-9a-f]{40}$/);
    expect(commandKey({ ...base, payload: { labels: ['a', 'b'], body: 'B', title: 'T' } })).toBe(k);
  });

  test.each([
    ['payload', { payload: { ...base.payload, title: 'T2' } }, 'same-request'],
    ['actor', { actor: 'bob' }, 'same-request'],
    ['request', { request: 'comment-18' }, 'unrelated'],
    ['source', { source: 'dispatch' }, 'unrelated'],
    ['op', { op: 'add_comment' as const }, 'unrelated'],
    ['repo', { repo: 'rfcs/other' }, 'unrelated'],
  ])('changing %s relates as %s', (_name, change, relation) => {
    const k = commandKey(base);
    const other = commandKey({ ...base, ...change });
    expect(other).not.toBe(k);
    expect(relateKey(other, k)).toBe(relation);
  });

  test('the slot prefix is the slot hash', () => {
    expect(commandKey(base).slice(0, SLOT_HEX)).toBe(slotOf(base));
    expect(relateKey(commandKey(base), commandKey(base))).toBe('same');
  });

  test('the label order is content: a different order is a different command', () => {
    expect(commandKey({ ...base, payload: { ...base.payload, labels: ['b', 'a'] } })).not.toBe(
      commandKey(base),
    );
  });
});
