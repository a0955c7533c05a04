import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBinary, lineStats } from './numstat.ts';

/** `git diff --no-index --numstat` over many file pairs at once: path → [additions, deletions]. */
function gitNumstat(pairs: [string, string][]): Map<string, [number, number]> {
  const dir = mkdtempSync(join(tmpdir(), 'sim-numstat-'));
  try {
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    pairs.forEach(([x, y], i) => {
      writeFileSync(join(dir, 'a', `f${i}`), x, 'latin1');
      writeFileSync(join(dir, 'b', `f${i}`), y, 'latin1');
    });
    let out = '';
    try {
      execFileSync('git', ['diff', '--no-index', '--numstat', 'a', 'b'], {
        cwd: dir,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (e) {
      // --no-index exits 1 when the trees differ.
      out = (e as { stdout: string }).stdout;
    }
    const m = new Map<string, [number, number]>();
    for (const line of out.split('\n').filter(Boolean)) {
      const [add, del, path] = line.split('\t');
      m.set(path!.replace(/^.*\//, ''), [Number(add), Number(del)]);
    }
    return m;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const line = fc.constantFrom('a\n', 'b\n', 'c\n', '\n', '\n', '# h\n', 'x', 'text line\n', '\n', '- item\n');
const file = fc.array(line, { maxLength: 40 }).map((ls) => ls.join(''));
const paragraph = fc
  .array(fc.constantFrom('alpha', 'beta', 'gamma', 'delta', ''), { minLength: 1, maxLength: 6 })
  .map((ws) => `${ws.join(' ')}\n`);
const doc = fc.array(paragraph, { minLength: 0, maxLength: 120 }).map((ls) => ls.join(''));
const longTail = 'common tail line that repeats\n'.repeat(80);

describe('lineStats', () => {
  it('counts like git diff --numstat on generated file pairs (repeated and blank lines, no final newline, long common tails)', () => {
    const pairs = [
      ...fc.sample(fc.tuple(file, file), { numRuns: 250, seed: 7 }),
      ...fc.sample(fc.tuple(doc, doc), { numRuns: 80, seed: 11 }),
      ...fc
        .sample(fc.tuple(file, file), { numRuns: 40, seed: 3 })
        .map(([x, y]): [string, string] => [x + longTail, `${y}${longTail}`]),
      ['', ''],
      ['a\n', 'a'],
      ['one\n\ntwo\n\nthree\n', 'one\n\n2\n\nthree\n'],
    ] as [string, string][];
    const git = gitNumstat(pairs);
    const mismatches: string[] = [];
    pairs.forEach(([x, y], i) => {
      const ours = lineStats(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1'));
      const want = git.get(`f${i}`) ?? [0, 0];
      if (ours === null) return;
      if (ours.additions !== want[0] || ours.deletions !== want[1]) {
        mismatches.push(
          `${JSON.stringify([x, y])}: ours ${ours.additions}/${ours.deletions}, git ${want.join('/')}`,
        );
      }
    });
    expect(mismatches).toEqual([]);
  });

  it('gives up (null) on edits larger than xdiff answers exactly', () => {
    const a = Array.from({ length: 600 }, (_, i) => `a${i}\n`).join('');
    const b = Array.from({ length: 600 }, (_, i) => `b${i}\n`).join('');
    // Every line is unique to its side: xdiff discards them all, which is exact.
    expect(lineStats(Buffer.from(a), Buffer.from(b))).toEqual({ additions: 600, deletions: 600 });
    const c = Array.from({ length: 2000 }, (_, i) => (i % 2 ? 'x\n' : 'y\n')).join('');
    const d = Array.from({ length: 2000 }, (_, i) => (i % 5 ? 'x\n' : 'y\n')).join('');
    expect(lineStats(Buffer.from(c), Buffer.from(d))).toBeNull();
  });

  it('detects binary content by a NUL in the first 8000 bytes', () => {
    expect(isBinary(Buffer.from('a\0b'))).toBe(true);
    expect(isBinary(Buffer.concat([Buffer.alloc(8000, 0x61), Buffer.from([0])]))).toBe(false);
  });
});
