/**
 * `npm run bench -- gate [--out FILE]`: requests per operation through the gate, on the simulator,
 * for a first execution, a replay found in the audit log, and a replay found in Gitea (fresh
 * runner); each with entries read from the API only and from a checkout of the meta repo, and
 * with a command source that proves nothing (`cli`) and one that proves read access (a comment).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { checkoutEntries, type EntrySource, OP_NAMES, type OpName, runGate } from '../src/gate/index.ts';
import { GiteaClient, type GiteaStats } from '../src/gitea/client.ts';
import { META, type Recorded, recordingFetch, sampleCommands, startFixture } from '../test/gate/harness.ts';

const exec = promisify(execFile);

/** What the reads of a first execution are, entries from the API, source `cli`. */
const READS: Record<OpName, string> = {
  create_issue: 'permission; issues (probe); issues again under the claim',
  add_comment: 'permission; comments (probe); comments again under the claim',
  close_issue: 'issue (author, state)',
  assign_issue: 'issue (assignees); permission',
  merge_pr: 'PR (head, merged); entry (owners, arbiters)',
  propose_rfc: 'permission; branch propose/<slug> (probe)',
  start_edit_branch: 'entry; permission; branch (probe)',
  open_body_edit_pr: 'entry; permission; branch (probe)',
  open_metadata_pr: 'entry; permission; branch (probe)',
  open_claim_pr: 'entry; permission; branch claim/<slug> (probe)',
  open_branch_pr: 'entry; permission on the RFC repo; PR of the head (probe)',
  withdraw_branch_pr: 'entry; PR (author, state); comments (probe) under the claim, after the close',
  graduate_rfc: 'entry; rfcs/ listing and each entry (used ids); the candidate repo',
  withdraw_rfc: 'entry (owners, state)',
};

type Mode = 'api' | 'checkout';
type Source = 'cli' | 'slash-command';
const CONFIGS: { mode: Mode; source: Source }[] = [
  { mode: 'api', source: 'cli' },
  { mode: 'checkout', source: 'cli' },
  { mode: 'api', source: 'slash-command' },
  { mode: 'checkout', source: 'slash-command' },
];

interface Measure {
  reads: number;
  effectWrites: number;
  claimWrites: number;
  auditReplay: number;
  giteaReplayReads: number;
  giteaReplayWrites: number;
}

function writesOf(s: GiteaStats): number {
  return Object.entries(s.byMethod)
    .filter(([m]) => m !== 'GET')
    .reduce((n, [, c]) => n + c, 0);
}

/** Writes that create or delete a claim branch (bookkeeping, not part of the effect). */
function claimOf(log: Recorded[]): number {
  return log.filter(
    (r) =>
      r.method !== 'GET' &&
      (r.path.includes('rfc-actions%2Fclaim%2F') ||
        String((r.body as { new_branch_name?: string } | null)?.new_branch_name ?? '').startsWith(
          'rfc-actions/claim/',
        )),
  ).length;
}

/** Every operation once on a fresh fixture, in one configuration. */
async function measureAll(mode: Mode, source: Source): Promise<Record<OpName, Measure>> {
  const f = await startFixture();
  const ws = await mkdtemp(join(tmpdir(), 'bench-gate-ws-'));
  const out = {} as Record<OpName, Measure>;
  try {
    let entries: EntrySource | null = null;
    if (mode === 'checkout') {
      await exec('git', ['clone', '-q', `${f.sim.url.replace('//', `//x:${f.sim.token}@`)}/${META}.git`, ws]);
      entries = await checkoutEntries(ws, { repo: META });
      if (!entries) throw new Error(`bench: "${ws}" is not a checkout of "${META}"`);
    }
    for (const op of OP_NAMES) {
      // Each job checks out the meta repo as it is when the job starts.
      if (mode === 'checkout') await exec('git', ['-C', ws, 'pull', '-q', '--ff-only']);
      const command = { ...sampleCommands('bench')[op], source };
      const run = async (auditDir: string) => {
        const log: Recorded[] = [];
        const gitea = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token, fetch: recordingFetch(log) });
        const botGitea = new GiteaClient({ baseUrl: f.sim.url, token: f.tokens['rfc-bot']! });
        const ack = await runGate(command, {
          ...f.deps({ auditDir }),
          gitea,
          botGitea,
          ...(entries ? { entries } : {}),
        });
        if (!ack.success) throw new Error(`bench: ${op} (${mode}, ${source}) failed: ${ack.message}`);
        const a = gitea.stats();
        const b = botGitea.stats();
        const writes = writesOf(a) + writesOf(b);
        return { total: a.total + b.total, writes, claim: claimOf(log) };
      };
      const first = await run(f.auditDir);
      const auditReplay = await run(f.auditDir);
      const giteaReplay = await run(await mkdtemp(join(f.auditDir, 'fresh-')));
      out[op] = {
        reads: first.total - first.writes,
        effectWrites: first.writes - first.claim,
        claimWrites: first.claim,
        auditReplay: auditReplay.total,
        giteaReplayReads: giteaReplay.total - giteaReplay.writes,
        giteaReplayWrites: giteaReplay.writes,
      };
    }
  } finally {
    await f.close();
    await rm(ws, { recursive: true, force: true });
  }
  return out;
}

