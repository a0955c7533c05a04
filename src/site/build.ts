/**
 * Builds the static site from the artifact. Deterministic (same artifact and options, same
 * bytes) and incremental: `.rfc-site-manifest.json` in the output lists every file written and
 * the hash of every RFC's input, so a rebuild renders only RFCs whose record changed and
 * rewrites only files whose bytes differ from the file on disk.
 */

import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stableJson } from '../cache/artifact.ts';
import type { Artifact, IdeaRecord, RfcRecord } from '../cache/model.ts';
import { API_VERSION, type ApiRfcList, apiJson, apiSummary, RFC_LIST_SCHEMA, RFC_SCHEMA } from './api.ts';
import { FILTER_JS, ICON_SVG, SEARCH_JS, SITE_CSS } from './assets.ts';
import { atomFeed, feedEvents } from './feed.ts';
import { checkGiteaUrl, cmp, GiteaLinks } from './html.ts';
import { MarkdownRenderer } from './markdown.ts';
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
import { readSiteArtifactFiles, type SiteArtifactFiles } from './read.ts';
import { claimBatches, type HelperRun, NEXT, STATE, sharedHelper, WORKING } from './render-pool.ts';
import {
  jobAt,
  jobCount,
  RfcFilesBuilder,
  type RfcFilesJob,
  type RfcFilesResult,
  type RfcFilesSetup,
  RfcRecords,
  type RfcSource,
  SEARCH_FIELDS,
  type SearchDoc,
  searchDoc,
  searchDocJson,
  sha,
  writeIfChanged,
} from './rfc-files.ts';

export { SEARCH_FIELDS } from './rfc-files.ts';

/** Bump when templates change so an incremental build re-renders every RFC page. */
export const GENERATOR = 'rfc-actions-site/3';
export const MANIFEST = '.rfc-site-manifest.json';
/** The generator a manifest names while the build that wrote it is under way or was stopped. */
const UNFINISHED = 'rfc-actions-site/unfinished';
/** Below this many bodies to render, starting a worker thread costs more than it saves. */
const PARALLEL_MIN = 200;
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
   * build RFC files on a helper worker thread too when 200 or more need building (default true;
   * `false` keeps the build on one thread; without a worker file it falls back to one thread)
   */
  parallel?: boolean;
}

export interface SiteDeps {
  now?: () => number;
  /** wait until the helper worker has begun before the main thread builds (tests use it to exercise both threads) */
  awaitHelper?: boolean;
  readArtifact?: (dir: string) => Promise<Artifact>;
  /** the helper worker's script (default: `render-worker.js`, else `render-worker.ts`, beside `render-pool`) */
  workerUrl?: URL;
}

export interface SiteBuildResult {
  outDir: string;
  rfcs: number;
  /** RFCs built (their bodies rendered) this run (0 when every RFC is unchanged) */
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
  /**
   * every file the build wrote or kept, sorted (`paths`, not generator 1's `files`: an older
   * generator that finds no `files` deletes nothing)
   */
  paths: string[];
  /** input hash of every RFC, by slug */
  inputs: Record<string, string>;
  /** hash of `assets/search-index.js`: its documents are reused only when the file is intact */
  searchIndex: string;
}

function readManifest(outDir: string): { manifest: Manifest; text: string } | null {
  try {
    const text = readFileSync(resolveInside(outDir, MANIFEST), 'utf8');
    const m = JSON.parse(text) as Partial<Manifest> & { files?: unknown };
    if (!m || typeof m !== 'object' || typeof m.inputs !== 'object' || m.inputs === null) return null;
    // Generator 1 kept a hash per file (`files`): its paths still say what a build may delete.
    const paths = Array.isArray(m.paths)
      ? m.paths.filter((f): f is string => typeof f === 'string')
      : m.files && typeof m.files === 'object' && !Array.isArray(m.files)
        ? Object.keys(m.files)
        : null;
    if (!paths) return null;
    const manifest: Manifest = {
      generator: String(m.generator),
      settings: String(m.settings),
      paths,
      inputs: m.inputs,
      searchIndex: typeof m.searchIndex === 'string' ? m.searchIndex : '',
    };
    return { manifest, text };
  } catch {
    return null;
  }
}

