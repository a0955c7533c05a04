import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

describe('npm run demo', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('seeds the simulator, sweeps, builds the site and reports where they are', async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-test-'));
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/demo.ts', '--once', '--dir', dir],
      {
        cwd: root,
        timeout: 180_000,
      },
    );
    const summary = JSON.parse(stdout.trim().split('\n').pop()!) as {
      gitea: string;
      metaRepo: string;
      site: string;
      counts: { rfcs: number; prs: number; problems: number };
    };
    expect(summary.gitea).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(summary.site).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(summary.metaRepo).toBe('rfcs/meta');
    expect(summary.counts.rfcs).toBe(12);
    expect(summary.counts.problems).toBe(1);
    const rfcFiles = await readdir(join(dir, 'cache-artifacts', 'rfcs'));
    expect(rfcFiles).toHaveLength(12);
    const index = await readFile(join(dir, 'site', 'index.html'), 'utf8');
    expect(index).toContain('<html');
  });
});
