/** Builders of artifact records for tests: every field set, `over` replaces any of them. */
import type { PrRecord, RfcRecord } from '../src/cache/model.ts';

/** A super-draft owned and proposed by alice, with no branches or PRs. */
export function rfcRecord(slug: string, over: Partial<RfcRecord> = {}): RfcRecord {
  return {
    slug,
    title: `Title ${slug}`,
    state: 'super-draft',
    id: null,
    repo: null,
    proposedBy: 'alice',
    proposedAt: '2026-01-01',
    graduatedBy: null,
    graduatedAt: null,
    withdrawnBy: null,
    withdrawnAt: null,
    owners: ['alice'],
    arbiters: [],
    tags: [],
    body: 'Body\n',
    bodySource: 'entry',
    entryPath: `rfcs/${slug}.md`,
    entrySha: null,
    bodySha: null,
    entryBody: null,
    deletedOutOfBand: false,
    branches: [],
    prs: [],
    ...over,
  };
}

/** An open edit PR opened by `u<number>`, dated 2026-01-01. */
export function prRecord(repo: string, number: number, over: Partial<PrRecord> = {}): PrRecord {
  return {
    repo,
    number,
    title: `PR ${number}`,
    kind: 'edit',
    head: `edit/x/${number}`,
    base: 'main',
    state: 'open',
    openedBy: `u${number}`,
    authorLogin: `u${number}`,
    url: `https://g.example/${repo}/pulls/${number}`,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    mergedAt: null,
    closedAt: null,
    mergedBy: null,
    supersedes: [],
    supersededBy: null,
    supersededByLogin: null,
    withdrawnBy: null,
    giteaState: 'open',
    trailerLogin: null,
    ...over,
  };
}