const label = (c: { mode: Mode; source: Source }) =>
  `${c.mode === 'api' ? 'API' : 'checkout'}, ${c.source === 'cli' ? 'cli' : 'comment'}`;

/** Runs the suite, prints the table and writes it to `--out` (default bench/results/gate.md). */
export async function main(argv: string[]): Promise<void> {
  const outIdx = argv.indexOf('--out');
  const outFile = outIdx >= 0 ? argv[outIdx + 1]! : 'bench/results/gate.md';
  const results: Record<OpName, Measure>[] = [];
  for (const c of CONFIGS) results.push(await measureAll(c.mode, c.source));
  const [api, checkout] = results as [Record<OpName, Measure>, Record<OpName, Measure>];
  const sameWrites = OP_NAMES.every((op) =>
    results.every(
      (r) => r[op].effectWrites === api[op].effectWrites && r[op].claimWrites === api[op].claimWrites,
    ),
  );
  const over = (r: Record<OpName, Measure>) => OP_NAMES.filter((op) => r[op].reads > 2);
  const met = (r: Record<OpName, Measure>) => OP_NAMES.filter((op) => r[op].reads <= 2);
  const lines = [
    '## Gate: requests per operation',
    '',
    'Command: `npm run bench -- gate` (simulator fixture of `test/gate/harness.ts`: 5 entries, small repos, every list fits one page).',
    'Four configurations of the same commands, each on a fresh fixture: entries from the API only, or from a checkout of',
    'the meta repo (`entries`, pulled before each operation, as a job checks it out when it starts); command source `cli`',
    '(proves nothing, the permission is looked up) or `slash-command` (a comment: proves read access on the repo it was written in).',
    '',
    `| operation | effect writes | claim writes | ${CONFIGS.map((c) => `first: reads (${label(c)})`).join(' | ')} | replay (audit log) | replay (Gitea probe): reads (API, cli) | replay (Gitea probe): reads (checkout, cli) | replay (Gitea probe): writes | reads of a first execution (API, cli) |`,
    `| --- | ---: | ---: | ${CONFIGS.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: | --- |`,
    ...OP_NAMES.map((op) => {
      const replayWrites = Math.max(...results.map((r) => r[op].giteaReplayWrites));
      const auditReplay = Math.max(...results.map((r) => r[op].auditReplay));
      return `| ${op} | ${api[op].effectWrites} | ${api[op].claimWrites} | ${results.map((r) => r[op].reads).join(' | ')} | ${auditReplay} | ${api[op].giteaReplayReads} | ${checkout[op].giteaReplayReads} | ${replayWrites} | ${READS[op]} |`;
    }),
    '',
    'Reads include the authorization lookup (collaborator permission) when the cell needs it. Claim writes are the',
    'create and delete of the `rfc-actions/claim/<key>` branch that serializes racing runs of one command.',
    `Writes ${sameWrites ? 'are the same in every configuration' : 'DIFFER between configurations'}. "replay (audit log)" and "replay (Gitea probe): writes" are the largest over the four configurations; a replay's writes include claim writes.`,
    '',
    `Target "a replay makes no write": ${
      OP_NAMES.every((op) => results.every((r) => r[op].giteaReplayWrites === 0 && r[op].auditReplay === 0))
        ? 'met for every operation in every configuration'
        : 'NOT met'
    }.`,
    'Target "a first execution makes at most 2 requests beyond its writes":',
    ...CONFIGS.map(
      (c, i) =>
        `- ${label(c)}: met by ${met(results[i]!).length} of ${OP_NAMES.length} (${met(results[i]!).join(', ')}); over: ${
          over(results[i]!)
            .map((op) => `${op} (${results[i]![op].reads} reads)`)
            .join(', ') || 'none'
        }.`,
    ),
    '',
    "Not in the table: open_branch_pr sent from a comment on the RFC's own repo (`config.metaRepo` set) needs no permission",
    'lookup there and reads 2 (entry; PR of the head); see `test/gate/checkout.test.ts`.',
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(text);
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, text);
}
