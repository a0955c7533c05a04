/**
 * The two files of one RFC (its page and its JSON), built and written (when changed) by whichever thread
 * renders it: the main thread or the helper worker. Both run exactly this code, so the output does
 * not depend on who built it.
 */

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ArtifactMeta, RfcRecord } from '../cache/model.ts';
import { apiJson, apiRfc } from './api.ts';
import { GiteaLinks } from './html.ts';
import { type LinkBase, type MarkdownRenderer, type RenderedBody, searchWords } from './markdown.ts';
import { bodyLocation, rfcPage, type SiteContext } from './pages.ts';
import { resolveInside, sitePaths } from './paths.ts';
import { parseRfcFile, type RfcFileSet, rfcFileHash } from './read.ts';

/** What a thread needs to build RFC files (plain data, so it can be posted to a worker). */
export interface RfcFilesSetup {
  meta: ArtifactMeta;
  giteaBase: string;
  baseUrl: string | undefined;
  outDir: string;
  /**
   * site paths of the RFC pages and JSON files an earlier build left (taken before this build
   * wrote anything): each is read and compared before it is written, so unchanged bytes are not
   * rewritten
   */
  existing: string[];
}

/** Where a build's RFC records come from, in a form that can be posted to a worker. */
export type RfcSource =
  /** records already in memory (cloned when posted) */
  | { kind: 'records'; rfcs: RfcRecord[] }
  /** the artifact's files as shared bytes, parsed by the thread that builds each one */
  | { kind: 'files'; files: RfcFileSet };

/**
 * The RFC records of a source by index, parsed from the files when first asked for: kept for
 * later calls, or (`keep: false`, the worker, which asks once for each record it builds) not.
 */
export class RfcRecords {
  private readonly parsed: (RfcRecord | undefined)[];

  constructor(
    readonly source: RfcSource,
    private readonly keep = true,
  ) {
    this.parsed = source.kind === 'records' ? source.rfcs : new Array(source.files.names.length);
  }

  get count(): number {
    return this.parsed.length;
  }

  record(i: number): RfcRecord {
    let rfc = this.parsed[i];
    if (!rfc && this.source.kind === 'files') {
      rfc = parseRfcFile(this.source.files, i);
      if (this.keep) this.parsed[i] = rfc;
    }
    return rfc!;
  }

  /** The input hash of record `i`: of its file's bytes, or of the record when it came from memory. */
  input(i: number): string {
    return this.source.kind === 'files' ? rfcFileHash(this.source.files, i) : inputHash(this.record(i));
  }
}

/** One RFC to build: its index in the source. */
export interface RfcFilesJob {
  index: number;
  /** its input hash when the caller already has it */
  input?: string;
  /**
   * how its two files meet the disk: by default each is compared with the file there when
   * `existing` lists it; `compare` always compares; `overwrite` writes without comparing
   */
  disk?: 'compare' | 'overwrite';
}

/** Job `i` of a list of jobs, where a number `n` stands for every record of the source, 0 to n - 1. */
export function jobAt(jobs: RfcFilesJob[] | number, i: number): RfcFilesJob {
  return typeof jobs === 'number' ? { index: i } : jobs[i]!;
}

/** How many jobs a list of jobs (or a count, as for `jobAt`) holds. */
export function jobCount(jobs: RfcFilesJob[] | number): number {
  return typeof jobs === 'number' ? jobs : jobs.length;
}

/** The outcome for one RFC: its input hash, which of the two files were (re)written, and its search document. */
export interface RfcFilesResult {
  input: string;
  pageWritten: boolean;
  jsonWritten: boolean;
  /** the RFC's entry of the search index, serialized (`searchDocJson`) */
  search: string;
}

/** Content hash for change detection (not a security boundary); same digest for a string and its UTF-8 bytes. */
export function sha(content: string | Uint8Array): string {
  return createHash('sha1').update(content).digest('hex');
}

/**
 * Hash of one RFC record as it came from the artifact. Records read from disk always have the
 * same key order (the artifact is stable JSON), so this is stable from build to build; a record
 * built in memory with another key order only costs one extra render.
 */
export function inputHash(record: RfcRecord): string {
  return sha(JSON.stringify(record));
}

