import { describe, expect, it } from 'vitest';
import { serializeArtifact } from './artifact.ts';
import {
  branchRows,
  buildArtifact,
  finalizePrs,
  type GiteaPull,
  type Mirror,
  mirrorFromArtifact,
  PULLS_CURSOR,
  prKey,
  pullToRecord,
} from './derive.ts';
import type { AuditRecord, PrRecord } from './model.ts';
import { addPull, parseOutcome } from './reconcile.ts';

const META = 'rfcs/meta';

function entryText(slug: string, extra: Record<string, string> = {}, body = `Body of ${slug}.\n`): string {
  const fm: Record<string, string> = { slug, title: `Title ${slug}`, state: 'super-draft', ...extra };
  return `---\n${Object.entries(fm)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n---\n${body}`;
}

function mirror(): Mirror {
  return {
    giteaUrl: 'http://gitea.test',
    metaRepo: META,
    defaultBranch: 'main',
    metaTip: 'a'.repeat(40),
    entries: new Map(),
    metaBranches: new Map(),
    pulls: new Map(),
    repos: new Map(),
    audit: [],
    cursors: {},
  };
}

function addEntry(
  m: Mirror,
  slug: string,
  text: string,
  opts: { deleted?: boolean; sha?: string } = {},
): void {
  const path = `rfcs/${slug}.md`;
  m.entries.set(path, {
    path,
    sha: opts.sha ?? `sha-${slug}`,
    outcome: parseOutcome(path, text),
    deleted: opts.deleted ?? false,
  });
}

function pull(number: number, head: string, over: Partial<GiteaPull> = {}): GiteaPull {
  const t = `2026-03-01T00:00:${String(number % 60).padStart(2, '0')}Z`;
  return {
    number,
    title: `PR ${number}`,
    body: '',
    state: 'open',
    merged: false,
    user: { login: 'alice' },
    head: { ref: head },
    base: { ref: 'main' },
    html_url: `http://gitea.test/pr/${number}`,
    created_at: t,
    updated_at: t,
    merged_at: null,
    closed_at: null,
    merged_by: null,
    ...over,
  };
}

function audit(
  op: string,
  repo: string,
  number: number,
  actor: string,
  outcome: AuditRecord['outcome'] = 'success',
): AuditRecord {
  return {
    key: `k-${op}-${number}`,
    op,
    repo,
    actor,
    source: 'slash-command',
    request: 'comment:1',
    outcome,
    number,
    url: null,
    message: '',
    at: '2026-03-01T00:00:00Z',
  };
}

const raw = (repo: string, p: GiteaPull, kind: PrRecord['kind'] = 'rfc'): PrRecord =>
  pullToRecord(repo, kind, p);

describe('rule: an entry that fails to parse is skipped and reported', () => {
  it('lists the file with its reasons and builds the other entries', () => {
    const m = mirror();
    addEntry(m, 'good', entryText('good'));
    addEntry(m, 'bad', entryText('bad', { state: 'draft' }));
    const a = buildArtifact(m);
    expect(a.rfcs.map((r) => r.slug)).toEqual(['good']);
    expect(a.problems).toHaveLength(1);
    expect(a.problems[0]!.file).toBe('rfcs/bad.md');
    expect(a.problems[0]!.sha).toBe('sha-bad');
    expect(a.problems[0]!.reasons.some((r) => r.field === 'state')).toBe(true);
  });
});

describe('rule: an entry deleted out of band keeps its row, flagged', () => {
  it('builds the row from the last version with deletedOutOfBand', () => {
    const m = mirror();
    addEntry(m, 'gone', entryText('gone'), { deleted: true });
    addEntry(m, 'here', entryText('here'));
    const a = buildArtifact(m);
    expect(a.rfcs.map((r) => [r.slug, r.deletedOutOfBand])).toEqual([
      ['gone', true],
      ['here', false],
    ]);
  });
  it('a live file wins over a deleted one of the same slug', () => {
    const m = mirror();
    addEntry(m, 'x', entryText('x'), { deleted: true, sha: 'old' });
    m.entries.set('rfcs/x.md', { ...m.entries.get('rfcs/x.md')!, deleted: false, sha: 'new' });
    expect(buildArtifact(m).rfcs[0]!.deletedOutOfBand).toBe(false);
  });
});

