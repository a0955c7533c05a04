/**
 * Builds the static site from the artifact. Deterministic (same artifact and options, same
 * bytes) and incremental: `.rfc-site-manifest.json` in the output records the hash of every file
 * written and of every RFC's input, so a rebuild renders only RFCs whose record changed and
 * rewrites only files whose bytes changed.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFile, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stableJson } from '../cache/artifact.ts';
import type { Artifact, IdeaRecord, RfcRecord } from '../cache/model.ts';
import { API_VERSION, type ApiRfcList, apiSummary, RFC_LIST_SCHEMA, RFC_SCHEMA } from './api.ts';
import { FILTER_JS, ICON_SVG, SEARCH_JS, SITE_CSS } from './assets.ts';
import { atomFeed, feedEvents } from './feed.ts';
import { checkGiteaUrl, cmp, GiteaLinks } from './html.ts';
import { MarkdownRenderer, searchWords } from './markdown.ts';
import {
  indexPage,
  type PersonActivity,
  peoplePage,
  personPage,
  problemsPage,
  type SiteContext,
  searchPage,
  tagPage,
  tagsPage,
} from './pages.ts';
import { resolveInside, sitePaths } from './paths.ts';
import { readArtifactForSite } from './read.ts';
import { RenderHelper } from './render-pool.ts';
import {
  RfcFilesBuilder,
  type RfcFilesJob,
  type RfcFilesResult,
  type RfcFilesSetup,
  sha,
  utf8,
} from './rfc-files.ts';

/** Bump when templates change so an incremental build re-renders every RFC page. */
export const GENERATOR = 'rfc-actions-site/1';
export const MANIFEST = '.rfc-site-manifest.json';
/** Below this many bodies to render, starting a worker thread costs more than it saves. */
const PARALLEL_MIN = 200;
const CHUNK = 25;
/** One renderer per process: markdown-it and highlight.js setup is the expensive part. */
const renderer = new MarkdownRenderer();

export interface SiteOptions {
  /** the artifact directory (`cache-artifacts/`); ignored when `artifact` is given */
  cacheDir?: string;
  /** an artifact already in memory */
  artifact?: Artifact;
  outDir: string;
  /** where the site is published (`https://host/path/` or `/path/`): makes feed and API links absolute */
  baseUrl?: string;
  /**
   * also build RFC files on a helper worker thread when 200 or more need building (default false:
   * on a busy 2-core runner the second thread measured slower; falls back to one thread)
   */
  parallel?: boolean;
}

export interface SiteDeps {
  now?: () => number;
  /** wait until the helper worker is ready before rendering (tests use it to exercise both threads) */
  awaitHelper?: boolean;
  readArtifact?: (dir: string) => Promise<Artifact>;
}

export interface SiteBuildResult {
  outDir: string;
  rfcs: number;
  /** RFC bodies rendered this run (0 when every RFC is unchanged) */
  rendered: number;
  /** threads that rendered: 2 when the helper worker took part */
  threads: 1 | 2;
  pagesWritten: number;
  pagesUnchanged: number;
  pagesDeleted: number;
  /** site-relative paths written, sorted */
  written: string[];
  /** site-relative paths removed because nothing produces them any more, sorted */
  deleted: string[];
  warnings: string[];
  durationMs: number;
}

interface Manifest {
  generator: string;
  settings: string;
  files: Record<string, string>;
  inputs: Record<string, string>;
}

/**
 * Hash of one RFC record as it came from the artifact. Records read from disk always have the
 * same key order (the artifact is stable JSON), so this is stable from build to build; a record
 * built in memory with another key order only costs one extra render.
 */
function inputHash(record: RfcRecord): string {
  return sha(JSON.stringify(record));
}

function readManifest(outDir: string): { manifest: Manifest; text: string } | null {
  try {
    const text = readFileSync(resolveInside(outDir, MANIFEST), 'utf8');
    const m = JSON.parse(text) as Manifest;
    return m && typeof m.files === 'object' && typeof m.inputs === 'object' ? { manifest: m, text } : null;
  } catch {
    return null;
  }
}

/** Names of the files in one output directory (one readdir instead of a stat per page). */
function listing(outDir: string): (path: string) => boolean {
  const dirs = new Map<string, Set<string>>();
  return (path: string) => {
    const cut = path.lastIndexOf('/');
    const dir = cut < 0 ? '' : path.slice(0, cut);
    let names = dirs.get(dir);
    if (!names) {
      try {
        names = new Set(readdirSync(resolve(outDir, dir)));
      } catch {
        names = new Set();
      }
      dirs.set(dir, names);
    }
    return names.has(path.slice(cut + 1));
  };
}

