/**
 * The JSON API (`api/rfcs.json`, `api/rfcs/<slug>.json`) and its published JSON Schemas
 * (draft 2020-12, `api/schema/`). Our equivalent of peps.json: stable field names (the model's),
 * links to the site and to Gitea.
 */
import type { BranchRecord, PrRecord, RfcRecord } from '../cache/model.ts';
import type { GiteaLinks } from './html.ts';
import type { TocEntry } from './markdown.ts';
import { bodyLocation, type SiteContext } from './pages.ts';
import { sitePaths } from './paths.ts';

export const API_VERSION = 1;

/** Links of one RFC: site pages (relative to the site root, or absolute with a base URL) and Gitea. */
export interface ApiLinks {
  html: string;
  json: string;
  entry: string;
  source: string;
  edit: string;
  repo: string | null;
}

/** One RFC in `api/rfcs.json`. */
export interface ApiRfcSummary {
  slug: string;
  title: string;
  state: RfcRecord['state'];
  id: number | null;
  repo: string | null;
  owners: string[];
  arbiters: string[];
  tags: string[];
  proposedBy: string | null;
  proposedAt: string | null;
  graduatedBy: string | null;
  graduatedAt: string | null;
  withdrawnBy: string | null;
  withdrawnAt: string | null;
  bodySource: RfcRecord['bodySource'];
  deletedOutOfBand: boolean;
  prCounts: { open: number; merged: number; closed: number; withdrawn: number };
  links: ApiLinks;
}

/** A pull request as published (a stable subset of the artifact's record). */
export type ApiPr = Pick<
  PrRecord,
  | 'repo'
  | 'number'
  | 'title'
  | 'kind'
  | 'head'
  | 'base'
  | 'state'
  | 'openedBy'
  | 'authorLogin'
  | 'url'
  | 'createdAt'
  | 'updatedAt'
  | 'mergedAt'
  | 'closedAt'
  | 'mergedBy'
  | 'supersedes'
  | 'supersededBy'
  | 'supersededByLogin'
  | 'withdrawnBy'
>;

/** `api/rfcs/<slug>.json`: the summary plus the body, its contents, branches and PRs. */
export interface ApiRfc extends ApiRfcSummary {
  apiVersion: number;
  body: string;
  toc: TocEntry[];
  branches: BranchRecord[];
  prs: ApiPr[];
}

/** `api/rfcs.json`. */
export interface ApiRfcList {
  apiVersion: number;
  giteaUrl: string;
  metaRepo: string;
  count: number;
  rfcs: ApiRfcSummary[];
}

/**
 * The published text of an API document built by `apiSummary` and `apiRfc`: their keys are in
 * sorted order at every level, so this is `stableJson`'s text without its walk to check the order
 * (a test holds the two equal).
 */
export function apiJson(doc: ApiRfc | ApiRfcList): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The summary of one RFC; `siteLink` turns a site path into the link the API publishes. */
export function apiSummary(ctx: SiteContext, rfc: RfcRecord, siteLink: (p: string) => string): ApiRfcSummary {
  const L: GiteaLinks = ctx.links;
  const loc = bodyLocation(ctx, rfc);
  const prCounts = { closed: 0, merged: 0, open: 0, withdrawn: 0 };
  for (const pr of rfc.prs)
    if (Object.hasOwn(prCounts, pr.state)) prCounts[pr.state as keyof typeof prCounts]++;
  // Keys in sorted order: the files are stable JSON, which then needs no reordering copy.
  return {
    arbiters: rfc.arbiters,
    bodySource: rfc.bodySource,
    deletedOutOfBand: rfc.deletedOutOfBand,
    graduatedAt: rfc.graduatedAt,
    graduatedBy: rfc.graduatedBy,
    id: rfc.id,
    links: {
      edit: L.edit(loc.repo, loc.path, loc.branch),
      entry: L.src(ctx.meta.metaRepo, rfc.entryPath, ctx.meta.defaultBranch),
      html: siteLink(sitePaths.rfc(rfc.slug)),
      json: siteLink(sitePaths.rfcJson(rfc.slug)),
      repo: rfc.repo ? L.repo(rfc.repo) : null,
      source: L.src(loc.repo, loc.path, loc.branch),
    },
    owners: rfc.owners,
    prCounts,
    proposedAt: rfc.proposedAt,
    proposedBy: rfc.proposedBy,
    repo: rfc.repo,
    slug: rfc.slug,
    state: rfc.state,
    tags: rfc.tags,
    title: rfc.title,
    withdrawnAt: rfc.withdrawnAt,
    withdrawnBy: rfc.withdrawnBy,
  };
}