describe('rule: a branch that disappears keeps its row with state deleted', () => {
  it.each([
    ['live branch, no PR', new Map([['edit/x/a', 's1']]), [] as GiteaPull[], 'open', 's1'],
    ['live branch, open PR', new Map([['edit/x/a', 's1']]), [pull(1, 'edit/x/a')], 'open', 's1'],
    [
      'live branch, merged PR',
      new Map([['edit/x/a', 's1']]),
      [pull(1, 'edit/x/a', { state: 'closed', merged: true })],
      'closed',
      's1',
    ],
    [
      'gone branch, merged PR',
      new Map<string, string>(),
      [pull(1, 'edit/x/a', { state: 'closed', merged: true })],
      'deleted',
      null,
    ],
    ['gone branch, open PR', new Map<string, string>(), [pull(1, 'edit/x/a')], 'deleted', null],
  ])('%s', (_name, live, pulls, state, sha) => {
    const rows = branchRows({
      repo: META,
      live,
      prs: pulls.map((p) => raw(META, p, 'edit')),
      kindOf: () => 'edit',
    });
    expect(rows).toEqual([
      { repo: META, name: 'edit/x/a', kind: 'edit', state, headSha: sha, synthetic: false },
    ]);
  });
});

describe('rule: PR state is open | merged | closed, withdrawn from the audit log', () => {
  it.each([
    ['open', { state: 'open' }, [] as AuditRecord[], 'open', null],
    ['merged', { state: 'closed', merged: true }, [], 'merged', null],
    ['closed', { state: 'closed' }, [], 'closed', null],
    [
      'withdrawn',
      { state: 'closed' },
      [audit('withdraw_branch_pr', 'o/r', 1, 'carol')],
      'withdrawn',
      'carol',
    ],
    [
      'withdraw still pending',
      { state: 'closed' },
      [audit('withdraw_branch_pr', 'o/r', 1, 'carol', 'pending')],
      'closed',
      null,
    ],
    [
      'withdraw row for another PR',
      { state: 'closed' },
      [audit('withdraw_branch_pr', 'o/r', 2, 'carol')],
      'closed',
      null,
    ],
    [
      'withdraw row but PR still open',
      { state: 'open' },
      [audit('withdraw_branch_pr', 'o/r', 1, 'carol')],
      'open',
      null,
    ],
  ] as const)('%s', (_n, over, rows, state, by) => {
    const [p] = finalizePrs([raw('o/r', pull(1, 'b', over as Partial<GiteaPull>))], [...rows]);
    expect(p!.state).toBe(state);
    expect(p!.withdrawnBy).toBe(by);
  });
});

describe('rule: a merged PR with "Supersedes: #N" closes N and N records who superseded it', () => {
  it('closes an open predecessor and records the person', () => {
    const prs = finalizePrs(
      [
        raw('o/r', pull(1, 'a', { user: { login: 'bob' } })),
        raw(
          'o/r',
          pull(2, 'b', {
            state: 'closed',
            merged: true,
            body: 'Better.\n\nSupersedes: #1\n',
            user: { login: 'carol' },
          }),
        ),
      ],
      [],
    );
    expect(prs[0]).toMatchObject({
      number: 1,
      state: 'closed',
      supersededBy: 2,
      supersededByLogin: 'carol',
      giteaState: 'open',
    });
    expect(prs[1]).toMatchObject({ number: 2, state: 'merged', supersedes: [1] });
  });
  it('does nothing while the superseding PR is not merged', () => {
    const prs = finalizePrs(
      [raw('o/r', pull(1, 'a')), raw('o/r', pull(2, 'b', { body: 'Supersedes: #1' }))],
      [],
    );
    expect(prs[0]).toMatchObject({ state: 'open', supersededBy: null });
    expect(prs[1]!.supersedes).toEqual([]);
  });
  it('keeps a merged predecessor merged but records the supersession', () => {
    const prs = finalizePrs(
      [
        raw('o/r', pull(1, 'a', { state: 'closed', merged: true, merged_at: '2026-01-01T00:00:00Z' })),
        raw(
          'o/r',
          pull(2, 'b', {
            state: 'closed',
            merged: true,
            merged_at: '2026-01-02T00:00:00Z',
            body: 'Supersedes: #1',
          }),
        ),
      ],
      [],
    );
    expect(prs[0]).toMatchObject({ state: 'merged', supersededBy: 2 });
  });
  it('only supersedes within the same repo', () => {
    const prs = finalizePrs(
      [
        raw('o/a', pull(1, 'a')),
        raw('o/b', pull(2, 'b', { state: 'closed', merged: true, body: 'Supersedes: #1' })),
      ],
      [],
    );
    expect(prs.find((p) => p.repo === 'o/a')!.state).toBe('open');
  });
});

