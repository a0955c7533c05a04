/**
 * The Atom feed (RFC 4287) of what happened. Every date comes from the artifact, never the
 * clock; entry ids are Gitea URLs with a fragment naming the event, so they never change.
 */
import type { ArtifactMeta, IdeaRecord, RfcRecord } from '../cache/model.ts';
import { cmp, esc, type GiteaLinks, safeHttp } from './html.ts';
import { sitePaths } from './paths.ts';

export type FeedEventKind =
  | 'idea'
  | 'accepted'
  | 'super-draft-merge'
  | 'graduation'
  | 'withdrawal'
  | 'pr-merged'
  | 'pr-withdrawn';

/** One event of the feed. */
export interface FeedEvent {
  id: string;
  kind: FeedEventKind;
  updated: string;
  title: string;
  author: string;
  link: string;
  summary: string;
}

/** Normalises an ISO date or date-time from the artifact to an RFC 3339 timestamp, or null. */
export function rfc3339(value: string | null | undefined): string | null {
  if (!value) return null;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value)) return value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00Z`;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return null;
  return new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}

/** Derives the feed's events from the artifact, newest first, at most `limit`. */
export function feedEvents(
  meta: ArtifactMeta,
  links: GiteaLinks,
  rfcs: RfcRecord[],
  ideas: IdeaRecord[],
  siteLink: (path: string) => string,
  limit = 100,
): FeedEvent[] {
  // A first pass only collects the dates; the second builds the events dated at or after the
  // `limit`-th newest, so a large artifact builds about `limit` events instead of one per PR.
  const dates: string[] = [];
  eachEvent(meta, links, rfcs, ideas, siteLink, (updated) => {
    dates.push(updated);
    return false;
  });
  let keep: (updated: string) => boolean = () => true;
  if (dates.length > limit) {
    dates.sort((a, b) => cmp(b, a));
    const oldest = dates[limit - 1]!;
    keep = (updated) => updated >= oldest;
  }
  const events = eachEvent(meta, links, rfcs, ideas, siteLink, keep);
  events.sort((a, b) => cmp(b.updated, a.updated) || cmp(a.id, b.id));
  return events.slice(0, limit);
}

/** Every event of the artifact whose date `keep` accepts (`keep` sees every event's date). */
function eachEvent(
  meta: ArtifactMeta,
  links: GiteaLinks,
  rfcs: RfcRecord[],
  ideas: IdeaRecord[],
  siteLink: (path: string) => string,
  keep: (updated: string) => boolean,
): FeedEvent[] {
  const events: FeedEvent[] = [];
  for (const idea of ideas) {
    const updated = rfc3339(idea.createdAt);
    if (updated && keep(updated))
      events.push({
        id: `${links.pull(meta.metaRepo, idea.number)}#proposed`,
        kind: 'idea',
        updated,
        title: `New idea: ${idea.title}`,
        author: idea.openedBy,
        link: safeHttp(idea.url, links.pull(meta.metaRepo, idea.number)),
        summary: `${idea.openedBy} proposed "${idea.slug}" in pull request #${idea.number}.`,
      });
  }
  // Links are made only for the events kept (no closure per record: most events are not kept).
  for (const rfc of rfcs) {
    const graduated = rfc3339(rfc.graduatedAt);
    if (graduated && keep(graduated))
      events.push({
        id: `${links.src(meta.metaRepo, rfc.entryPath, meta.defaultBranch)}#graduated`,
        kind: 'graduation',
        updated: graduated,
        title: `Graduated: ${rfc.title}${rfc.id !== null ? ` (RFC ${rfc.id})` : ''}`,
        author: rfc.graduatedBy ?? 'unknown',
        link: siteLink(sitePaths.rfc(rfc.slug)),
        summary: `${rfc.title} graduated${rfc.repo ? ` into ${rfc.repo}` : ''}.`,
      });
    // A meta-repo merge other than the proposal lands in a super-draft while the RFC is one: before
    // it graduated, and before it was withdrawn (an RFC's state today says nothing about then).
    const withdrawn = rfc.state === 'withdrawn' ? rfc3339(rfc.withdrawnAt) : null;
    for (const pr of rfc.prs) {
      const merged = pr.state === 'merged' ? rfc3339(pr.mergedAt) : null;
      if (merged && keep(merged)) {
        const accepted = pr.repo === meta.metaRepo && pr.kind === 'propose';
        const intoDraft =
          pr.repo === meta.metaRepo &&
          !accepted &&
          beforeGraduation(rfc, graduated, merged) &&
          (withdrawn === null || merged <= withdrawn);
        events.push({
          id: `${links.pull(pr.repo, pr.number)}#merged`,
          kind: accepted ? 'accepted' : intoDraft ? 'super-draft-merge' : 'pr-merged',
          updated: merged,
          title: accepted
            ? `Accepted as a super-draft: ${rfc.title}`
            : `${intoDraft ? 'Merged into super-draft' : 'Merged into'} ${rfc.title}: ${pr.title}`,
          author: pr.openedBy,
          link: safeHttp(pr.url, links.pull(pr.repo, pr.number)),
          summary: `${pr.repo}#${pr.number} (${pr.kind}) by ${pr.openedBy} was merged${pr.mergedBy ? ` by ${pr.mergedBy}` : ''}.`,
        });
      }
      const closed = pr.state === 'withdrawn' ? rfc3339(pr.closedAt ?? pr.updatedAt) : null;
      if (closed && keep(closed))
        events.push({
          id: `${links.pull(pr.repo, pr.number)}#withdrawn`,
          kind: 'pr-withdrawn',
          updated: closed,
          title: `Withdrawn: ${pr.title} (${rfc.title})`,
          author: pr.withdrawnBy ?? pr.openedBy,
          link: safeHttp(pr.url, links.pull(pr.repo, pr.number)),
          summary: `${pr.repo}#${pr.number} was withdrawn by its author.`,
        });
    }
    // The artifact dates a withdrawal by its `withdraw_rfc` audit row or its metadata PR; an RFC
    // withdrawn by a commit outside the process has no date and no event.
    if (withdrawn && keep(withdrawn))
      events.push({
        id: `${links.src(meta.metaRepo, rfc.entryPath, meta.defaultBranch)}#withdrawn`,
        kind: 'withdrawal',
        updated: withdrawn,
        title: `Withdrawn: ${rfc.title}`,
        author: rfc.withdrawnBy ?? 'unknown',
        link: siteLink(sitePaths.rfc(rfc.slug)),
        summary: `${rfc.title} was withdrawn${rfc.withdrawnBy ? ` by ${rfc.withdrawnBy}` : ''}.`,
      });
  }
  return events;
}