/** Checks `--base-url` and returns it with a trailing slash (or undefined). */
export function normalizeBaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.startsWith('/') && !raw.startsWith('//')) return raw.endsWith('/') ? raw : `${raw}/`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch (cause) {
    throw new Error(`"--base-url" must be an http(s) URL or a path starting with "/", got "${raw}"`, {
      cause,
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`"--base-url" must be an http(s) URL or a path starting with "/", got "${raw}"`);
  }
  return u.href.endsWith('/') ? u.href : `${u.href}/`;
}

/** Everything that links to a person's page, so every linked login has one. */
function collectPeople(rfcs: RfcRecord[], ideas: IdeaRecord[]): Map<string, PersonActivity> {
  const persons = new Map<string, PersonActivity>();
  const get = (login: string | null | undefined): PersonActivity | null => {
    if (!login) return null;
    let a = persons.get(login);
    if (!a) {
      a = { owns: [], arbitrates: [], proposed: [], graduated: [], ideas: [], prs: [] };
      persons.set(login, a);
    }
    return a;
  };
  for (const rfc of rfcs) {
    for (const o of new Set(rfc.owners)) get(o)!.owns.push(rfc);
    for (const o of new Set(rfc.arbiters)) get(o)!.arbitrates.push(rfc);
    get(rfc.proposedBy)?.proposed.push(rfc);
    get(rfc.graduatedBy)?.graduated.push(rfc);
    for (const pr of rfc.prs) {
      get(pr.openedBy)?.prs.push({ rfc, pr });
      get(pr.mergedBy);
      get(pr.withdrawnBy);
      get(pr.supersededByLogin);
    }
  }
  for (const idea of ideas) get(idea.openedBy)?.ideas.push(idea);
  return persons;
}

/** Builds (or incrementally updates) the site in `outDir` from the artifact. */
export async function buildSite(options: SiteOptions, deps: SiteDeps = {}): Promise<SiteBuildResult> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const previous = readManifest(options.outDir);
  // A first build (or one after a generator change) renders everything: start the helper now so it
  // boots while the artifact is read, instead of after.
  const expectFull = previous === null || previous.manifest.generator !== GENERATOR;
  const early =
    options.parallel === true && expectFull && countRfcs(options) >= PARALLEL_MIN ? new RenderHelper() : null;
  try {
    return await build(options, deps, { now, started, previous, early });
  } finally {
    await early?.close();
  }
}

function countRfcs(options: SiteOptions): number {
  if (options.artifact) return options.artifact.rfcs.length;
  try {
    return readdirSync(join(options.cacheDir ?? '', 'rfcs')).length;
  } catch {
    return 0;
  }
}

