/**
 * `npm run bench -- gate [--out FILE]`: requests per operation through the gate, on the simulator,
 * for a first execution, a replay found in the audit log, and a replay found in Gitea (fresh
 * runner); each with entries read from the API only and from a checkout of the meta repo, and
 * with a command source that proves nothing (`cli`) and one that proves read access (a comment).
 * The gate runs with the cache artifact, swept once and refreshed after every write as the job
 * does; one more pass runs without it.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { reconcile } from '../src/cache/reconcile.ts';
import {
  AUDIT_FILE,
  checkoutEntries,
  type EntrySource,
  OP_NAMES,
  type OpName,
  runGate,
} from '../src/gate/index.ts';
import { cacheRefresher } from '../src/gate/refresh.ts';
import { GiteaClient, type GiteaStats } from '../src/gitea/client.ts';
import { META, type Recorded, recordingFetch, sampleCommands, startFixture } from '../test/gate/harness.ts';

const exec = promisify(execFile);

/** What the reads of a first execution are, entries from the API, source `cli`. */
const READS: Record<OpName, string> = {
  create_issue: 'permission; issues (probe) under the claim (taken first)',
  add_comment: 'permission; comments (probe) under the claim (taken first)',
  close_issue: 'issue (author, state)',
  assign_issue: 'issue (assignees); permission',
  merge_pr: 'PR (head, merged); entry (owners, arbiters)',
  propose_rfc: 'permission (branch and commit created in one request first; 409/422 → probe)',
  start_edit_branch: 'entry; permission (branch created first; 409 → adopted)',
  open_body_edit_pr: 'entry; permission (branch and commit created first; 409/422 → probe)',
  open_metadata_pr: 'entry; permission (branch and commit created first; 409/422 → probe)',
  open_claim_pr: 'entry; permission (branch claim/<slug> and commit created first; 409/422 → probe)',
  open_branch_pr: "permission on the RFC repo (from the artifact's active row); PR of the head (probe)",
  withdraw_branch_pr:
    "PR (author, state, its repo's tag; the repo from the artifact); comments (probe) under the claim, after the close",
  graduate_rfc: 'entry; rfcs/ listing (used ids: the artifact has every unchanged blob)',
  withdraw_rfc: 'entry (owners, state)',
};

type Mode = 'api' | 'checkout';
type Source = 'cli' | 'slash-command';
interface Config {
  mode: Mode;
  source: Source;
  /** the cache artifact is in the audit directory */
  artifact: boolean;
}
const CONFIGS: Config[] = [
  { mode: 'api', source: 'cli', artifact: true },
  { mode: 'checkout', source: 'cli', artifact: true },
  { mode: 'api', source: 'slash-command', artifact: true },
  { mode: 'checkout', source: 'slash-command', artifact: true },
  { mode: 'api', source: 'cli', artifact: false },
];

interface Measure {
  reads: number;
  effectWrites: number;
  claimWrites: number;
  auditReplay: number;
  giteaReplayReads: number;
  giteaReplayWrites: number;
  /** the same command again where the audit log is at hand but lost the first run's rows */
  lostRowReads: number;
  lostRowWrites: number;
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
async function measureAll({ mode, source, artifact }: Config): Promise<Record<OpName, Measure>> {
  const f = await startFixture();
  const ws = await mkdtemp(join(tmpdir(), 'bench-gate-ws-'));
  const out = {} as Record<OpName, Measure>;
  // Requests of the sweep and the refreshes are the cache's, not the gate's: an uncounted client.
  const quiet = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token });
  try {
    if (artifact)
      await reconcile({ out: f.auditDir, metaRepo: META, full: true, sqlite: false }, { client: quiet });
    const afterWrite = artifact
      ? cacheRefresher({ client: quiet, out: f.auditDir, metaRepo: META })
      : undefined;
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
          ...(afterWrite ? { afterWrite } : {}),
        });
        if (!ack.success) throw new Error(`bench: ${op} (${mode}, ${source}) failed: ${ack.message}`);
        const a = gitea.stats();
        const b = botGitea.stats();
        const writes = writesOf(a) + writesOf(b);
        return { total: a.total + b.total, writes, claim: claimOf(log), key: ack.key };
      };
      // Without the artifact every first execution runs as on a fresh runner: no audit log either.
      const home = artifact ? f.auditDir : await mkdtemp(join(f.auditDir, 'runner-'));
      const first = await run(home);
      const auditReplay = await run(home);
      const giteaReplay = await run(await mkdtemp(join(f.auditDir, 'fresh-')));
      // The first run's job died before committing the artifact: the artifact is at hand (when the
      // configuration has one), the run's rows are not.
      const lost = await mkdtemp(join(f.auditDir, 'lost-'));
      for (const e of await readdir(home, { withFileTypes: true })) {
        if (e.isFile() || e.name === 'rfcs')
          await cp(join(home, e.name), join(lost, e.name), { recursive: true });
      }
      const log = (await readFile(join(home, AUDIT_FILE), 'utf8'))
        .split('\n')
        .filter((line) => line && !line.includes(first.key));
      await writeFile(join(lost, AUDIT_FILE), log.map((l) => `${l}\n`).join(''));
      const lostRow = await run(lost);
      out[op] = {
        reads: first.total - first.writes,
        effectWrites: first.writes - first.claim,
        claimWrites: first.claim,
        auditReplay: auditReplay.total,
        giteaReplayReads: giteaReplay.total - giteaReplay.writes,
        giteaReplayWrites: giteaReplay.writes,
        lostRowReads: lostRow.total - lostRow.writes,
        lostRowWrites: lostRow.writes,
      };
    }
  } finally {
    await f.close();
    await rm(ws, { recursive: true, force: true });
  }
  return out;
}

