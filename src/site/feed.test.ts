import { describe, expect, it } from 'vitest';
import { prRecord, rfcRecord } from '../../test/records.ts';
import type { Artifact, PrRecord, RfcRecord } from '../cache/model.ts';
import { feedEvents } from './feed.ts';
import { GiteaLinks } from './html.ts';
import { sampleArtifact } from './sample.ts';

/** Every event, newest first: the definition the bounded feed must match. */
function allEvents(a: Artifact) {
  const links = new GiteaLinks(a.meta.giteaUrl, a.meta.defaultBranch);
  return feedEvents(a.meta, links, a.rfcs, a.ideas, (p) => p, Number.POSITIVE_INFINITY);
}

/** The sample with every merge and withdrawal on one of three days: many ties at any cut. */
function tied(seed: number): Artifact {
  const a = sampleArtifact({ rfcs: 80, seed });
  let k = 0;
  for (const rfc of a.rfcs)
    for (const pr of rfc.prs) {
      const day = `2026-03-0${1 + (k++ % 3)}T10:00:00Z`;
      if (pr.mergedAt) pr.mergedAt = day;
      if (pr.closedAt) pr.closedAt = day;
    }
  return a;
}

describe('feedEvents', () => {
  it.each([
    ['sample, 300 RFCs', sampleArtifact({ rfcs: 300, seed: 2 }), 100],
    ['sample, 40 RFCs', sampleArtifact({ rfcs: 40, seed: 5 }), 100],
    ['three dates, cut inside a tie', tied(3), 50],
    ['three dates, limit 1', tied(4), 1],
    ['three dates, more room than events', tied(5), 10_000],
  ])('%s: the newest `limit` of all events, in order', (_name, a, limit) => {
    const links = new GiteaLinks(a.meta.giteaUrl, a.meta.defaultBranch);
    const all = allEvents(a);
    expect(all.length).toBeGreaterThan(Math.min(limit, 30));
    const got = feedEvents(a.meta, links, a.rfcs, a.ideas, (p) => p, limit);
    expect(got).toEqual(all.slice(0, limit));
  });

  it('keeps the order of the full list where the cut falls inside equal dates', () => {
    const a = tied(6);
    const all = allEvents(a);
    const cut = all.findIndex((e, i) => i > 0 && e.updated === all[i - 1]!.updated);
    expect(cut).toBeGreaterThan(0);
    const links = new GiteaLinks(a.meta.giteaUrl, a.meta.defaultBranch);
    expect(feedEvents(a.meta, links, a.rfcs, a.ideas, (p) => p, cut)).toEqual(all.slice(0, cut));
  });
});