/** What the output directory held before the build: one readdir per directory instead of a stat per page. */
function listing(outDir: string): { has(path: string): boolean; paths(dir: string): string[] } {
  const dirs = new Map<string, Set<string>>();
  const names = (dir: string) => {
    let set = dirs.get(dir);
    if (!set) {
      try {
        set = new Set(readdirSync(resolve(outDir, dir)));
      } catch {
        set = new Set();
      }
      dirs.set(dir, set);
    }
    return set;
  };
  return {
    has: (path) => {
      const cut = path.lastIndexOf('/');
      return names(cut < 0 ? '' : path.slice(0, cut)).has(path.slice(cut + 1));
    },
    paths: (dir) => [...names(dir)].map((n) => `${dir}/${n}`),
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
      a = { owns: [], arbitrates: [], proposed: [], graduated: [], withdrew: [], ideas: [], prs: [] };
      persons.set(login, a);
    }
    return a;
  };
  for (const rfc of rfcs) {
    for (const o of new Set(rfc.owners)) get(o)!.owns.push(rfc);
    for (const o of new Set(rfc.arbiters)) get(o)!.arbitrates.push(rfc);
    get(rfc.proposedBy)?.proposed.push(rfc);
    get(rfc.graduatedBy)?.graduated.push(rfc);
    get(rfc.withdrawnBy)?.withdrew.push(rfc);
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
  // loads while the artifact is read, instead of after.
  const expectFull = previous === null || previous.manifest.generator !== GENERATOR;
  if (options.parallel !== false && expectFull && countRfcs(options) >= PARALLEL_MIN)
    sharedHelper(deps.workerUrl);
  return await build(options, deps, { now, started, previous });
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
  },
): Promise<SiteBuildResult> {
  const { now, started, previous } = run;
  let artifact = options.artifact;
  let read: SiteArtifactFiles | null = null;
  if (!artifact) {
    if (!options.cacheDir) throw new Error('no artifact: pass "--cache DIR" (the cache-artifacts directory)');
    if (deps.readArtifact) artifact = await deps.readArtifact(options.cacheDir);
    else read = readSiteArtifactFiles(options.cacheDir);
  }
  const meta = read?.meta ?? artifact!.meta;
  const source: RfcSource = read
    ? { kind: 'files', files: read.files }
    : { kind: 'records', rfcs: artifact!.rfcs };
  const records = new RfcRecords(source);
  const outDir = options.outDir;
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const giteaBase = checkGiteaUrl(meta.giteaUrl);
  const ctx: SiteContext = { meta, links: new GiteaLinks(giteaBase, meta.defaultBranch || 'main') };
  const siteLink = (p: string) => (baseUrl ? `${baseUrl}${p}` : p);
  const warnings: string[] = [];

  const old = previous?.manifest ?? null;
  const settings = sha(
    JSON.stringify([GENERATOR, baseUrl ?? '', giteaBase, meta.metaRepo, meta.defaultBranch]),
  );
  const reuseInputs = old !== null && old.generator === GENERATOR && old.settings === settings;
  const oldFiles = new Set(old?.paths ?? []);
  /**
   * Replaces the previous manifest before the first write with one that trusts no input hash but
   * keeps its list of files: a build that stops half-way then leaves a manifest the next build
   * takes nothing from but what it may delete, so it compares every file instead of trusting input
   * hashes of files this one may have changed, and still removes pages of RFCs gone since.
   */
  let manifestRemoved = false;
  const beforeWrites = () => {
    if (manifestRemoved) return;
    manifestRemoved = true;
    if (!previous) return;
    const unfinished: Manifest = {
      generator: UNFINISHED,
      settings: '',
      paths: old!.paths,
      inputs: {},
      searchIndex: '',
    };
    writeFileSync(resolveInside(outDir, MANIFEST), stableJson(unfinished));
  };
  const onDisk = listing(outDir);
  const setup: RfcFilesSetup = {
    meta,
    giteaBase,
    baseUrl,
    outDir,
    existing: [...onDisk.paths('rfcs'), ...onDisk.paths('api/rfcs')],
  };
  const makeDirs = () => {
    beforeWrites();
    mkdirSync(resolveInside(outDir, 'rfcs'), { recursive: true });
    mkdirSync(resolveInside(outDir, 'api/rfcs'), { recursive: true });
  };

  const shared = new Int32Array(new SharedArrayBuffer(8));
  const parallel = options.parallel !== false;
  let helper: HelperRun | null = null;
  /**
   * A full build of an artifact read from disk hands the worker every RFC file before any is
   * parsed: it parses the ones it claims from the shared bytes while this thread parses them all
   * (the list pages need every record), so the worker starts at once and nothing is copied. Two
   * files with one slug are both built then, and the first one's files are rebuilt at the end.
   */
  const early = read !== null && !reuseInputs && parallel && records.count >= PARALLEL_MIN;
  if (early) {
    makeDirs();
    helper = sharedHelper(deps.workerUrl).run(setup, source, records.count, shared);
  }
  try {
    return await buildWith();
  } catch (e) {
    if (helper) {
      // Stop the worker claiming and let it finish what it holds before the error leaves the build.
      Atomics.store(shared, NEXT, 0x3fff_0000);
      await helper.finish();
    }
    throw e;
  }

  async function buildWith(): Promise<SiteBuildResult> {
    const order: number[] = [];
    for (let i = 0; i < records.count; i++) {
      records.record(i);
      order.push(i);
    }
    // Stable: records with one slug keep the order of their files.
    order.sort((a, b) => cmp(records.record(a).slug, records.record(b).slug));
    const byPage = new Map<string, number>();
    const rfcs: RfcRecord[] = [];
    /** record indices published under a page path another record claimed first */
    const dropped = new Set<number>();
    /** record indices that won their page path over a later record */
    const contested = new Set<number>();
    for (const i of order) {
      const rfc = records.record(i);
      const page = sitePaths.rfc(rfc.slug);
      const first = byPage.get(page);
      if (first !== undefined) {
        warnings.push(`duplicate slug "${rfc.slug}" in the artifact: only the first record is published`);
        dropped.add(i);
        contested.add(first);
        continue;
      }
      byPage.set(page, i);
      rfcs.push(rfc);
    }
    const ideas = [...(read?.ideas ?? artifact!.ideas)].sort((a, b) => a.number - b.number);
    const problems = [...(read?.problems ?? artifact!.problems)].sort((a, b) => cmp(a.file, b.file));

    const files = new Set<string>();
    const inputs: Record<string, string> = {};
    const written: string[] = [];
    let unchanged = 0;
    const dirs = new Set<string>();

    const emit = (path: string, text: string) => {
      files.add(path);
      const target = resolveInside(outDir, path);
      const dir = dirname(target);
      if (!dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      if (writeIfChanged(target, text, onDisk.has(path), beforeWrites)) written.push(path);
      else unchanged++;
    };

    /** Serialized search documents of RFCs that are not rebuilt, reused from the previous index. */
    const keptDocs = new Map<string, string>();
    const oldDocs = reuseInputs ? previousSearchDocs(outDir, old.searchIndex) : new Map<string, SearchDoc>();
    const todo: RfcFilesJob[] = [];
    for (const rfc of rfcs) {
      const page = sitePaths.rfc(rfc.slug);
      const index = byPage.get(page)!;
      const json = sitePaths.rfcJson(rfc.slug);
      files.add(page);
      files.add(json);
      if (early) continue;
      if (!reuseInputs) {
        todo.push({ index });
        continue;
      }
      const input = records.input(index);
      inputs[rfc.slug] = input;
      if (
        old.inputs[rfc.slug] === input &&
        onDisk.has(page) &&
        onDisk.has(json) &&
        oldFiles.has(page) &&
        oldFiles.has(json)
      ) {
        unchanged += 2;
        const doc = oldDocs.get(rfc.slug);
        keptDocs.set(rfc.slug, searchDocJson(doc ?? searchDoc(rfc)));
      } else {
        todo.push({ index, input });
      }
    }
    /** Early: every record, in file order (`jobAt`); else the winners that need building. */
    const jobs: RfcFilesJob[] | number = early ? records.count : todo;
    const count = jobCount(jobs);

    const builder = new RfcFilesBuilder(setup, renderer);
    if (count && !early) makeDirs();
    const builtDocs = new Map<string, string>();
    const record = (rfc: RfcRecord, r: RfcFilesResult) => {
      inputs[rfc.slug] = r.input;
      builtDocs.set(rfc.slug, r.search);
      if (r.pageWritten) written.push(sitePaths.rfc(rfc.slug));
      else unchanged++;
      if (r.jsonWritten) written.push(sitePaths.rfcJson(rfc.slug));
      else unchanged++;
    };

    /** Every page and file that lists many RFCs, except the search index (it needs every RFC's document). */
    const listPages = () => {
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
      for (const [login, activity] of persons)
        emit(sitePaths.person(login), personPage(ctx, login, activity));
      emit(sitePaths.problems, problemsPage(ctx, problems));
      emit(sitePaths.search, searchPage(ctx));
      emit(
        sitePaths.feed,
        atomFeed(meta, ctx.links, feedEvents(meta, ctx.links, rfcs, ideas, siteLink), siteLink),
      );
      const list: ApiRfcList = {
        apiVersion: API_VERSION,
        count: rfcs.length,
        giteaUrl: giteaBase,
        metaRepo: meta.metaRepo,
        rfcs: rfcs.map((rfc) => apiSummary(ctx, rfc, siteLink)),
      };
      emit(sitePaths.apiList, apiJson(list));
      emit(sitePaths.apiListSchema, stableJson(RFC_LIST_SCHEMA));
      emit(sitePaths.apiRfcSchema, stableJson(RFC_SCHEMA));
      emit(sitePaths.css, SITE_CSS);
      emit(sitePaths.icon, ICON_SVG);
      emit(sitePaths.filterJs, FILTER_JS);
      emit(sitePaths.searchJs, SEARCH_JS);
    };
    let listed = false;

    const results: (RfcFilesResult | undefined)[] = new Array(count);
    let threads = 1 as 1 | 2;
    if (!helper && parallel && count >= PARALLEL_MIN) {
      // Records in memory are copied to the worker: only those it may build, job k as record k.
      helper =
        source.kind === 'records'
          ? sharedHelper(deps.workerUrl).run(
              setup,
              { kind: 'records', rfcs: todo.map((j) => records.record(j.index)) },
              todo.map((j, k) => ({ ...j, index: k })),
              shared,
            )
          : sharedHelper(deps.workerUrl).run(setup, source, jobs, shared);
    }
    if (helper && deps.awaitHelper) await helper.started();
    // Both threads claim the next BATCH RFCs from `shared`; the main thread builds the list pages as soon
    // as the worker has begun, so the worker is never starved while they are built.
    claimBatches(shared, jobs, (start, batch) => {
      if (!listed && Atomics.load(shared, STATE) === WORKING) {
        listPages();
        listed = true;
      }
      for (const [k, r] of builder.buildBatch(records, batch).entries()) results[start + k] = r;
    });
    if (helper) {
      const outcome = await helper.finish();
      for (const [i, r] of outcome.results) results[i] = r;
      if (outcome.results.size > 0) threads = 2;
      if (outcome.error !== undefined)
        warnings.push(`render worker failed (${outcome.error}); the main thread built its share`);
    }
    // Anything a failed worker claimed but did not report is built here, and written whatever the disk
    // holds: the worker may have written it already, and the result must still count it as written.
    for (let k = 0; k < count; k++) {
      const job = jobAt(jobs, k);
      if (dropped.has(job.index)) continue;
      const r = results[k] ?? builder.buildOne(records, { ...job, disk: 'overwrite' });
      if (!contested.has(job.index)) {
        record(records.record(job.index), r);
        continue;
      }
      // A record dropped for its slug may have been built after this one: build this one again,
      // comparing with what is there.
      const again = builder.buildOne(records, { ...job, input: r.input, disk: 'compare' });
      record(records.record(job.index), {
        ...again,
        pageWritten: r.pageWritten || again.pageWritten,
        jsonWritten: r.jsonWritten || again.jsonWritten,
      });
    }
    const rendered = rfcs.length - keptDocs.size;
    if (!listed) listPages();
    const searchIndex = searchIndexJs(rfcs.map((rfc) => builtDocs.get(rfc.slug) ?? keptDocs.get(rfc.slug)!));
    emit(sitePaths.searchIndex, searchIndex);

    const deleted: string[] = [];
    for (const path of oldFiles) {
      if (files.has(path)) continue;
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
    const next: Manifest = {
      generator: GENERATOR,
      settings,
      paths: [...files].sort(cmp),
      inputs,
      searchIndex: sha(searchIndex),
    };
    const manifestText = stableJson(next);
    if (previous?.text !== manifestText || manifestRemoved) {
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
}

const SEARCH_PREFIX = 'window.RFC_SEARCH = ';

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
 * `assets/search-index.js` from the serialized documents (`searchDocJson`), in RFC order: a script
 * (not JSON) so it also loads from `file://`, where fetch is blocked.
 */
export function searchIndexJs(docs: string[]): string {
  return `${SEARCH_PREFIX}{"fields":${JSON.stringify(SEARCH_FIELDS)},"docs":[${docs.join(',')}]};\n`;
}
