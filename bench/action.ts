/**
 * `npm run bench -- action [--runs N] [--dist DIR]`: cold start of the bundled action, run
 * as the runner runs it (`node dist/index.js`, INPUT_* and GITHUB_* set, output files).
 * Measures the time from spawn to the first line on stdout (the token mask, written right
 * after every output's default) and to exit, for a step that stops at input validation.
 * Target: first output within 300 ms. Writes bench/results/action.md.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TARGET_MS = 300;

interface Sample {
  firstOutputMs: number;
  exitMs: number;
}

async function once(indexJs: string, tmp: string): Promise<Sample> {
  const output = join(tmp, 'output');
  const summary = join(tmp, 'summary');
  await writeFile(output, '');
  await writeFile(summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_ACTIONS: 'true',
    GITEA_ACTIONS: 'true',
    GITHUB_SERVER_URL: 'http://127.0.0.1:9',
    GITHUB_REPOSITORY: 'rfcs/meta',
    GITHUB_ACTOR: 'alice',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: join(tmp, 'event.json'),
    GITHUB_WORKSPACE: tmp,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    INPUT_COMMAND: 'bench-no-such-command',
    INPUT_TOKEN: 'bench-token',
    'INPUT_CACHE-BRANCH': 'rfc-cache',
  };
  const started = performance.now();
  const child = spawn(process.execPath, [indexJs], { env, cwd: tmp, stdio: ['ignore', 'pipe', 'ignore'] });
  let first = -1;
  child.stdout.on('data', () => {
    if (first < 0) first = performance.now() - started;
  });
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  if (first < 0)
    throw new Error(`"${indexJs}" printed nothing: build it with "npm run build" or pass --dist`);
  return { firstOutputMs: first, exitMs: performance.now() - started };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Runs the benchmark and writes its report. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { runs: { type: 'string', default: '20' }, dist: { type: 'string' } },
    strict: true,
  });
  const runs = Number(values.runs);
  const tmp = await mkdtemp(join(tmpdir(), 'rfc-bench-action-'));
  try {
    let dist = values.dist ? resolve(values.dist) : undefined;
    if (!dist) {
      dist = join(tmp, 'dist');
      await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--out', dist], {
        cwd: ROOT,
      });
    }
    const indexJs = join(dist, 'index.js');
    const size = (await stat(indexJs)).size;
    await once(indexJs, tmp); // warms the OS file cache, as a runner that ran the step before would have
    // Each action run is paired with a bare `node -e 0` run, so the overhead holds under any load.
    const samples: Sample[] = [];
    const nodeOnly: number[] = [];
    for (let i = 0; i < runs; i++) {
      samples.push(await once(indexJs, tmp));
      const t = performance.now();
      await promisify(execFile)(process.execPath, ['-e', '0']);
      nodeOnly.push(performance.now() - t);
    }
    const first = samples.map((s) => s.firstOutputMs);
    const exit = samples.map((s) => s.exitMs);
    const overhead = first.map((f, i) => f - nodeOnly[i]!);
    const f = (x: number) => x.toFixed(0);
    const ok = pct(first, 50) <= TARGET_MS;
    const report = [
      '# Action cold start',
      '',
      '`npm run bench -- action`: `node dist/index.js` spawned as the runner spawns it, a step that stops at',
      'input validation; time from spawn to the first stdout line (the token mask, right after every',
      "output's default is written) and to exit. The 300 ms target is for the first output.",
      '',
      `- bundle: ${(size / 1024).toFixed(0)} KiB (\`dist/index.js\`), node ${process.version}, ${runs} runs`,
      `- machine: ${process.platform}-${process.arch}, shared 2-core CI class machine`,
      '',
      '| measure | median ms | p90 ms | max ms |',
      '| --- | ---: | ---: | ---: |',
      `| first output | ${f(pct(first, 50))} | ${f(pct(first, 90))} | ${f(Math.max(...first))} |`,
      `| exit | ${f(pct(exit, 50))} | ${f(pct(exit, 90))} | ${f(Math.max(...exit))} |`,
      `| \`node -e 0\` (floor) | ${f(pct(nodeOnly, 50))} | ${f(pct(nodeOnly, 90))} | ${f(Math.max(...nodeOnly))} |`,
      `| first output minus floor (paired) | ${f(pct(overhead, 50))} | ${f(pct(overhead, 90))} | ${f(Math.max(...overhead))} |`,
      '',
      `Load average during the run: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')} (2 cores); the floor row shows what the machine's load costs every process.`,
      '',
      `Target first output ≤ ${TARGET_MS} ms: ${ok ? 'met' : 'NOT met'}.`,
      '',
    ].join('\n');
    process.stdout.write(report);
    await writeFile(join(ROOT, 'bench', 'results', 'action.md'), report);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
