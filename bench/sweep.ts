/**
 * `npm run bench -- sweep [--entries N] [--active A] [--prs P] [--latency MS] [--workspace]`
 *
 * Builds an org in the simulator (N entries, A active RFC repos with P PRs each), then with a
 * per-request latency of MS measures, each in its own child process (for its own peak RSS):
 * our cold sweep (entries by a shallow git fetch, over the API trees and blobs with git disabled,
 * and from a checkout with `--workspace`), a no-change sweep, a one-change sweep (one PR merged in one active repo), and
 * the seed's baseline sweep on the same data. Prints a Markdown report.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { reconcile } from '../src/cache/reconcile.ts';
import { GiteaClient } from '../src/gitea/index.ts';
import { type SimHandle, startSimulator } from '../src/sim/index.ts';
import { baselineSweep } from './baseline/seed-sweep.ts';

const execGit = promisify(execFile);

interface Measure {
  requests: number;
  /** smart-HTTP requests of the shallow fetch (included in `requests`) */
  gitRequests?: number;
  wallMs: number;
  maxRssMb: number;
  changed?: boolean;
  written?: number;
}

function entryFile(i: number, active: number, org: string): { path: string; text: string } {
  const slug = `rfc-${String(i).padStart(5, '0')}`;
  const lines = [
    '---',
    `slug: ${slug}`,
    `title: Proposal number ${i}`,
    `state: ${i < active ? 'active' : i % 10 === 9 ? 'withdrawn' : 'super-draft'}`,
  ];
  if (i < active)
    lines.push(`id: ${i + 1}`, `repo: ${org}/${slug}`, 'graduated_by: bob', 'graduated_at: 2026-02-01');
  lines.push(
    'proposed_by: alice',
    'proposed_at: 2026-01-05',
    'owners: [alice]',
    'arbiters: [bob]',
    'tags: [bench]',
  );
  lines.push(
    '---',
    `# Proposal ${i}`,
    '',
    'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(12),
    '',
  );
  return { path: `rfcs/${slug}.md`, text: lines.join('\n') };
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Builds the org: all entries in one commit, then A repos with RFC.md and P PRs each (a quarter merged, a quarter closed). */
export async function generate(
  sim: SimHandle,
  n: number,
  a: number,
  p: number,
  log: (s: string) => void,
): Promise<void> {
  const client = new GiteaClient({ baseUrl: sim.url, token: sim.token, concurrency: 8 });
  const [org, meta] = sim.metaRepo.split('/') as [string, string];
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  log(`writing ${n} entries in one commit`);
  const files = Array.from({ length: n }, (_, i) => entryFile(i, a, org));
  for (let i = 0; i < files.length; i += 2000) {
    await client.request('POST', '/repos/{owner}/{repo}/contents', {
      path: { owner: org, repo: meta },
      body: {
        message: `Add entries ${i}..${Math.min(n, i + 2000) - 1}`,
        branch: 'main',
        files: files
          .slice(i, i + 2000)
          .map((f) => ({ operation: 'create', path: f.path, content: b64(f.text) })),
      },
    });
  }
  log(`creating ${a} RFC repos with ${p} PRs each`);
  await pool(
    Array.from({ length: a }, (_, i) => i),
    8,
    async (i) => {
      const name = `rfc-${String(i).padStart(5, '0')}`;
      await client.request('POST', '/orgs/{org}/repos', { path: { org }, body: { name, auto_init: false } });
      await client.request('POST', '/repos/{owner}/{repo}/contents', {
        path: { owner: org, repo: name },
        body: {
          message: 'RFC',
          branch: 'main',
          files: [{ operation: 'create', path: 'RFC.md', content: b64(`# RFC ${i}\n`) }],
        },
      });
      for (let k = 0; k < p; k++) {
        await client.request('POST', '/repos/{owner}/{repo}/contents', {
          path: { owner: org, repo: name },
          body: {
            message: `work ${k}`,
            branch: 'main',
            new_branch: `work-${k}`,
            files: [{ operation: 'create', path: `notes/${k}.md`, content: b64(`note ${k}\n`) }],
          },
        });
        const pr = await client.request<{ number: number }>('POST', '/repos/{owner}/{repo}/pulls', {
          path: { owner: org, repo: name },
          body: { head: `work-${k}`, base: 'main', title: `Work ${k}`, body: 'Details.' },
        });
        if (k % 4 === 1) {
          await client.request('POST', '/repos/{owner}/{repo}/pulls/{index}/merge', {
            path: { owner: org, repo: name, index: pr.data.number },
            body: { Do: 'merge' },
          });
        } else if (k % 4 === 2) {
          await client.request('PATCH', '/repos/{owner}/{repo}/pulls/{index}', {
            path: { owner: org, repo: name, index: pr.data.number },
            body: { state: 'closed' },
          });
        }
      }
      if ((i + 1) % 50 === 0) log(`  ${i + 1}/${a} repos`);
    },
  );
}

/** Runs one measured sweep in a child process and reads its JSON line. */
function child(args: string[]): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.on('error', reject);
    c.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench child "${args.join(' ')}" exited ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Measure);
    });
  });
}

