import { describe, expect, it } from 'vitest';
import { eachLimit, limiter, startOnce } from './limit.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('limiter', () => {
  it('runs at most `width` at once, in call order, and passes results and errors through', async () => {
    const run = limiter(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let active = 0;
    let peak = 0;
    const results = gates.map((g, i) =>
      run(async () => {
        started.push(i);
        active++;
        peak = Math.max(peak, active);
        await g.promise;
        active--;
        if (i === 3) throw new Error('four');
        return i * 10;
      }),
    );
    await new Promise((go) => setImmediate(go));
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await new Promise((go) => setImmediate(go));
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.resolve();
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      0,
      10,
      20,
      'four',
      40,
    ]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });
});

describe('eachLimit', () => {
  it('visits every item with at most `width` in flight', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await eachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((go) => setTimeout(go, 1));
      seen.push(n);
      active--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });
});

describe('startOnce', () => {
  it('starts once per key and hands every caller the same promise, rejections included', async () => {
    const calls: string[] = [];
    const start = startOnce(async (k: string) => {
      calls.push(k);
      if (k === 'bad') throw new Error('bad key');
      return k.length;
    });
    const a = start('abc');
    expect(start('abc')).toBe(a);
    const bad = start('bad');
    await new Promise((go) => setImmediate(go));
    expect(await a).toBe(3);
    await expect(start('bad')).rejects.toThrow('bad key');
    expect(start('bad')).toBe(bad);
    expect(calls).toEqual(['abc', 'bad']);
  });
});
