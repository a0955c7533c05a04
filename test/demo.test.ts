import { execFile, spawn } from 'node:child_process';
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

  it('serves the site and the simulator until stopped, then exits cleanly', async () => {
    const served = await mkdtemp(join(tmpdir(), 'demo-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo.ts', '--dir', served], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    try {
      const line = await new Promise<string>((ok, fail) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString('utf8');
          if (text.includes('\n')) ok(text.split('\n')[0]!);
        });
        child.once('exit', (code) => fail(new Error(`demo exited with ${code} before printing its summary`)));
      });
      const summary = JSON.parse(line) as { gitea: string; site: string; metaRepo: string };
      const index = await fetch(summary.site);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await index.text();
      const rfc = /href="(rfcs\/[a-z0-9-]+\.html)"/.exec(html)![1]!;
      expect((await fetch(new URL(rfc, summary.site))).status).toBe(200);
      expect((await fetch(new URL('feed.xml', summary.site))).headers.get('content-type')).toContain('atom');
      expect((await fetch(`${summary.site}..%2f..%2fcache-artifacts/meta.json`)).status).toBe(404);
      const repo = await fetch(`${summary.gitea}/api/v1/repos/${summary.metaRepo}`);
      expect(repo.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await rm(served, { recursive: true, force: true });
    }
  }, 180_000);
});