describe('feed events of each kind', () => {
  const META = 'o/meta';
  const meta: Artifact['meta'] = {
    schemaVersion: 1,
    giteaUrl: 'https://g.example',
    metaRepo: META,
    defaultBranch: 'main',
    cursors: {},
  };
  const links = new GiteaLinks(meta.giteaUrl, meta.defaultBranch);
  const pr = (repo: string, number: number, kind: PrRecord['kind'], state: PrRecord['state'], at: string) =>
    prRecord(repo, number, {
      kind,
      head: `${kind}/x`,
      state,
      updatedAt: at,
      mergedAt: state === 'merged' ? at : null,
      closedAt: state === 'merged' || state === 'withdrawn' ? at : null,
      mergedBy: state === 'merged' ? 'arb' : null,
      withdrawnBy: state === 'withdrawn' ? `p${number}` : null,
      openedBy: `p${number}`,
      authorLogin: `p${number}`,
      giteaState: state === 'withdrawn' ? 'closed' : state === 'merged' ? 'merged' : 'open',
    });
  const rfc = (slug: string, over: Partial<RfcRecord>) => rfcRecord(slug, { title: `T ${slug}`, ...over });
  const rfcs = [
    rfc('draft', {
      prs: [
        pr(META, 1, 'propose', 'merged', '2026-01-02T00:00:00Z'),
        pr(META, 2, 'edit', 'merged', '2026-01-03T00:00:00Z'),
        pr(META, 3, 'edit', 'withdrawn', '2026-01-04T00:00:00Z'),
      ],
    }),
    rfc('grad', {
      state: 'active',
      id: 4,
      repo: 'o/rfc-0004',
      graduatedBy: 'arb',
      graduatedAt: '2026-02-01T00:00:00Z',
      prs: [
        pr(META, 10, 'edit', 'merged', '2026-01-20T00:00:00Z'),
        pr(META, 11, 'metadata', 'merged', '2026-02-05T00:00:00Z'),
        pr('o/rfc-0004', 1, 'rfc', 'merged', '2026-02-10T00:00:00Z'),
      ],
    }),
    rfc('gone', {
      state: 'withdrawn',
      withdrawnBy: 'carol',
      withdrawnAt: '2026-03-01T12:00:00Z',
      prs: [
        pr(META, 20, 'propose', 'merged', '2026-01-05T00:00:00Z'),
        pr(META, 21, 'edit', 'merged', '2026-02-20T00:00:00Z'),
        pr(META, 22, 'metadata', 'merged', '2026-03-05T00:00:00Z'),
      ],
    }),
    rfc('day', {
      state: 'active',
      id: 5,
      repo: 'o/rfc-0005',
      graduatedAt: '2026-02-01',
      prs: [
        pr(META, 50, 'edit', 'merged', '2026-02-01T09:00:00Z'),
        pr(META, 51, 'metadata', 'merged', '2026-02-02T09:00:00Z'),
      ],
    }),
    rfc('nodate', {
      state: 'active',
      id: 6,
      repo: 'o/rfc-0006',
      prs: [pr(META, 60, 'edit', 'merged', '2026-01-10T00:00:00Z')],
    }),
    rfc('undated', { state: 'withdrawn', prs: [pr(META, 30, 'propose', 'merged', '2026-01-06T00:00:00Z')] }),
  ];
  const ideas: Artifact['ideas'] = [
    {
      slug: 'new',
      title: 'New',
      number: 40,
      url: 'https://g.example/o/meta/pulls/40',
      openedBy: 'dave',
      createdAt: '2026-03-02T00:00:00Z',
      updatedAt: '2026-03-02T00:00:00Z',
    },
  ];
  const events = feedEvents(meta, links, rfcs, ideas, (p) => p);
  const of = (id: string) => events.find((e) => e.id === id);

  it.each([
    ['an idea', 'https://g.example/o/meta/pulls/40#proposed', 'idea', '2026-03-02T00:00:00Z', 'dave'],
    [
      'an accepted proposal',
      'https://g.example/o/meta/pulls/1#merged',
      'accepted',
      '2026-01-02T00:00:00Z',
      'p1',
    ],
    [
      'a merge into a super-draft',
      'https://g.example/o/meta/pulls/2#merged',
      'super-draft-merge',
      '2026-01-03T00:00:00Z',
      'p2',
    ],
    [
      'a withdrawn PR',
      'https://g.example/o/meta/pulls/3#withdrawn',
      'pr-withdrawn',
      '2026-01-04T00:00:00Z',
      'p3',
    ],
    [
      'a merge before graduation',
      'https://g.example/o/meta/pulls/10#merged',
      'super-draft-merge',
      '2026-01-20T00:00:00Z',
      'p10',
    ],
    [
      'a graduation',
      'https://g.example/o/meta/src/branch/main/rfcs/grad.md#graduated',
      'graduation',
      '2026-02-01T00:00:00Z',
      'arb',
    ],
    [
      'a meta merge after graduation',
      'https://g.example/o/meta/pulls/11#merged',
      'pr-merged',
      '2026-02-05T00:00:00Z',
      'p11',
    ],
    [
      'a merge in the RFC repo',
      'https://g.example/o/rfc-0004/pulls/1#merged',
      'pr-merged',
      '2026-02-10T00:00:00Z',
      'p1',
    ],
    [
      'a merge into a super-draft later withdrawn',
      'https://g.example/o/meta/pulls/21#merged',
      'super-draft-merge',
      '2026-02-20T00:00:00Z',
      'p21',
    ],
    [
      'a withdrawal, dated by the artifact',
      'https://g.example/o/meta/src/branch/main/rfcs/gone.md#withdrawn',
      'withdrawal',
      '2026-03-01T12:00:00Z',
      'carol',
    ],
    [
      'a meta merge after the withdrawal',
      'https://g.example/o/meta/pulls/22#merged',
      'pr-merged',
      '2026-03-05T00:00:00Z',
      'p22',
    ],
    [
      'a merge on the day of a date-only graduation',
      'https://g.example/o/meta/pulls/50#merged',
      'super-draft-merge',
      '2026-02-01T09:00:00Z',
      'p50',
    ],
    [
      'a merge the day after it',
      'https://g.example/o/meta/pulls/51#merged',
      'pr-merged',
      '2026-02-02T09:00:00Z',
      'p51',
    ],
    [
      'a merge of an active RFC with no graduation date',
      'https://g.example/o/meta/pulls/60#merged',
      'pr-merged',
      '2026-01-10T00:00:00Z',
      'p60',
    ],
  ])('%s', (_name, id, kind, updated, author) => {
    expect(of(id)).toMatchObject({ kind, updated, author });
  });

  it('has no withdrawal event for an RFC withdrawn without a date', () => {
    expect(of('https://g.example/o/meta/src/branch/main/rfcs/undated.md#withdrawn')).toBeUndefined();
    expect(events).toHaveLength(17);
  });
});