async function build(
  options: SiteOptions,
  deps: SiteDeps,
  run: {
    now: () => number;
    started: number;
    previous: ReturnType<typeof readManifest>;
    early: RenderHelper | null;
  },
): Promise<SiteBuildResult> {
  const { now, started, previous } = run;
  let artifact = options.artifact;
  if (!artifact) {
    if (!options.cacheDir) throw new Error('no artifact: pass "--cache DIR" (the cache-artifacts directory)');
    artifact = await (deps.readArtifact ?? readArtifactForSite)(options.cacheDir);
  }
  const outDir = options.outDir;
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const giteaBase = checkGiteaUrl(artifact.meta.giteaUrl);
  const meta = artifact.meta;
  const ctx: SiteContext = { meta, links: new GiteaLinks(giteaBase, meta.defaultBranch || 'main') };
  const siteLink = (p: string) => (baseUrl ? `${baseUrl}${p}` : p);
  const warnings: string[] = [];

  const seen = new Set<string>();
  const rfcs: RfcRecord[] = [];
  for (const rfc of [...artifact.rfcs].sort((a, b) => cmp(a.slug, b.slug))) {
    const page = sitePaths.rfc(rfc.slug);
    if (seen.has(page)) {
      warnings.push(`duplicate slug "${rfc.slug}" in the artifact: only the first record is published`);
      continue;
    }
    seen.add(page);
    rfcs.push(rfc);
  }
  const ideas = [...artifact.ideas].sort((a, b) => a.number - b.number);
  const problems = [...artifact.problems].sort((a, b) => cmp(a.file, b.file));

  const old = previous?.manifest ?? null;
  const settings = sha(
    JSON.stringify([GENERATOR, baseUrl ?? '', giteaBase, meta.metaRepo, meta.defaultBranch]),
  );
  const reuseInputs = old !== null && old.generator === GENERATOR && old.settings === settings;
  const next: Manifest = { generator: GENERATOR, settings, files: {}, inputs: {} };
  const written: string[] = [];
  let unchanged = 0;
  const dirs = new Set<string>();

  const onDisk = listing(outDir);
  const emit = (path: string, text: string) => {
    const content = utf8(text);
    const hash = sha(content);
    next.files[path] = hash;
    if (old?.files[path] === hash && onDisk(path)) {
      unchanged++;
      return;
    }
    const target = resolveInside(outDir, path);
    const dir = dirname(target);
    if (!dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
    // Writes run on libuv's thread pool while the next pages render; awaited in batches to bound memory.
    pending.push(new Promise<void>((ok, fail) => writeFile(target, content, (e) => (e ? fail(e) : ok()))));
    written.push(path);
  };
  const pending: Promise<void>[] = [];
  const drain = async () => {
    if (pending.length) await Promise.all(pending.splice(0));
  };

  const todo: RfcFilesJob[] = [];
  for (const rfc of rfcs) {
    const input = inputHash(rfc);
    next.inputs[rfc.slug] = input;
    const page = sitePaths.rfc(rfc.slug);
    const json = sitePaths.rfcJson(rfc.slug);
    const oldPage = old?.files[page] && onDisk(page) ? old.files[page] : undefined;
    const oldJson = old?.files[json] && onDisk(json) ? old.files[json] : undefined;
    if (reuseInputs && old.inputs[rfc.slug] === input && oldPage && oldJson) {
      next.files[page] = oldPage;
      next.files[json] = oldJson;
      unchanged += 2;
    } else {
      todo.push({ rfc, oldPage, oldJson });
    }
  }

  const setup: RfcFilesSetup = { meta, giteaBase, baseUrl, outDir };
  const builder = new RfcFilesBuilder(setup, renderer, (path, content) => {
    const target = resolveInside(outDir, path);
    // Writes run on libuv's thread pool while the next pages render (creating files is slow on some disks).
    pending.push(new Promise<void>((ok, fail) => writeFile(target, content, (e) => (e ? fail(e) : ok()))));
  });
  if (todo.length) {
    mkdirSync(resolveInside(outDir, 'rfcs'), { recursive: true });
    mkdirSync(resolveInside(outDir, 'api/rfcs'), { recursive: true });
  }
  const record = (chunk: RfcFilesJob[], results: RfcFilesResult[]) => {
    for (const [i, { rfc }] of chunk.entries()) {
      const r = results[i]!;
      const page = sitePaths.rfc(rfc.slug);
      const json = sitePaths.rfcJson(rfc.slug);
      next.files[page] = r.pageHash;
      next.files[json] = r.jsonHash;
      if (r.pageWritten) written.push(page);
      else unchanged++;
      if (r.jsonWritten) written.push(json);
      else unchanged++;
    }
  };
  const chunks: RfcFilesJob[][] = [];
  for (let i = 0; i < todo.length; i += CHUNK) chunks.push(todo.slice(i, i + CHUNK));
  let nextChunk = 0;
  let threads: 1 | 2 = 1;
  const wanted = options.parallel === true && todo.length >= PARALLEL_MIN;
  const helper = wanted ? (run.early ?? new RenderHelper()) : null;
  try {
    // Chunks go to whoever is free: the worker joins when ready, the main thread never waits for it.
    const helped = (async () => {
      if (!helper || !(await helper.ready)) return;
      helper.setup(setup);
      threads = 2;
      while (nextChunk < chunks.length) {
        const chunk = chunks[nextChunk++]!;
        try {
          record(chunk, await helper.build(chunk));
        } catch (e) {
          // A worker that fails mid-build hands its chunk back to the main thread.
          warnings.push(`render worker failed (${(e as Error).message}); continuing on one thread`);
          record(chunk, builder.build(chunk));
          return;
        }
      }
    })();
    if (helper && deps.awaitHelper) await helper.ready;
    while (nextChunk < chunks.length) {
      const chunk = chunks[nextChunk++]!;
      record(chunk, builder.build(chunk));
      if (pending.length >= 256) await drain();
      else await new Promise((resolve) => setImmediate(resolve));
    }
    await helped;
  } finally {
    if (helper !== run.early) await helper?.close();
  }
  const rendered = todo.length;

  const tags = new Map<string, RfcRecord[]>();
  for (const rfc of rfcs) {
    for (const t of new Set(rfc.tags)) {
      const list = tags.get(t);
      if (list) list.push(rfc);
      else tags.set(t, [rfc]);
    }
  }
  const persons = collectPeople(rfcs, ideas);

  emit(sitePaths.index, indexPage(ctx, rfcs, ideas, problems));
  emit(sitePaths.tags, tagsPage(ctx, tags));
  for (const [tag, list] of tags) emit(sitePaths.tag(tag), tagPage(ctx, tag, list));
  emit(sitePaths.people, peoplePage(ctx, persons));
  for (const [login, activity] of persons) emit(sitePaths.person(login), personPage(ctx, login, activity));
  emit(sitePaths.problems, problemsPage(ctx, problems));
  emit(sitePaths.search, searchPage(ctx));
  const oldDocs = reuseInputs
    ? previousSearchDocs(outDir, old.files[sitePaths.searchIndex])
    : new Map<string, SearchDoc>();
  emit(
    sitePaths.searchIndex,
    searchIndexJs(rfcs, (rfc) =>
      old?.inputs[rfc.slug] === next.inputs[rfc.slug] ? oldDocs.get(rfc.slug) : undefined,
    ),
  );
  emit(
    sitePaths.feed,
    atomFeed(meta, ctx.links, feedEvents(meta, ctx.links, rfcs, ideas, siteLink), siteLink),
  );
  const list: ApiRfcList = {
    apiVersion: API_VERSION,
    giteaUrl: giteaBase,
    metaRepo: meta.metaRepo,
    count: rfcs.length,
    rfcs: rfcs.map((rfc) => apiSummary(ctx, rfc, siteLink)),
  };
  emit(sitePaths.apiList, stableJson(list));
  emit(sitePaths.apiListSchema, stableJson(RFC_LIST_SCHEMA));
  emit(sitePaths.apiRfcSchema, stableJson(RFC_SCHEMA));
  emit(sitePaths.css, SITE_CSS);
  emit(sitePaths.icon, ICON_SVG);
  emit(sitePaths.filterJs, FILTER_JS);
  emit(sitePaths.searchJs, SEARCH_JS);

  await drain();
  const deleted: string[] = [];
  for (const path of Object.keys(old?.files ?? {})) {
    if (path in next.files) continue;
    let target: string;
    try {
      target = resolveInside(outDir, path);
    } catch {
      warnings.push(`ignored "${path}" in ${MANIFEST}: it is outside the output directory`);
      continue;
    }
    try {
      unlinkSync(target);
      deleted.push(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const manifestText = stableJson(next);
  if (previous?.text !== manifestText) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(resolveInside(outDir, MANIFEST), manifestText);
  }
  written.sort(cmp);
  deleted.sort(cmp);
  return {
    outDir,
    rfcs: rfcs.length,
    rendered,
    threads,
    pagesWritten: written.length,
    pagesUnchanged: unchanged,
    pagesDeleted: deleted.length,
    written,
    deleted,
    warnings,
    durationMs: Math.round((now() - started) * 10) / 10,
  };
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

type SearchDoc = [string, string, string, string, number | null, string[], string[], string];
const SEARCH_PREFIX = 'window.RFC_SEARCH = ';

function searchDoc(rfc: RfcRecord): SearchDoc {
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

/** The documents of the previous build's search index, by slug, when the file is exactly what the manifest says. */
function previousSearchDocs(outDir: string, hash: string | undefined): Map<string, SearchDoc> {
  const docs = new Map<string, SearchDoc>();
  if (!hash) return docs;
  try {
    const text = readFileSync(resolveInside(outDir, sitePaths.searchIndex), 'utf8');
    if (sha(text) !== hash || !text.startsWith(SEARCH_PREFIX)) return docs;
    const data = JSON.parse(text.slice(SEARCH_PREFIX.length, text.lastIndexOf(';'))) as { docs: SearchDoc[] };
    for (const d of data.docs) docs.set(d[SEARCH_FIELDS.slug], d);
  } catch {
    docs.clear();
  }
  return docs;
}

/**
 * `assets/search-index.js`: a script (not JSON) so it also loads from `file://`, where fetch is
 * blocked. `reuse` returns a document from the previous build for an unchanged RFC.
 */
export function searchIndexJs(
  rfcs: RfcRecord[],
  reuse: (rfc: RfcRecord) => SearchDoc | undefined = () => undefined,
): string {
  const docs = rfcs.map((rfc) => reuse(rfc) ?? searchDoc(rfc));
  // JSON is valid JavaScript; escaping "<" keeps the file inert even if served as HTML by mistake.
  const json = JSON.stringify({ fields: SEARCH_FIELDS, docs }).replace(/</g, '\\u003c');
  return `${SEARCH_PREFIX}${json};\n`;
}