/** The child side: one sweep, then its own numbers on stdout. */
async function runChild(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      child: { type: 'boolean' },
      kind: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      repo: { type: 'string' },
      out: { type: 'string' },
      full: { type: 'boolean' },
      workspace: { type: 'string' },
      'no-git': { type: 'boolean' },
    },
  });
  const started = performance.now();
  let m: Measure;
  if (values.kind === 'baseline') {
    const r = await baselineSweep({ giteaUrl: values.url!, token: values.token!, metaRepo: values.repo! });
    m = { requests: r.requests, wallMs: 0, maxRssMb: 0 };
  } else {
    const client = new GiteaClient({ baseUrl: values.url!, token: values.token, concurrency: 8 });
    const r = await reconcile(
      {
        out: values.out!,
        metaRepo: values.repo!,
        full: values.full === true,
        ...(values.token ? { token: values.token } : {}),
        ...(values.workspace ? { workspace: values.workspace } : {}),
        ...(values['no-git'] ? { gitFetch: false } : {}),
      },
      { client },
    );
    m = {
      requests: r.requests.total,
      gitRequests: r.requests.byMethod.git ?? 0,
      wallMs: 0,
      maxRssMb: 0,
      changed: r.changed,
      written: r.written.length,
    };
  }
  m.wallMs = Math.round(performance.now() - started);
  m.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

function row(name: string, m: Measure, base?: Measure): string {
  const ratio = base
    ? `${(base.wallMs / m.wallMs).toFixed(1)}× faster, ${(m.requests / base.requests).toFixed(3)}× requests`
    : '';
  const wrote = m.changed === undefined ? '' : m.changed ? `${m.written} files` : 'nothing';
  const git = m.gitRequests ? ` (${m.gitRequests} git)` : '';
  return `| ${name} | ${m.requests}${git} | ${m.wallMs} | ${m.maxRssMb} | ${wrote} | ${ratio} |`;
}