/**
 * Writes `text` to `target` unless the file there already holds exactly its UTF-8 bytes; true
 * when written. Comparing with the file itself (only when an earlier build left one) costs no
 * hash of every page in a full build, and restores a file changed by hand whenever it is compared.
 * `beforeWrite` runs before anything is written.
 */
export function writeIfChanged(
  target: string,
  text: string,
  onDisk: boolean,
  beforeWrite?: () => void,
): boolean {
  if (onDisk) {
    let old: Buffer | null = null;
    try {
      old = readFileSync(target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // Bytes, not decoded text: an invalid byte in the old file must not pass for U+FFFD.
    if (old && old.length === Buffer.byteLength(text) && old.equals(Buffer.from(text, 'utf8'))) return false;
  }
  beforeWrite?.();
  // A string takes Node's native UTF-8 write path: no Buffer is made in JavaScript.
  writeFileSync(target, text);
  return true;
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
  private readonly existing: Set<string>;

  constructor(
    readonly setup: RfcFilesSetup,
    private readonly renderer: MarkdownRenderer,
  ) {
    this.ctx = {
      meta: setup.meta,
      links: new GiteaLinks(setup.giteaBase, setup.meta.defaultBranch || 'main'),
    };
    const base = setup.baseUrl;
    this.siteLink = (p) => (base ? `${base}${p}` : p);
    this.existing = new Set(setup.existing);
  }

  /** Renders the page and JSON of one RFC and writes each one whose bytes changed. */
  buildOne(records: RfcRecords, job: RfcFilesJob): RfcFilesResult {
    return this.buildBatch(records, [job])[0]!;
  }

  /**
   * `buildOne` for several RFCs: every body is rendered first, then the files are built. Rendering
   * in a row keeps markdown-it and highlight.js hot in the CPU caches.
   */
  buildBatch(records: RfcRecords, jobs: RfcFilesJob[]): RfcFilesResult[] {
    const rfcs = jobs.map((j) => records.record(j.index));
    const bodies = rfcs.map((rfc) => this.renderer.render(rfc.body, linkBase(this.ctx, rfc)));
    return jobs.map((j, k) => this.finish(records, j, rfcs[k]!, bodies[k]!));
  }

  private finish(records: RfcRecords, job: RfcFilesJob, rfc: RfcRecord, body: RenderedBody): RfcFilesResult {
    const page = rfcPage(this.ctx, rfc, body);
    const json = apiJson(apiRfc(this.ctx, rfc, body.toc, this.siteLink));
    const out = this.setup.outDir;
    const pagePath = sitePaths.rfc(rfc.slug);
    const jsonPath = sitePaths.rfcJson(rfc.slug);
    const compare = (path: string) =>
      job.disk === 'compare' || (job.disk !== 'overwrite' && this.existing.has(path));
    return {
      input: job.input ?? records.input(job.index),
      pageWritten: writeIfChanged(resolveInside(out, pagePath), page, compare(pagePath)),
      jsonWritten: writeIfChanged(resolveInside(out, jsonPath), json, compare(jsonPath)),
      search: searchDocJson(searchDoc(rfc)),
    };
  }
}

/** Field positions of one search document (kept short: the index ships to the browser). */
export const SEARCH_FIELDS = {
  path: 0,
  title: 1,
  slug: 2,
  state: 3,
  id: 4,
  tags: 5,
  people: 6,
  words: 7,
} as const;

export type SearchDoc = [string, string, string, string, number | null, string[], string[], string];

/** One RFC's search document: its page, title, slug, state, id, tags, people and body words. */
export function searchDoc(rfc: RfcRecord): SearchDoc {
  return [
    sitePaths.rfc(rfc.slug),
    rfc.title,
    rfc.slug,
    rfc.state,
    rfc.id,
    rfc.tags,
    [...new Set([...rfc.owners, ...rfc.arbiters, ...(rfc.proposedBy ? [rfc.proposedBy] : [])])],
    searchWords(`${rfc.title}\n${rfc.body}`).join(' '),
  ];
}

/** A search document as it appears in `assets/search-index.js`. */
export function searchDocJson(doc: SearchDoc): string {
  // JSON is valid JavaScript; escaping "<" keeps the file inert even if served as HTML by mistake.
  return JSON.stringify(doc).replace(/</g, '\\u003c');
}
