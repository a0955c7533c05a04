/**
 * Deterministic generated artifacts with realistic RFC bodies (headings, lists, tables, code,
 * relative links and images), for the site's tests and benchmark. The same options always give
 * the same artifact.
 */
import type { Artifact, BranchRecord, IdeaRecord, PrRecord, RfcRecord, RfcState } from '../cache/model.ts';

export interface SampleOptions {
  rfcs: number;
  seed?: number;
  giteaUrl?: string;
  metaRepo?: string;
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const WORDS =
  'module record field private public trait generic lifetime borrow owner compiler parser syntax pattern match enum variant closure iterator async await future stream channel buffer allocator heap stack register inline macro hygiene import export package lockfile version resolver registry cache build target feature flag edition migration warning error diagnostic lint format style runtime scheduler thread mutex atomic memory layout alignment padding tuple slice string unicode identifier literal constant expression statement block scope binding shadowing inference constraint bound coherence orphan impl method receiver dispatch vtable object safety'.split(
    ' ',
  );
const TAGS = [
  'language',
  'syntax',
  'types',
  'tooling',
  'stdlib',
  'async',
  'memory',
  'packaging',
  'errors',
  'ffi',
  'docs',
  'process',
];
const PEOPLE = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'rupert',
  'sybil',
  'trent',
  'victor',
  'walter',
  'yolanda',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function sentence(r: () => number, min = 8, max = 20): string {
  const n = min + Math.floor(r() * (max - min));
  const words = Array.from({ length: n }, () => pick(r, WORDS));
  if (r() < 0.3) words[Math.floor(r() * n)] = `\`${pick(r, WORDS)}\``;
  if (r() < 0.15) words[Math.floor(r() * n)] = `**${pick(r, WORDS)}**`;
  const s = words.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

function paragraph(r: () => number): string {
  return Array.from({ length: 3 + Math.floor(r() * 4) }, () => sentence(r)).join(' ');
}

const CODE: [string, string][] = [
  [
    'rust',
    'fn area(s: &Shape) -> f64 {\n    match s {\n        Shape::Circle { radius } => PI * radius * radius,\n        Shape::Rect { w, h } => w * h,\n    }\n}',
  ],
  [
    'typescript',
    "export async function load(id: string): Promise<Record<string, number>> {\n  const res = await fetch('/api/' + id);\n  if (!res.ok) throw new Error('failed');\n  return res.json();\n}",
  ],
  [
    'python',
    'def resolve(graph, root):\n    seen = set()\n    for dep in graph[root]:\n        if dep not in seen:\n            seen.add(dep)\n    return sorted(seen)',
  ],
  ['tern', 'record Account {\n    pub id: AccountId\n    balance: Money\n}'],
  ['json', '{\n  "name": "example",\n  "version": "2.0.0",\n  "dependencies": { "core": "^1.4" }\n}'],
];

/** A realistic Markdown body of roughly 3–7 KB. */
export function sampleBody(r: () => number, title: string): string {
  const parts = [`# ${title}`, '', paragraph(r), '', '## Motivation', '', paragraph(r), '', paragraph(r), ''];
  parts.push('## Proposal', '', paragraph(r), '');
  const [lang, code] = pick(r, CODE);
  parts.push(`\`\`\`${lang}`, code, '```', '');
  parts.push(...Array.from({ length: 3 + Math.floor(r() * 3) }, () => `- ${sentence(r, 5, 12)}`), '');
  parts.push(
    '### Details',
    '',
    paragraph(r),
    '',
    'See [the grammar](grammar.md) and ![a diagram](images/diagram.svg).',
    '',
  );
  parts.push('| Option | Cost | Notes |', '|--------|------|-------|');
  for (let i = 0; i < 3; i++)
    parts.push(`| ${pick(r, WORDS)} | ${Math.floor(r() * 100)} | ${sentence(r, 3, 6)} |`);
  parts.push('', '## Drawbacks', '', paragraph(r), '', '## Alternatives', '', paragraph(r), '');
  const [lang2, code2] = pick(r, CODE);
  parts.push(`\`\`\`${lang2}`, code2, '```', '');
  parts.push(
    '## Unresolved questions',
    '',
    ...Array.from({ length: 3 }, (_, i) => `${i + 1}. ${sentence(r, 6, 14)}`),
    '',
  );
  parts.push(
    `Prior art: https://example.org/${pick(r, WORDS)} and [the old thread](https://example.org/t/${Math.floor(r() * 1e5)}).`,
    '',
  );
  return parts.join('\n');
}

function iso(day: number, hour = 10): string {
  const d = new Date(Date.UTC(2025, 0, 1) + day * 86400000 + hour * 3600000);
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/** A deterministic artifact of `rfcs` RFCs with branches, PRs, ideas and one problem. */
export function sampleArtifact(o: SampleOptions): Artifact {
  const r = prng(o.seed ?? 42);
  const giteaUrl = o.giteaUrl ?? 'https://gitea.example.org';
  const metaRepo = o.metaRepo ?? 'rfcs/meta';
  const org = metaRepo.split('/')[0]!;
  const rfcs: RfcRecord[] = [];
  let nextId = 1;
  for (let i = 0; i < o.rfcs; i++) {
    const slug = `${pick(r, WORDS)}-${pick(r, WORDS)}-${i}`;
    const title = `${slug.split('-').slice(0, 2).join(' ')} proposal ${i}`.replace(/^./, (c) =>
      c.toUpperCase(),
    );
    const roll = r();
    const state: RfcState = roll < 0.45 ? 'active' : roll < 0.9 ? 'super-draft' : 'withdrawn';
    const active = state === 'active';
    const id = active ? nextId++ : null;
    const repo = active ? `${org}/rfc-${String(id).padStart(4, '0')}` : null;
    const owner = pick(r, PEOPLE);
    const arbiter = pick(r, PEOPLE);
    const day = Math.floor(r() * 600);
    const prs: PrRecord[] = [];
    const branches: BranchRecord[] = [];
    const nPrs = 1 + Math.floor(r() * 5);
    for (let n = 0; n < nPrs; n++) {
      const inRepo = active && n > 0;
      const prRepo = inRepo ? repo! : metaRepo;
      const kind = inRepo ? 'rfc' : n === 0 ? 'propose' : pick(r, ['edit', 'metadata', 'claim'] as const);
      const head =
        kind === 'propose'
          ? `propose/${slug}`
          : inRepo
            ? `topic-${n}`
            : `${kind}/${slug}${kind === 'edit' ? `/part-${n}` : ''}`;
      const stRoll = r();
      const prState =
        n === 0
          ? 'merged'
          : stRoll < 0.3
            ? 'open'
            : stRoll < 0.8
              ? 'merged'
              : stRoll < 0.9
                ? 'closed'
                : 'withdrawn';
      const number = inRepo ? n : 1000 + i * 10 + n;
      const opener = n === 0 ? owner : pick(r, PEOPLE);
      const created = iso(day + n * 3);
      prs.push({
        repo: prRepo,
        number,
        title: n === 0 ? `Propose ${title}` : sentence(r, 3, 7).replace(/\.$/, ''),
        kind,
        head,
        base: 'main',
        state: prState,
        openedBy: opener,
        authorLogin: r() < 0.5 ? 'rfc-bot' : opener,
        url: `${giteaUrl}/${prRepo}/pulls/${number}`,
        createdAt: created,
        updatedAt: iso(day + n * 3 + 1),
        mergedAt: prState === 'merged' ? iso(day + n * 3 + 1) : null,
        closedAt:
          prState === 'merged' || prState === 'closed' || prState === 'withdrawn'
            ? iso(day + n * 3 + 1)
            : null,
        mergedBy: prState === 'merged' ? arbiter : null,
        supersedes: [],
        supersededBy: null,
        supersededByLogin: null,
        withdrawnBy: prState === 'withdrawn' ? opener : null,
        giteaState: prState === 'withdrawn' ? 'closed' : prState,
        trailerLogin: null,
      });
      if (n > 0)
        branches.push({
          repo: prRepo,
          name: head,
          kind,
          state: prState === 'open' ? 'open' : r() < 0.5 ? 'deleted' : 'closed',
          headSha: (i * 7919 + n).toString(16).padStart(40, 'a'),
          synthetic: false,
        });
    }
    if (state === 'super-draft')
      branches.push({
        repo: metaRepo,
        name: 'main',
        kind: 'main',
        state: 'open',
        headSha: 'f'.repeat(40),
        synthetic: true,
      });
    const closed = prs.find((p) => p.state === 'closed');
    const merged = prs.filter((p) => p.state === 'merged' && p.repo === closed?.repo).pop();
    if (closed && merged && merged.number !== closed.number) {
      closed.supersededBy = merged.number;
      closed.supersededByLogin = merged.openedBy;
      merged.supersedes = [closed.number];
    }
    branches.sort((a, b) =>
      a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    prs.sort((a, b) => (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.number - b.number));
    rfcs.push({
      slug,
      title,
      state,
      id,
      repo,
      proposedBy: owner,
      proposedAt: iso(day).slice(0, 10),
      graduatedBy: active ? arbiter : null,
      graduatedAt: active ? iso(day + 20) : null,
      withdrawnBy: state === 'withdrawn' ? owner : null,
      withdrawnAt: state === 'withdrawn' ? iso(day + 30) : null,
      owners: r() < 0.3 ? [owner, pick(r, PEOPLE)].filter((x, k, a) => a.indexOf(x) === k) : [owner],
      arbiters: [arbiter],
      tags: [pick(r, TAGS), pick(r, TAGS)].filter((x, k, a) => a.indexOf(x) === k),
      body: sampleBody(r, title),
      bodySource: active ? 'rfc-repo' : 'entry',
      entryPath: `rfcs/${slug}.md`,
      entrySha: (i * 31).toString(16).padStart(40, '0'),
      bodySha: active ? (i * 37).toString(16).padStart(40, '0') : null,
      entryBody: null,
      deletedOutOfBand: false,
      branches,
      prs,
    });
  }
  rfcs.sort((a, b) => (a.slug < b.slug ? -1 : 1));
  const ideas: IdeaRecord[] = Array.from({ length: Math.max(1, Math.floor(o.rfcs / 20)) }, (_, k) => ({
    slug: `idea-${k}`,
    title: `Idea ${k}: ${sentence(r, 3, 6).replace(/\.$/, '')}`,
    number: 500000 + k,
    url: `${giteaUrl}/${metaRepo}/pulls/${500000 + k}`,
    openedBy: pick(r, PEOPLE),
    createdAt: iso(600 + k),
    updatedAt: iso(600 + k),
  }));
  return {
    meta: { schemaVersion: 1, giteaUrl, metaRepo, defaultBranch: 'main', cursors: {} },
    rfcs,
    ideas,
    problems: [
      {
        file: 'rfcs/broken-entry.md',
        sha: 'b'.repeat(40),
        reasons: [
          {
            field: 'state',
            line: 4,
            message: 'state must be one of super-draft, active, withdrawn; got "draft"',
          },
        ],
      },
    ],
    audit: [],
    unattached: [],
  };
}