describe('rule: opened_by is the person, not the bot', () => {
  const body = 'Text\n\nOn-behalf-of: Dave Dimitrov <dave>\n';
  it.each([
    [
      'audit row wins over trailer',
      [audit('open_branch_pr', 'o/r', 1, 'erin')],
      'rfc-bot',
      body,
      'rfc-bot',
      'erin',
    ],
    ['trailer on a bot PR', [], 'rfc-bot', body, 'rfc-bot', 'dave'],
    ['raw login without either', [], 'rfc-bot', 'Text', 'rfc-bot', 'rfc-bot'],
    ['trailer ignored on a human PR', [], 'mallory', body, 'rfc-bot', 'mallory'],
    [
      'failed audit row ignored',
      [audit('open_branch_pr', 'o/r', 1, 'erin', 'failed')],
      'rfc-bot',
      body,
      'rfc-bot',
      'dave',
    ],
    ['trailer on a bot PR, login in another letter case', [], 'RFC-Bot', body, 'rfc-bot', 'dave'],
    [
      'trailer ignored on a human PR when no bot login is configured',
      [],
      'mallory',
      body,
      undefined,
      'mallory',
    ],
    [
      'trailer on a PR of the Actions job token without a bot login',
      [],
      'gitea-actions',
      body,
      undefined,
      'dave',
    ],
  ] as const)('%s', (_n, rows, author, text, bot, expected) => {
    const [p] = finalizePrs(
      [raw('o/r', pull(1, 'b', { user: { login: author }, body: text }))],
      [...rows],
      bot,
    );
    expect(p!.openedBy).toBe(expected);
    expect(p!.authorLogin).toBe(author);
  });
});

describe('rule: every super-draft gets a synthetic main row at the meta tip', () => {
  it('adds it for super-drafts only', () => {
    const m = mirror();
    addEntry(m, 'draft', entryText('draft'));
    addEntry(m, 'gone', entryText('gone', { state: 'withdrawn' }));
    const a = buildArtifact(m);
    expect(a.rfcs[0]!.branches).toEqual([
      { repo: META, name: 'main', kind: 'main', state: 'open', headSha: 'a'.repeat(40), synthetic: true },
    ]);
    expect(a.rfcs[1]!.branches).toEqual([]);
  });
});

describe('rule: an active RFC mirrors its repo (RFC.md, branches, PRs of kind rfc)', () => {
  const activeText = entryText(
    'act',
    { state: 'active', id: '7', repo: 'rfcs/rfc-0007', graduated_by: 'bob' },
    'Entry stub.\n',
  );
  it('takes the body from RFC.md and lists the repo branches and PRs', () => {
    const m = mirror();
    addEntry(m, 'act', activeText);
    m.repos.set('rfcs/rfc-0007', {
      exists: true,
      defaultBranch: 'main',
      branches: new Map([
        ['main', 'm1'],
        ['idea', 'i1'],
      ]),
      rfcMd: { sha: 'blob1', text: '# Live body\n' },
    });
    addPull(m, 'rfcs/rfc-0007', pull(3, 'idea'));
    const r = buildArtifact(m).rfcs[0]!;
    expect(r).toMatchObject({
      body: '# Live body\n',
      bodySource: 'rfc-repo',
      bodySha: 'blob1',
      entryBody: 'Entry stub.\n',
    });
    expect(r.branches.map((b) => [b.name, b.kind, b.state])).toEqual([
      ['idea', 'rfc', 'open'],
      ['main', 'main', 'open'],
    ]);
    expect(r.prs.map((p) => [p.repo, p.number, p.kind])).toEqual([['rfcs/rfc-0007', 3, 'rfc']]);
  });
  it('records a missing repo as a problem and still builds the RFC', () => {
    const m = mirror();
    addEntry(m, 'act', activeText);
    addEntry(m, 'other', entryText('other'));
    m.repos.set('rfcs/rfc-0007', { exists: false, defaultBranch: 'main', branches: new Map(), rfcMd: null });
    const a = buildArtifact(m);
    expect(a.rfcs.map((r) => [r.slug, r.bodySource])).toEqual([
      ['act', 'entry'],
      ['other', 'entry'],
    ]);
    expect(a.problems).toEqual([
      { file: 'rfcs/act.md', sha: 'sha-act', reasons: [expect.objectContaining({ field: 'repo' })] },
    ]);
  });
});

