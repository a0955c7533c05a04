import { describe, expect, it } from 'vitest';
import type { Artifact } from '../cache/model.ts';
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