/** Runs the sweep benchmark and prints a Markdown report. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      entries: { type: 'string', default: '1000' },
      active: { type: 'string', default: '250' },
      prs: { type: 'string', default: '8' },
      latency: { type: 'string', default: '10' },
      workspace: { type: 'boolean' },
      'skip-baseline': { type: 'boolean' },
    },
  });
  const n = Number(values.entries);
  const a = Number(values.active);
  const p = Number(values.prs);
  const l = Number(values.latency);
  const log = (s: string): void => {
    process.stderr.write(`${s}\n`);
  };
  const work = await mkdtemp(join(tmpdir(), 'rfc-bench-'));
  const sim = await startSimulator({ seed: 'empty', dataDir: join(work, 'sim') });
  try {
    const t0 = performance.now();
    await generate(sim, n, a, p, log);
    log(`generated in ${Math.round(performance.now() - t0)} ms`);
    const repos = (await new GiteaClient({ baseUrl: sim.url, token: sim.token }).paginate(
      '/orgs/{org}/repos',
      {
        path: { org: sim.org },
      },
    )) as unknown[];
    let ws: string | undefined;
    if (values.workspace) {
      ws = join(work, 'ws');
      await execGit('git', [
        'clone',
        '-q',
        `${sim.url.replace('//', `//x:${sim.token}@`)}/${sim.metaRepo}.git`,
        ws,
      ]);
    }
    sim.core.latencyMs = l;
    const common = ['--url', sim.url, '--token', sim.token, '--repo', sim.metaRepo];
    const modes: { name: string; out: string; extra: string[] }[] = [
      { name: 'ours (entries by shallow git fetch)', out: join(work, 'out-git'), extra: [] },
      { name: 'ours (entries over the API, no git)', out: join(work, 'out-api'), extra: ['--no-git'] },
      ...(ws
        ? [{ name: 'ours (entries from a checkout)', out: join(work, 'out-ws'), extra: ['--workspace', ws] }]
        : []),
    ];
    const results = new Map<string, { cold: Measure; quiet: Measure; one?: Measure }>();
    for (const mode of modes) {
      log(`${mode.name}: cold sweep`);
      const cold = await child(['--kind', 'ours', ...common, '--out', mode.out, '--full', ...mode.extra]);
      log(`${mode.name}: no-change sweep`);
      const quiet = await child(['--kind', 'ours', ...common, '--out', mode.out, ...mode.extra]);
      results.set(mode.name, { cold, quiet });
    }
    let base: Measure | undefined;
    if (!values['skip-baseline']) {
      log('baseline sweep');
      base = await child(['--kind', 'baseline', ...common]);
    }
    sim.core.latencyMs = 0;
    const admin = new GiteaClient({ baseUrl: sim.url, token: sim.token });
    const target = `rfc-${String(Math.floor(a / 2)).padStart(5, '0')}`;
    const open = await admin.request<{ number: number }[]>('GET', '/repos/{owner}/{repo}/pulls', {
      path: { owner: sim.org, repo: target },
      query: { state: 'open', limit: 1 },
    });
    await admin.request('POST', '/repos/{owner}/{repo}/pulls/{index}/merge', {
      path: { owner: sim.org, repo: target, index: open.data[0]!.number },
      body: { Do: 'merge' },
    });
    sim.core.latencyMs = l;
    for (const mode of modes) {
      log(`${mode.name}: one-change sweep`);
      results.get(mode.name)!.one = await child([
        '--kind',
        'ours',
        ...common,
        '--out',
        mode.out,
        ...mode.extra,
      ]);
    }
    const budget = 2 + Math.ceil(repos.length / 50);
    const lines = [
      `N=${n} entries, A=${a} active repos, P=${p} PRs each, L=${l} ms latency, R=${repos.length} repos`,
      '',
      '| sweep | requests | wall ms | peak RSS MB | wrote | vs baseline (wall time, requests) |',
      '|---|---:|---:|---:|---|---|',
    ];
    for (const [name, r] of results) {
      lines.push(row(`${name}: cold (full)`, r.cold, base));
      lines.push(row(`${name}: no change`, r.quiet, base));
      lines.push(row(`${name}: one PR merged`, r.one!, base));
    }
    if (base) lines.push(row('baseline (seed sequence, paged)', base));
    lines.push('');
    for (const [name, r] of results) {
      const met = r.quiet.requests <= budget && r.quiet.changed === false;
      lines.push(`${name}: no-change budget 2 + ceil(R/50) = ${budget} requests ${met ? 'met' : 'NOT met'}.`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sim.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child') && process.argv[1] === import.meta.filename) {
  await runChild(process.argv.slice(2));
}