/** The full per-RFC document. */
export function apiRfc(
  ctx: SiteContext,
  rfc: RfcRecord,
  toc: TocEntry[],
  siteLink: (p: string) => string,
): ApiRfc {
  const s = apiSummary(ctx, rfc, siteLink);
  return {
    apiVersion: API_VERSION,
    arbiters: s.arbiters,
    body: rfc.body,
    bodySource: s.bodySource,
    branches: rfc.branches.map((b) => ({
      headSha: b.headSha,
      kind: b.kind,
      name: b.name,
      repo: b.repo,
      state: b.state,
      synthetic: b.synthetic,
    })),
    deletedOutOfBand: s.deletedOutOfBand,
    graduatedAt: s.graduatedAt,
    graduatedBy: s.graduatedBy,
    id: s.id,
    links: s.links,
    owners: s.owners,
    prCounts: s.prCounts,
    proposedAt: s.proposedAt,
    proposedBy: s.proposedBy,
    prs: rfc.prs.map((p) => ({
      authorLogin: p.authorLogin,
      base: p.base,
      closedAt: p.closedAt,
      createdAt: p.createdAt,
      head: p.head,
      kind: p.kind,
      mergedAt: p.mergedAt,
      mergedBy: p.mergedBy,
      number: p.number,
      openedBy: p.openedBy,
      repo: p.repo,
      state: p.state,
      supersededBy: p.supersededBy,
      supersededByLogin: p.supersededByLogin,
      supersedes: p.supersedes,
      title: p.title,
      updatedAt: p.updatedAt,
      url: p.url,
      withdrawnBy: p.withdrawnBy,
    })),
    repo: s.repo,
    slug: s.slug,
    state: s.state,
    tags: s.tags,
    title: s.title,
    toc,
    withdrawnAt: s.withdrawnAt,
    withdrawnBy: s.withdrawnBy,
  };
}

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const strs = { type: 'array', items: str } as const;
const int = { type: 'integer', minimum: 0 } as const;

function obj(properties: Record<string, unknown>, description?: string) {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
  };
}

const kind = { enum: ['propose', 'edit', 'metadata', 'claim', 'main', 'rfc', 'other'] };

const summaryProperties = {
  slug: str,
  title: str,
  state: { enum: ['super-draft', 'active', 'withdrawn'] },
  id: { type: ['integer', 'null'] },
  repo: nstr,
  owners: strs,
  arbiters: strs,
  tags: strs,
  proposedBy: nstr,
  proposedAt: nstr,
  graduatedBy: nstr,
  graduatedAt: nstr,
  withdrawnBy: nstr,
  withdrawnAt: nstr,
  bodySource: { enum: ['entry', 'rfc-repo'] },
  deletedOutOfBand: { type: 'boolean' },
  prCounts: obj({ open: int, merged: int, closed: int, withdrawn: int }),
  links: obj(
    { html: str, json: str, entry: str, source: str, edit: str, repo: nstr },
    'html and json are site links (relative to the site root unless the site was built with a base URL); the rest are Gitea URLs',
  ),
};

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** JSON Schema of `api/rfcs.json`. */
export const RFC_LIST_SCHEMA = {
  $schema: DRAFT,
  title: 'RFC list',
  description: 'Every RFC of the meta repo, sorted by slug (api/rfcs.json).',
  ...obj({
    apiVersion: { const: API_VERSION },
    giteaUrl: str,
    metaRepo: str,
    count: int,
    rfcs: { type: 'array', items: { $ref: '#/$defs/summary' } },
  }),
  $defs: { summary: obj(summaryProperties) },
};

/** JSON Schema of `api/rfcs/<slug>.json`. */
export const RFC_SCHEMA = {
  $schema: DRAFT,
  title: 'RFC',
  description:
    'One RFC with its Markdown body, table of contents, branches and pull requests (api/rfcs/<slug>.json).',
  ...obj({
    ...summaryProperties,
    apiVersion: { const: API_VERSION },
    body: {
      type: 'string',
      description: 'Markdown: the entry body, or RFC.md of the RFC repo when bodySource is rfc-repo',
    },
    toc: {
      type: 'array',
      items: obj({ level: { type: 'integer', minimum: 1, maximum: 6 }, id: str, text: str }),
    },
    branches: {
      type: 'array',
      items: obj({
        repo: str,
        name: str,
        kind,
        state: { enum: ['open', 'closed', 'deleted'] },
        headSha: nstr,
        synthetic: { type: 'boolean' },
      }),
    },
    prs: {
      type: 'array',
      items: obj({
        repo: str,
        number: { type: 'integer', minimum: 1 },
        title: str,
        kind,
        head: str,
        base: str,
        state: { enum: ['open', 'merged', 'closed', 'withdrawn'] },
        openedBy: str,
        authorLogin: str,
        url: str,
        createdAt: str,
        updatedAt: str,
        mergedAt: nstr,
        closedAt: nstr,
        mergedBy: nstr,
        supersedes: { type: 'array', items: { type: 'integer' } },
        supersededBy: { type: ['integer', 'null'] },
        supersededByLogin: nstr,
        withdrawnBy: nstr,
      }),
    },
  }),
};