/** Reads of one first execution, each with and without the gate's own login given (`GateDeps.botLogin`). */
interface OwnMeasure {
  op: 'close_issue' | 'withdraw_branch_pr';
  asked: number;
  given: number;
}

/**
 * close_issue and withdraw_branch_pr of an issue and a PR the gate opened for the actor (its body
 * carries the actor's On-behalf-of trailer): entries from the API, source `cli`, with the artifact.
 * Without `botLogin` the gate asks `GET /user` whose PR it is.
 */
async function measureOwn(): Promise<OwnMeasure[]> {
  const out: OwnMeasure[] = [];
  for (const op of ['close_issue', 'withdraw_branch_pr'] as const) {
    const counted: number[] = [];
    for (const botLogin of [undefined, 'gitea-admin']) {
      const f = await startFixture();
      const quiet = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token });
      try {
        const s = sampleCommands(`own-${op}`);
        const made = await runGate(
          op === 'close_issue'
            ? { ...s.create_issue, actor: 'alice', payload: { title: 'Close me', body: 'Please.' } }
            : s.open_branch_pr,
          { ...f.deps(), gitea: quiet },
        );
        await reconcile({ out: f.auditDir, metaRepo: META, full: true, sqlite: false }, { client: quiet });
        const command =
          op === 'close_issue'
            ? { ...s.close_issue, actor: 'alice', payload: { number: made.number } }
            : {
                ...s.withdraw_branch_pr,
                actor: 'alice',
                payload: { slug: 'live', number: made.number, where: 'rfc' },
              };
        const gitea = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token });
        const ack = await runGate(command, { ...f.deps(), gitea, ...(botLogin ? { botLogin } : {}) });
        if (!ack.success) throw new Error(`bench: ${op} of the gate's own object failed: ${ack.message}`);
        counted.push(gitea.stats().total - writesOf(gitea.stats()));
      } finally {
        await f.close();
      }
    }
    out.push({ op, asked: counted[0]!, given: counted[1]! });
  }
  return out;
}

/** Reads and listed items of create_issue and add_comment on a long history, without and with `requestedAt`. */
interface HistoryMeasure {
  op: 'create_issue' | 'add_comment';
  history: string;
  reads: [number, number];
  listed: [number, number];
}

const OLD_ISSUES = 300;
const OLD_COMMENTS = 300;

/**
 * A meta repo with 300 issues and a thread of 300 comments older than the request (a comment), then
 * each operation from that comment: source `slash-command`, entries from the API, with the artifact.
 */
