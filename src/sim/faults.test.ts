import { describe, expect, it } from 'vitest';
import { Faults, validateFaultRule } from './faults.ts';

describe('Faults', () => {
  it('applies the first matching rule and counts down times', () => {
    const f = new Faults();
    f.add({ method: 'POST', route: '/a', status: 500, times: 2 });
    f.add({ route: '/a', status: 503 });
    expect(f.take('GET', '/a')?.status).toBe(503);
    expect(f.take('post', '/a')?.status).toBe(500);
    expect(f.take('POST', '/a')?.status).toBe(500);
    expect(f.take('POST', '/a')?.status).toBe(503);
    expect(f.take('POST', '/b')).toBeNull();
  });

  it('removes a rule by its remove function and clears all', () => {
    const f = new Faults();
    const remove = f.add({ status: 429 });
    f.add({ route: '/x', latencyMs: 5 });
    remove();
    expect(f.take('GET', '/y')).toBeNull();
    expect(f.take('GET', '/x')?.latencyMs).toBe(5);
    f.clear();
    expect(f.list()).toEqual([]);
  });

  it.each([
    [{ status: 500, times: 1 }, null],
    [{ timeout: true }, null],
    [{ timeout: 100 }, null],
    [[], 'the fault rule must be a JSON object'],
    [{ status: '500' }, 'fault field "status" must be number'],
    [{ bogus: 1 }, /unknown fault field "bogus"/],
  ])('validates %j', (rule, expected) => {
    const problem = validateFaultRule(rule);
    if (expected instanceof RegExp) expect(problem).toMatch(expected);
    else expect(problem).toBe(expected);
  });
});
