/**
 * The two files of one RFC (its page and its JSON), built, hashed and written by whichever thread
 * renders it: the main thread or the helper worker. Both run exactly this code, so the output does
 * not depend on who built it.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { stableJson } from '../cache/artifact.ts';
import type { ArtifactMeta, RfcRecord } from '../cache/model.ts';
import { apiRfc } from './api.ts';
import { GiteaLinks } from './html.ts';
import type { LinkBase, MarkdownRenderer } from './markdown.ts';
import { bodyLocation, rfcPage, type SiteContext } from './pages.ts';
import { resolveInside, sitePaths } from './paths.ts';

/** What a thread needs to build RFC files (plain data, so it can be posted to a worker). */
export interface RfcFilesSetup {
  meta: ArtifactMeta;
  giteaBase: string;
  baseUrl: string | undefined;
  outDir: string;
}

/** One RFC to build, with the hashes of its files already on disk (absent when missing). */
export interface RfcFilesJob {
  rfc: RfcRecord;
  oldPage?: string;
  oldJson?: string;
}

/** The outcome for one RFC: the new hashes and which of the two files were (re)written. */
export interface RfcFilesResult {
  pageHash: string;
  jsonHash: string;
  pageWritten: boolean;
  jsonWritten: boolean;
}

/** Content hash for change detection (not a security boundary); same digest for a string and its UTF-8 bytes. */
export function sha(content: string | Uint8Array): string {
  return createHash('sha1').update(content).digest('hex');
}

/** UTF-8 bytes of a file's content: hashed and written from the same buffer, so the text is encoded once. */
export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Where relative links and images of an RFC's body resolve in Gitea. */
export function linkBase(ctx: SiteContext, rfc: RfcRecord): LinkBase {
  const loc = bodyLocation(ctx, rfc);
  const dir = loc.path.includes('/') ? loc.path.slice(0, loc.path.lastIndexOf('/')) : '';
  const srcRoot = `${ctx.links.src(loc.repo, '', loc.branch)}/`;
  const rawRoot = `${ctx.links.raw(loc.repo, '', loc.branch).replace(/\/$/, '')}/`;
  return {
    srcRoot,
    rawRoot,
    src: dir ? `${ctx.links.src(loc.repo, dir, loc.branch)}/` : srcRoot,
    raw: dir ? `${ctx.links.raw(loc.repo, dir, loc.branch)}/` : rawRoot,
  };
}

/** Builds RFC files for one thread; the parent directories must exist. */
export class RfcFilesBuilder {
  readonly ctx: SiteContext;
  private readonly siteLink: (p: string) => string;

  /** `write` stores one file under `outDir` (the main thread queues asynchronous writes; the worker writes synchronously). */
  constructor(
    readonly setup: RfcFilesSetup,
    private readonly renderer: MarkdownRenderer,
    private readonly write: (path: string, content: Uint8Array) => void = (path, content) =>
      writeFileSync(resolveInside(setup.outDir, path), content),
  ) {
    this.ctx = {
      meta: setup.meta,
      links: new GiteaLinks(setup.giteaBase, setup.meta.defaultBranch || 'main'),
    };
    const base = setup.baseUrl;
    this.siteLink = (p) => (base ? `${base}${p}` : p);
  }

  /** Renders, hashes and writes (when changed) the page and JSON of each job. */
  build(jobs: RfcFilesJob[]): RfcFilesResult[] {
    return jobs.map(({ rfc, oldPage, oldJson }) => {
      const body = this.renderer.render(rfc.body, linkBase(this.ctx, rfc));
      const page = utf8(rfcPage(this.ctx, rfc, body));
      const json = utf8(stableJson(apiRfc(this.ctx, rfc, body.toc, this.siteLink)));
      const pageHash = sha(page);
      const jsonHash = sha(json);
      const pageWritten = pageHash !== oldPage;
      const jsonWritten = jsonHash !== oldJson;
      if (pageWritten) this.write(sitePaths.rfc(rfc.slug), page);
      if (jsonWritten) this.write(sitePaths.rfcJson(rfc.slug), json);
      return { pageHash, jsonHash, pageWritten, jsonWritten };
    });
  }
}