describe('rule: PR kinds come from the branch name, slash and dash forms', () => {
  it.each([
    ['propose/newthing', 'propose', 'newthing'],
    ['edit/x/typo', 'edit', 'x'],
    ['edit-x-a1b2c3', 'edit', 'x'],
    ['metadata/x', 'metadata', 'x'],
    ['metadata-x-00ff00', 'metadata', 'x'],
    ['claim/x', 'claim', 'x'],
  ])('%s -> %s', (head, kind, slug) => {
    const m = mirror();
    addEntry(m, 'x', entryText('x'));
    addPull(m, META, pull(5, head));
    const a = buildArtifact(m);
    const attached = a.rfcs.flatMap((r) => r.prs);
    const pr = [...attached, ...a.unattached][0]!;
    expect(pr.kind).toBe(kind);
    if (slug === 'x') expect(attached).toHaveLength(1);
    else expect(a.unattached).toHaveLength(1);
  });
  it('reads the branch from head.label once Gitea reports refs/pull/N/head (branch deleted)', () => {
    const m = mirror();
    addPull(m, META, pull(7, 'refs/pull/7/head', { head: { ref: 'refs/pull/7/head', label: 'claim/x' } }));
    expect([...m.pulls.values()].map((p) => [p.head, p.kind])).toEqual([['claim/x', 'claim']]);
  });
  it('ignores meta PRs whose branch names no slug', () => {
    const m = mirror();
    addPull(m, META, pull(6, 'fix-readme'));
    expect(m.pulls.size).toBe(0);
  });
});

describe('a withdrawn RFC records who withdrew it and when', () => {
  const entryUrl = (slug: string) => `http://gitea.test/${META}/src/branch/main/rfcs/${slug}.md`;
  const row = (
    slug: string,
    actor: string,
    at: string,
    o: { wrote?: boolean; outcome?: AuditRecord['outcome'] } = { wrote: true },
  ): AuditRecord => {
    const r: AuditRecord = {
      ...audit('withdraw_rfc', META, 0, actor, o.outcome ?? 'success'),
      number: null,
      url: entryUrl(slug),
      at,
    };
    if (o.wrote !== undefined) r.wrote = o.wrote;
    return r;
  };
  const metadataPr = pull(7, 'metadata/x', {
    state: 'closed',
    merged: true,
    merged_at: '2026-02-01T00:00:00Z',
    user: { login: 'dana' },
  });
  const T1 = '2026-04-01T00:00:00Z';
  const T2 = '2026-04-02T00:00:00Z';
  const T3 = '2026-04-03T00:00:00Z';
  it.each([
    ['the withdraw_rfc row that wrote', {}, [row('x', 'carol', T1)], [], ['carol', T1]],
    ['in whole seconds', {}, [row('x', 'carol', '2026-04-01T00:00:00.123Z')], [], ['carol', T1]],
    [
      'the latest row that wrote: restored by hand and withdrawn again',
      {},
      [row('x', 'carol', T1), row('x', 'bob', T2, { wrote: false }), row('x', 'erin', T3)],
      [],
      ['erin', T3],
    ],
    [
      'the latest by time, whatever the log order (merged logs)',
      {},
      [row('x', 'erin', T3), row('x', 'carol', T1)],
      [],
      ['erin', T3],
    ],
    [
      'else the earliest row of an earlier version, which does not say whether it wrote',
      {},
      [row('x', 'bob', T2, {}), row('x', 'carol', T1, {})],
      [metadataPr],
      ['carol', T1],
    ],
    [
      'a row that wrote over rows of an earlier version',
      {},
      [row('x', 'carol', T1, {}), row('x', 'erin', T3)],
      [],
      ['erin', T3],
    ],
    [
      'not a pending row, nor a row for another entry',
      {},
      [row('x', 'erin', T1, { outcome: 'pending' }), row('xy', 'carol', T1)],
      [],
      [null, null],
    ],
    ['the last merged metadata PR', {}, [], [metadataPr], ['dana', '2026-02-01T00:00:00Z']],
    [
      'a metadata PR over a later row that found the RFC withdrawn',
      {},
      [row('x', 'carol', T1, { wrote: false })],
      [metadataPr],
      ['dana', '2026-02-01T00:00:00Z'],
    ],
    [
      'not a metadata PR the gate opened (it cannot change state)',
      {},
      [{ ...audit('open_metadata_pr', META, 7, 'dana'), url: 'http://gitea.test/pr/7' }],
      [metadataPr],
      [null, null],
    ],
    [
      'not a metadata PR merged before the RFC graduated',
      { graduated_at: '2026-03-01', id: '3' },
      [],
      [metadataPr],
      [null, null],
    ],
    [
      'only rows that found it withdrawn: the earliest (a replay whose first response was lost)',
      {},
      [row('x', 'bob', T2, { wrote: false }), row('x', 'carol', T1, { wrote: false })],
      [],
      ['carol', T1],
    ],
    [
      'not a metadata PR merged after a row found the RFC withdrawn',
      {},
      [row('x', 'carol', '2026-01-15T00:00:00Z', { wrote: false })],
      [metadataPr],
      ['carol', '2026-01-15T00:00:00Z'],
    ],
    [
      'a metadata PR merged after a graduation given with an offset, though on an earlier UTC day',
      { graduated_at: "'2026-02-02T00:30:00+02:00'", id: '3' },
      [],
      [
        pull(8, 'metadata/x', {
          state: 'closed',
          merged: true,
          merged_at: '2026-02-01T23:30:00Z',
          user: { login: 'gina' },
        }),
      ],
      ['gina', '2026-02-01T23:30:00Z'],
    ],
    ['in UTC', {}, [row('x', 'carol', '2026-04-01T02:00:00.5+02:00')], [], ['carol', T1]],
    ['no row and no PR: an out-of-band commit', {}, [], [], [null, null]],
  ] as const)('%s', (_n, fm, rows, pulls, expected) => {
    const m = mirror();
    addEntry(m, 'x', entryText('x', { state: 'withdrawn', ...fm }));
    m.audit = [...rows];
    for (const p of pulls) addPull(m, META, p);
    const rfc = buildArtifact(m).rfcs[0]!;
    expect([rfc.withdrawnBy, rfc.withdrawnAt]).toEqual(expected);
  });

  it('records nothing for an RFC that is not withdrawn', () => {
    const m = mirror();
    addEntry(m, 'x', entryText('x'));
    m.audit = [row('x', 'carol', T1)];
    addPull(m, META, metadataPr);
    expect(buildArtifact(m).rfcs[0]).toMatchObject({ withdrawnBy: null, withdrawnAt: null });
  });
});

