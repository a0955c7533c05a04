import { describe, expect, it } from 'vitest';
import { stableJson } from '../cache/artifact.ts';
import { type ApiRfcList, apiJson, apiRfc, apiSummary } from './api.ts';
import { GiteaLinks } from './html.ts';
import { MarkdownRenderer } from './markdown.ts';
import type { SiteContext } from './pages.ts';
import { linkBase } from './rfc-files.ts';
import { sampleArtifact } from './sample.ts';

describe('apiJson', () => {
  it.each([
    ['no base URL', undefined],
    ['a base URL', 'https://rfcs.example.org/site/'],
  ])('writes the same text as stableJson for every RFC and the list (%s)', (_name, base) => {
    const a = sampleArtifact({ rfcs: 60, seed: 12 });
    // Fields that are null in most records, set here so their keys are checked too.
    a.rfcs[0]!.graduatedAt = '2026-01-02';
    a.rfcs[0]!.deletedOutOfBand = true;
    const ctx: SiteContext = { meta: a.meta, links: new GiteaLinks(a.meta.giteaUrl, a.meta.defaultBranch) };
    const siteLink = (p: string) => (base ? `${base}${p}` : p);
    const md = new MarkdownRenderer();
    for (const rfc of a.rfcs) {
      const doc = apiRfc(ctx, rfc, md.render(rfc.body, linkBase(ctx, rfc)).toc, siteLink);
      expect(apiJson(doc), rfc.slug).toBe(stableJson(doc));
    }
    const list: ApiRfcList = {
      apiVersion: 1,
      count: a.rfcs.length,
      giteaUrl: a.meta.giteaUrl,
      metaRepo: a.meta.metaRepo,
      rfcs: a.rfcs.map((rfc) => apiSummary(ctx, rfc, siteLink)),
    };
    expect(apiJson(list)).toBe(stableJson(list));
  });

  it('would differ from stableJson for a document built out of key order (the test above can fail)', () => {
    const doc = { title: 'b', slug: 'a' } as unknown as ApiRfcList;
    expect(apiJson(doc)).not.toBe(stableJson(doc));
  });
});