/**
 * Whether `at` falls before the RFC graduated (`graduated`: its `graduatedAt` as RFC 3339). A
 * date-only `graduatedAt` counts its whole day (the merges that lead to a graduation land on its
 * day); an RFC with a repo or the active state but no `graduatedAt` graduated at an unknown time,
 * so nothing is placed before it.
 */
function beforeGraduation(rfc: RfcRecord, graduated: string | null, at: string): boolean {
  const raw = rfc.graduatedAt;
  if (raw && /^\d{4}-\d{2}-\d{2}$/.test(raw)) return at.slice(0, 10) <= raw;
  if (graduated) return at < graduated;
  return rfc.state !== 'active' && rfc.repo === null;
}

/** The Atom document; `selfHref` and page links are absolute when a base URL is set, else relative. */
export function atomFeed(
  meta: ArtifactMeta,
  links: GiteaLinks,
  events: FeedEvent[],
  siteLink: (path: string) => string,
): string {
  const updated = events[0]?.updated ?? '1970-01-01T00:00:00Z';
  const entries = events
    .map(
      (e) => `<entry>
<id>${esc(e.id)}</id>
<title>${esc(e.title)}</title>
<updated>${esc(e.updated)}</updated>
<author><name>${esc(e.author)}</name></author>
<link rel="alternate" href="${esc(e.link)}"/>
<category term="${esc(e.kind)}"/>
<summary>${esc(e.summary)}</summary>
</entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${esc(`${links.repo(meta.metaRepo)}#rfc-activity`)}</id>
<title>RFC activity: ${esc(meta.metaRepo)}</title>
<updated>${updated}</updated>
<author><name>rfc-actions</name></author>
<link rel="self" href="${esc(siteLink(sitePaths.feed))}"/>
<link rel="alternate" href="${esc(siteLink(sitePaths.index))}"/>
<generator>rfc-actions</generator>
${entries}
</feed>
`;
}