async function measureHistory(): Promise<HistoryMeasure[]> {
  const f = await startFixture();
  const quiet = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token });
  const path = { owner: 'rfcs', repo: 'meta' };
  try {
    f.sim.core.clock.useFixed('2026-05-01T00:00:00Z', 1000);
    for (let i = 0; i < OLD_ISSUES; i++)
      await quiet.request('POST', '/repos/{owner}/{repo}/issues', {
        path,
        body: { title: `Old issue ${i}`, body: `Old ${i}.` },
      });
    const thread = (
      await quiet.request<{ number: number }>('POST', '/repos/{owner}/{repo}/issues', {
        path,
        body: { title: 'A long thread', body: 'Talk.' },
      })
    ).data.number;
    for (let i = 0; i < OLD_COMMENTS; i++)
      await quiet.request('POST', '/repos/{owner}/{repo}/issues/{index}/comments', {
        path: { ...path, index: thread },
        body: { body: `Reply ${i}.` },
      });
    f.sim.core.clock.useFixed('2026-06-01T00:00:00Z', 1000);
    const requestedAt = (
      await quiet.request<{ created_at: string }>('POST', '/repos/{owner}/{repo}/issues/{index}/comments', {
        path: { ...path, index: thread },
        body: { body: '/rfc help' },
      })
    ).data.created_at;
    f.sim.core.clock.useReal();
    await reconcile({ out: f.auditDir, metaRepo: META, full: true, sqlite: false }, { client: quiet });
    const out: HistoryMeasure[] = [];
    for (const op of ['create_issue', 'add_comment'] as const) {
      const m: HistoryMeasure = {
        op,
        history: op === 'create_issue' ? `${OLD_ISSUES + 3} issues` : `${OLD_COMMENTS + 1} comments`,
        reads: [0, 0],
        listed: [0, 0],
      };
      for (const [i, at] of [undefined, requestedAt].entries()) {
        let listed = 0;
        const counting = (async (input: RequestInfo | URL, init?: RequestInit) => {
          const res = await fetch(input, init);
          if ((init?.method ?? 'GET') === 'GET') {
            const body = (await res.clone().json()) as unknown;
            if (Array.isArray(body)) listed += body.length;
          }
          return res;
        }) as typeof fetch;
        const gitea = new GiteaClient({ baseUrl: f.sim.url, token: f.sim.token, fetch: counting });
        const command = {
          op,
          repo: META,
          payload:
            op === 'create_issue'
              ? { title: `Asked ${i}`, body: 'From a comment.' }
              : { number: thread, body: `Reply ${i}.` },
          actor: 'alice',
          source: 'slash-command',
          request: `comment:history:${i}`,
        };
        const ack = await runGate(command, { ...f.deps(), gitea, ...(at ? { requestedAt: at } : {}) });
        if (!ack.success) throw new Error(`bench: ${op} on a long history failed: ${ack.message}`);
        m.reads[i] = gitea.stats().total - writesOf(gitea.stats());
        m.listed[i] = listed;
      }
      out.push(m);
    }
    return out;
  } finally {
    await f.close();
  }
}

const label = (c: Config) =>
  `${c.mode === 'api' ? 'API' : 'checkout'}, ${c.source === 'cli' ? 'cli' : 'comment'}${c.artifact ? '' : ', no artifact'}`;

