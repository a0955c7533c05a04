/**
 * `npm run bench -- gate [--out FILE]`: requests per operation through the gate, on the simulator,
 * for a first execution, a replay found in the audit log, and a replay found in Gitea (fresh runner).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OP_NAMES, type OpName, runGate } from '../src/gate/index.ts';
import { GiteaClient, type GiteaStats } from '../src/gitea/client.ts';
import { type Recorded, recordingFetch, sampleCommands, startFixture } from '../test/gate/harness.ts';

/** What the reads of a first execution are, in order. */
const READS: Record<OpName, string> = {
  create_issue: 'permission; issues (probe); issues again under the claim',
  add_comment: 'permission; comments (probe); comments again under the claim',
  close_issue: 'issue (author, state)',
  assign_issue: 'issue (assignees); permission',
  merge_pr: 'PR; entry (owners, arbiters); GET .../merge',
  propose_rfc: 'permission; branch propose/<slug> (probe)',
  start_edit_branch: 'entry; permission; branch (probe)',
  open_body_edit_pr: 'entry; permission; branch (probe)',
  open_metadata_pr: 'entry; permission; branch (probe)',
  open_claim_pr: 'entry; permission; branch claim/<slug> (probe)',
  open_branch_pr: 'entry; permission on the RFC repo; PR of the head (probe)',
  withdraw_branch_pr: 'entry; PR (author); comments (probe); comments again under the claim',
  graduate_rfc: 'entry; rfcs/ listing and each entry (used ids); the candidate repo',
  withdraw_rfc: 'entry (owners, state)',
};

interface Row {
  op: OpName;
  firstTotal: number;
  firstWrites: number;
  firstClaim: number;
  firstReads: number;
  firstAuthReads: number;
  auditReplay: number;
  giteaReplay: number;
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

/** Runs the suite, prints the table and writes it to `--out` (default bench/results/gate.md). */
export async function main(argv: string[]): Promise<void> {
  const outIdx = argv.indexOf('--out');
  const out = outIdx >= 0 ? argv[outIdx + 1]! : 'bench/results/gate.md';
  const f = await startFixture();
  const rows: Row[] = [];
  try {
    for (const op of OP_NAMES) {
      const command = sampleCommands('bench')[op];
      const measure = async (auditDir: string) => {
        const log: Recorded[] = [];
        const gitea = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token, fetch: recordingFetch(log) });
        const botGitea = new GiteaClient({ baseUrl: f.sim.url, token: f.tokens['rfc-bot']! });
        const ack = await runGate(command, { ...f.deps({ auditDir }), gitea, botGitea });
        if (!ack.success) throw new Error(`bench: ${op} failed: ${ack.message}`);
        const a = gitea.stats();
        const b = botGitea.stats();
        const auth = a.byRoute['GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission'] ?? 0;
        return { total: a.total + b.total, writes: writesOf(a) + writesOf(b), claim: claimOf(log), auth };
      };
      const first = await measure(f.auditDir);
      const auditReplay = await measure(f.auditDir);
      const giteaReplay = await measure(await mkdtemp(join(f.auditDir, 'fresh-')));
      rows.push({
        op,
        firstTotal: first.total,
        firstWrites: first.writes - first.claim,
        firstClaim: first.claim,
        firstReads: first.total - first.writes,
        firstAuthReads: first.auth,
        auditReplay: auditReplay.total,
        giteaReplay: giteaReplay.total,
        giteaReplayWrites: giteaReplay.writes - giteaReplay.claim,
      });
    }
  } finally {
    await f.close();
  }
  const lines = [
    '## Gate: requests per operation',
    '',
    'Command: `npm run bench -- gate` (simulator fixture of `test/gate/harness.ts`: 5 entries, small repos, every list fits one page).',
    '',
    '| operation | first: total | first: effect writes | first: claim writes | first: reads | of which authorization | replay (audit log) | replay (Gitea probe): total | replay (Gitea probe): writes | reads of a first execution |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.op} | ${r.firstTotal} | ${r.firstWrites} | ${r.firstClaim} | ${r.firstReads} | ${r.firstAuthReads} | ${r.auditReplay} | ${r.giteaReplay} | ${r.giteaReplayWrites} | ${READS[r.op]} |`,
    ),
    '',
    'Reads include the authorization lookup (collaborator permission) when the cell needs it. Claim writes are the',
    'create and delete of the `rfc-actions/claim/<key>` branch that serializes racing runs of one command.',
    '',
    `Target "a replay makes no write": ${rows.every((r) => r.giteaReplayWrites === 0 && r.auditReplay === 0) ? 'met for every operation' : 'NOT met'}.`,
    `Target "a first execution makes at most 2 requests beyond its writes": met by ${
      rows
        .filter((r) => r.firstReads <= 2)
        .map((r) => r.op)
        .join(', ') || 'none'
    }; ` +
      `over by ${
        rows
          .filter((r) => r.firstReads > 2)
          .map((r) => `${r.op} (${r.firstReads} reads)`)
          .join(', ') || 'none'
      }.`,
    `Without the authorization lookup, over by: ${
      rows
        .filter((r) => r.firstReads - r.firstAuthReads > 2)
        .map((r) => `${r.op} (${r.firstReads - r.firstAuthReads} reads)`)
        .join(', ') || 'none'
    }.`,
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(text);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
}