describe('ideas: open propose PRs', () => {
  it('lists open propose PRs with the resolved person', () => {
    const m = mirror();
    m.botLogin = 'rfc-bot';
    addPull(
      m,
      META,
      pull(1, 'propose/shiny', { user: { login: 'rfc-bot' }, body: 'On-behalf-of: Frank <frank>' }),
    );
    addPull(m, META, pull(2, 'propose/old', { state: 'closed' }));
    const a = buildArtifact(m);
    expect(a.ideas.map((i) => [i.number, i.slug, i.openedBy])).toEqual([[1, 'shiny', 'frank']]);
    expect(a.unattached.map((p) => p.number)).toEqual([1, 2]);
  });
});

describe('determinism and the round trip through the artifact', () => {
  function rich(): Mirror {
    const m = mirror();
    addEntry(m, 'b', entryText('b'));
    addEntry(m, 'a', entryText('a', { state: 'active', id: '1', repo: 'rfcs/rfc-0001' }));
    addEntry(m, 'bad', entryText('bad', { title: '' }));
    addEntry(m, 'z', entryText('z'), { deleted: true });
    m.metaBranches.set('edit/b/x', 'e1');
    m.repos.set('rfcs/rfc-0001', {
      exists: true,
      defaultBranch: 'main',
      branches: new Map([['main', 'm']]),
      rfcMd: { sha: 's', text: 'Live' },
    });
    addPull(m, META, pull(9, 'edit/b/x', { user: { login: 'rfc-bot' }, body: 'On-behalf-of: A <alice>' }));
    addPull(m, 'rfcs/rfc-0001', pull(1, 'gone', { state: 'closed' }));
    m.audit = [audit('withdraw_branch_pr', 'rfcs/rfc-0001', 1, 'carol')];
    m.cursors = { 'repo:rfcs/meta': '2026-01-01T00:00:00Z' };
    return m;
  }
  it('gives byte-identical files for the same mirror, whatever the insertion order', () => {
    const one = serializeArtifact(buildArtifact(rich()));
    const m2 = rich();
    m2.entries = new Map([...m2.entries].reverse());
    m2.pulls = new Map([...m2.pulls].reverse());
    expect(serializeArtifact(buildArtifact(m2))).toEqual(one);
    for (const text of one.values()) expect(text.includes('\r')).toBe(false);
  });
  it('rebuilds the same artifact from the mirror the artifact keeps', () => {
    const a = buildArtifact(rich());
    const again = buildArtifact(mirrorFromArtifact(a));
    expect(serializeArtifact(again)).toEqual(serializeArtifact(a));
  });
  it('derives the PR cursor from the newest PR, not from the clock', () => {
    const m = rich();
    const a = buildArtifact(m);
    const newest = [...m.pulls.values()]
      .map((p) => p.updatedAt)
      .sort()
      .at(-1);
    expect(a.meta.cursors[PULLS_CURSOR]).toBe(newest);
    expect(prKey('o/r', 3)).toBe('o/r#3');
  });
});