/** Runs the suite, prints the table and writes it to `--out` (default bench/results/gate.md). */
export async function main(argv: string[]): Promise<void> {
  const outIdx = argv.indexOf('--out');
  const outFile = outIdx >= 0 ? argv[outIdx + 1]! : 'bench/results/gate.md';
  const results: Record<OpName, Measure>[] = [];
  for (const c of CONFIGS) results.push(await measureAll(c));
  const own = await measureOwn();
  const history = await measureHistory();
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
    'In all four the audit directory holds the cache artifact, swept once at the start and refreshed after every write (`cacheRefresher`),',
    'as the job does; the sweep and the refreshes are not counted. A fifth pass (API, cli, no artifact) runs every first execution',
    'as on a fresh runner, with neither the artifact nor an audit log: it shows what they save.',
    'Replays found in Gitea run as on a fresh runner: no audit log, no artifact. "Audit rows lost": the same command again with',
    "the audit log at hand but without the first run's rows, as after a job killed before it committed the artifact.",
    '',
    'With the cache artifact at hand and no row of the request in its audit log, no run of the command finished and was',
    'recorded, so the operations that create a branch send the create first (`OpContext.writeFirst`): Gitea answers',
    '409/422 when the branch exists and changes nothing; create_issue and add_comment take their claim first and probe',
    'under it only. A fresh runner, which cannot tell, probes before it writes or claims.',
    '',
    `| operation | effect writes | claim writes | ${CONFIGS.map((c) => `first: reads (${label(c)})`).join(' | ')} | replay (audit log) | replay (Gitea probe): reads (API, cli) | replay (Gitea probe): reads (checkout, cli) | replay (Gitea probe): writes | audit rows lost: reads, writes (API, cli) | reads of a first execution (API, cli) |`,
    `| --- | ---: | ---: | ${CONFIGS.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: | ---: | --- |`,
    ...OP_NAMES.map((op) => {
      const replayWrites = Math.max(...results.map((r) => r[op].giteaReplayWrites));
      const auditReplay = Math.max(...results.map((r) => r[op].auditReplay));
      return `| ${op} | ${api[op].effectWrites} | ${api[op].claimWrites} | ${results.map((r) => r[op].reads).join(' | ')} | ${auditReplay} | ${api[op].giteaReplayReads} | ${checkout[op].giteaReplayReads} | ${replayWrites} | ${api[op].lostRowReads}, ${api[op].lostRowWrites} | ${READS[op]} |`;
    }),
    '',
    'Reads include the authorization lookup (collaborator permission) when the cell needs it. Claim writes are the',
    'create and delete of the `rfc-actions/claim/<key>` branch that serializes racing runs of one command.',
    `Writes ${sameWrites ? 'are the same in every configuration' : 'DIFFER between configurations'}. "replay (audit log)" and "replay (Gitea probe): writes" are the largest over all configurations; a replay's writes include claim writes.`,
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
    'lookup there; without an active row in the artifact it reads the entry first; see `test/gate/checkout.test.ts` and',
    '`test/gate/cache.test.ts`. withdraw_branch_pr reads 3 when the',
    "actor is an owner but not the PR's author (the entry's owners are read fresh); see `test/gate/cache.test.ts`.",
    '',
    "The table's close_issue and withdraw_branch_pr act on an issue and a PR their author opened directly. On ones the gate",
    "opened for the actor (the body's `On-behalf-of` trailer names the actor; the trailer counts only when the gate's own",
    'user opened it), the gate must know its own login: `GateDeps.botLogin` when the caller gives it (the action does',
    "after a comment, when it has read the bot token's user), else one `GET /user` per run. API, cli, with the artifact:",
    '',
    "| operation on the gate's own issue or PR | reads, login asked (`GET /user`) | reads, login given (`botLogin`) |",
    '| --- | ---: | ---: |',
    ...own.map((m) => `| ${m.op} | ${m.asked} | ${m.given} |`),
    '',
    'A body without a trailer, or one naming its own opener, never asks; nor does an actor who neither opened the object',
    'nor is named by its trailer, until a denial names the author; see `test/gate/author.test.ts`.',
    '',
    'The fixture above is small. On a long history the probes of create_issue (every issue of the repo, 50 a page) and',
    "add_comment (the thread's comments, one unpaged answer) grow with it, unless the gate knows when the request was",
    "made (`GateDeps.requestedAt`; the action gives a slash command's `created_at`, the CLI `--requested-at`): a run of",
    'the request cannot be older, so the probes ask Gitea only for what changed since (`since`). From a comment, API, with the artifact:',
    '',
    '| operation | history before the request | reads, no request time | reads, `requestedAt` | items listed, no request time | items listed, `requestedAt` |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...history.map(
      (m) => `| ${m.op} | ${m.history} | ${m.reads[0]} | ${m.reads[1]} | ${m.listed[0]} | ${m.listed[1]} |`,
    ),
    '',
    '### Notes: what each configuration reads, and why',
    '',
    '- **Without the artifact and the audit log** (fresh runner, last configuration) every create is probed first, since',
    '  a missing row proves nothing there: create_issue and add_comment read their probe twice (before and under the',
    '  claim), start_edit_branch and the open_* operations read the branch before creating it, open_branch_pr reads the',
    '  entry, and the permission lookup of `cli` comes on top. graduate_rfc reads every entry for the used ids. The job',
    '  never runs so: the action pulls the artifact before the gate, and the artifact exists from the first sweep on.',
    '- **create_issue, add_comment: the claim first, one probe under it.** The probe under the claim is what makes two',
    '  runs end with one effect (the API shows no trace of a claim a twin made and deleted meanwhile), so it is the one',
    '  that stays; with the artifact at hand and no row of the request, a probe before the claim could only find a run',
    '  whose audit rows were lost, which the probe under the claim finds as well. Such a re-run sends the claim create',
    '  and delete (2 writes, no effect), as its first run did.',
    '- **open_branch_pr: the RFC repo and its state from the artifact.** The PR create carries no entry sha, so no read',
    '  makes the `active` check atomic; an active row (refreshed by every push to the meta repo and after every gate',
    '  write) gives state and repo, and a row that is missing or not active reads the entry. The permission on the RFC',
    '  repo is looked up (a comment on the meta repo proves nothing there), and the PR probe stays even when the audit',
    '  log knows no run of the request: a PR create answers 409 only while the other PR is open, so a run whose rows were',
    '  lost and whose PR was closed meanwhile would otherwise open a second PR.',
    '',
    'Audit rows lost: the write is one branch create that Gitea refuses with 409/422 and that changes nothing (propose_rfc,',
    'start_edit_branch, open_*), or one claim created and deleted (create_issue, add_comment); the effect stays single',
    '(`test/gate/guarantees.test.ts`). This is not a replay of a recorded run: that is answered from the audit log, or',
    'probed first on a fresh runner.',
    '',
    'What brings the operations under the target: with the artifact at hand and no row of the request in its log, the branch',
    'creates go first and the probe follows a conflict (propose_rfc, start_edit_branch, open_*). graduate_rfc takes the id of every entry whose blob the `rfcs/` listing shows',
    'unchanged from the artifact (a changed or new blob is read), and creates the candidate repo without reading it first',
    '(409: read it and adopt it when it carries our tag; after a lost response it reads first). withdraw_branch_pr takes the',
    "RFC's repo from the artifact as a hint that the PR read checks (its base repo's description carries the RFC's tag), and",
    "reads the entry only when the actor is not the PR's author. merge_pr now tells the refresh that the base branch moved, so",
    'the artifact does not fall behind the entries a merge changes.',
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(text);
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, text);
}
