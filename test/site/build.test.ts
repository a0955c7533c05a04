import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifact, serializeArtifact } from '../../src/cache/artifact.ts';
import type { Artifact } from '../../src/cache/model.ts';
import { buildSite, MANIFEST } from '../../src/site/build.ts';
import { readArtifactForSite } from '../../src/site/read.ts';
import { RenderHelper } from '../../src/site/render-pool.ts';
import { sampleArtifact } from '../../src/site/sample.ts';
import { hostileArtifact } from './corpus.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rfc-site-build-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function writeArtifact(dir: string, a: Artifact): void {
  for (const [rel, text] of serializeArtifact(a)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function snapshot(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** Every file of the output `expected` has the same text in the output `actual`. */
function expectFilesOf(expected: string, actual: string): void {
  const b = snapshot(actual);
  for (const [k, v] of snapshot(expected)) expect(b.get(k), k).toBe(v);
}

describe('buildSite', () => {
  it('gives byte-identical output for the same artifact', async () => {
    const artifact = sampleArtifact({ rfcs: 25, seed: 3 });
    const cache = join(tmp, 'det-cache');
    writeArtifact(cache, artifact);
    await buildSite({ cacheDir: cache, outDir: join(tmp, 'det-a') }, { now: () => 0 });
    await buildSite({ cacheDir: cache, outDir: join(tmp, 'det-b') });
    await buildSite({ artifact: structuredClone(artifact), outDir: join(tmp, 'det-c') });
    const a = snapshot(join(tmp, 'det-a'));
    const b = snapshot(join(tmp, 'det-b'));
    const c = snapshot(join(tmp, 'det-c'));
    expect([...a.keys()]).toEqual([...b.keys()]);
    expect([...a.keys()]).toEqual([...c.keys()]);
    for (const [k, v] of a) {
      expect(b.get(k), k).toBe(v);
      // The manifest's input hashes follow the records' key order, which may differ in memory.
      if (k !== MANIFEST) expect(c.get(k), k).toBe(v);
    }
    expect(a.has('index.html') && a.has('feed.xml') && a.has('api/rfcs.json') && a.has(MANIFEST)).toBe(true);
  });

  it('writes the same bytes as the pinned reference build (performance work must not change output)', async () => {
    const cache = join(tmp, 'golden-cache');
    const out = join(tmp, 'golden-site');
    writeArtifact(cache, sampleArtifact({ rfcs: 60, seed: 7 }));
    await buildSite({ cacheDir: cache, outDir: out });
    const all = createHash('sha256');
    const pages = createHash('sha256');
    for (const f of listFiles(out)) {
      const bytes = readFileSync(join(out, f));
      all.update(`${f}\n`).update(bytes).update('\n');
      if (f !== MANIFEST) pages.update(`${f}\n`).update(bytes).update('\n');
    }
    // Digest of every path and byte except the manifest; update it only with a deliberate template
    // change (last: withdrawal dates and rows, Withdrew lists and columns, the branch-name hint, compare links, `[hidden]`).
    expect(pages.digest('hex')).toBe('7e782aa2c7b544c1a619089531535d29e9d05a321057d109d88669b7edac8a3f');
    // The same with the manifest (generator 3; its files under "paths" since generator 2).
    expect(all.digest('hex')).toBe('ffcca03fd4a457f01fa426ca1af0d26f480eaa5b9bc66a7ed426545cc64b9184');
  });

  it('reads the same RFCs, ideas, problems and meta as the full artifact reader', async () => {
    const cache = join(tmp, 'read-cache');
    writeArtifact(cache, sampleArtifact({ rfcs: 15, seed: 8 }));
    const full = await readArtifact(cache);
    const site = await readArtifactForSite(cache);
    expect(site.meta).toEqual(full.meta);
    expect(site.rfcs).toEqual(full.rfcs);
    expect(site.ideas).toEqual(full.ideas);
    expect(site.problems).toEqual(full.problems);
    await expect(readArtifactForSite(join(tmp, 'missing'))).rejects.toThrow(/meta\.json/);
  });

  it('renders the same bytes with the helper worker thread as without it', async () => {
    const artifact = sampleArtifact({ rfcs: 220, seed: 4 });
    const one = await buildSite({ artifact, outDir: join(tmp, 'par-1'), parallel: false });
    const two = await buildSite(
      { artifact, outDir: join(tmp, 'par-2'), parallel: true },
      { awaitHelper: true },
    );
    expect(two.rendered).toBe(220);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.written).toEqual(one.written);
    expectFilesOf(join(tmp, 'par-1'), join(tmp, 'par-2'));
  });

  it('builds from the artifact directory on two threads, the worker parsing the files it claims', async () => {
    const cache = join(tmp, 'files-cache');
    writeArtifact(cache, sampleArtifact({ rfcs: 230, seed: 17 }));
    const one = await buildSite({ cacheDir: cache, outDir: join(tmp, 'files-1'), parallel: false });
    const two = await buildSite({ cacheDir: cache, outDir: join(tmp, 'files-2') }, { awaitHelper: true });
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.rendered).toBe(230);
    expect(two.written).toEqual(one.written);
    expect(listFiles(join(tmp, 'files-2'))).toEqual(listFiles(join(tmp, 'files-1')));
    expectFilesOf(join(tmp, 'files-1'), join(tmp, 'files-2'));
    // The input hashes the worker took of the files it built are the ones a rebuild compares.
    expect(await buildSite({ cacheDir: cache, outDir: join(tmp, 'files-2') })).toMatchObject({
      rendered: 0,
      pagesWritten: 0,
    });
  });

  it('rebuilds every changed RFC file on two threads with the same input hashes as one thread', async () => {
    const cache = join(tmp, 'files-inc-cache');
    const artifact = sampleArtifact({ rfcs: 220, seed: 18 });
    writeArtifact(cache, artifact);
    const outs = [join(tmp, 'files-inc-1'), join(tmp, 'files-inc-2')];
    for (const out of outs) await buildSite({ cacheDir: cache, outDir: out, parallel: false });
    const changed = structuredClone(artifact);
    for (const r of changed.rfcs) r.body += '\n\nEvery body changed on disk.\n';
    writeArtifact(cache, changed);
    const one = await buildSite({ cacheDir: cache, outDir: outs[0]!, parallel: false });
    const two = await buildSite({ cacheDir: cache, outDir: outs[1]! }, { awaitHelper: true });
    expect(two.threads).toBe(2);
    expect(two.rendered).toBe(220);
    expect(two.written).toEqual(one.written);
    expectFilesOf(outs[0]!, outs[1]!);
    expect(readFileSync(join(outs[1]!, MANIFEST), 'utf8')).toBe(
      readFileSync(join(outs[0]!, MANIFEST), 'utf8'),
    );
  });

  it('publishes the first of two RFC files with one slug, whichever thread built the other', async () => {
    const cache = join(tmp, 'dup-cache');
    const artifact = sampleArtifact({ rfcs: 215, seed: 19 });
    writeArtifact(cache, artifact);
    const first = [...artifact.rfcs].sort((x, y) => (x.slug < y.slug ? -1 : 1))[0]!;
    // Sorts after every other file, so it is among the last built: without the final rebuild of the
    // first record, its page would be the one left on disk.
    const copy = { ...first, body: 'The body of a second file with the same slug.\n', title: 'Impostor' };
    writeFileSync(join(cache, 'rfcs', 'zzzz-copy.json'), `${JSON.stringify(copy, null, 2)}\n`);
    const one = await buildSite({ cacheDir: cache, outDir: join(tmp, 'dup-1'), parallel: false });
    const two = await buildSite({ cacheDir: cache, outDir: join(tmp, 'dup-2') }, { awaitHelper: true });
    expect(two.threads).toBe(2);
    for (const r of [one, two]) {
      expect(r.warnings).toEqual([
        `duplicate slug "${first.slug}" in the artifact: only the first record is published`,
      ]);
      expect(r.rfcs).toBe(215);
      expect(r.rendered).toBe(215);
    }
    expect(two.written).toEqual(one.written);
    const page = readFileSync(join(tmp, 'dup-2', 'rfcs', `${first.slug}.html`), 'utf8');
    expect(page).not.toContain('Impostor');
    expectFilesOf(join(tmp, 'dup-1'), join(tmp, 'dup-2'));
  });

  it('fails naming an RFC file that is not JSON, with the worker stopped before the build returns', async () => {
    const cache = join(tmp, 'bad-cache');
    writeArtifact(cache, sampleArtifact({ rfcs: 260, seed: 20 }));
    // A build first, so the worker is running and takes the broken build's request at once.
    expect(
      (await buildSite({ cacheDir: cache, outDir: join(tmp, 'bad-warm') }, { awaitHelper: true })).threads,
    ).toBe(2);
    writeFileSync(join(cache, 'rfcs', 'zzzz-broken.json'), '{"slug": "zzzz-broken", ');
    const out = join(tmp, 'bad-site');
    await expect(buildSite({ cacheDir: cache, outDir: out }, { awaitHelper: true })).rejects.toThrow(
      /artifact file ".*zzzz-broken\.json" is not valid JSON/,
    );
    const count = () => listFiles(out).length;
    const after = count();
    // The worker stopped claiming: at most the batches it held when the error came, not all 260.
    expect(listFiles(out).filter((f) => f.startsWith('rfcs/')).length).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 600));
    expect(count()).toBe(after);
    rmSync(join(cache, 'rfcs', 'zzzz-broken.json'));
    const again = await buildSite({ cacheDir: cache, outDir: out });
    expect(again.rfcs).toBe(260);
    expect(listFiles(out)).toContain(MANIFEST);
  });

  it('hands the worker file bytes from disk, and from memory only the records it may build', async () => {
    const log = join(tmp, 'requests.jsonl');
    // Writes down the shape of every request and never begins: the main thread builds everything.
    const script = new URL(
      `data:text/javascript,${encodeURIComponent(
        `import { parentPort } from 'node:worker_threads'; import { appendFileSync } from 'node:fs';
        parentPort.on('message', ({ source, jobs }) => appendFileSync(${JSON.stringify(log)}, JSON.stringify({
          kind: source.kind,
          records: source.kind === 'files' ? source.files.names.length : source.rfcs.length,
          jobs: typeof jobs === 'number' ? jobs : jobs.map((j) => j.index),
        }) + '\\n'));`,
      )}`,
    );
    const requests = () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const artifact = sampleArtifact({ rfcs: 250, seed: 21 });
    const changed = structuredClone(artifact);
    for (const r of changed.rfcs.slice(0, 210)) r.body += '\n\nChanged.\n';
    const cache = join(tmp, 'shape-cache');
    writeArtifact(cache, artifact);
    const onDisk = join(tmp, 'shape-disk');
    await buildSite({ cacheDir: cache, outDir: onDisk }, { workerUrl: script });
    writeArtifact(cache, changed);
    await buildSite({ cacheDir: cache, outDir: onDisk }, { workerUrl: script });
    const inMemory = join(tmp, 'shape-mem');
    await buildSite({ artifact, outDir: inMemory }, { workerUrl: script });
    await buildSite({ artifact: changed, outDir: inMemory }, { workerUrl: script });
    const [full, partial, memFull, memPartial] = requests();
    // A full build from disk: every file, before any is parsed (`jobs` is a count).
    expect(full).toEqual({ kind: 'files', records: 250, jobs: 250 });
    expect(partial.kind).toBe('files');
    expect(partial.jobs).toHaveLength(210);
    expect(memFull).toEqual({ kind: 'records', records: 250, jobs: [...Array(250).keys()] });
    expect(memPartial).toEqual({ kind: 'records', records: 210, jobs: [...Array(210).keys()] });
  });

  it('stops the worker before a failed build returns, when the records came from memory', async () => {
    const artifact = sampleArtifact({ rfcs: 400, seed: 22 });
    const out = join(tmp, 'mem-fail');
    mkdirSync(out, { recursive: true });
    // A file where the tag pages go: the list pages fail while the worker builds RFC files.
    writeFileSync(join(out, 'tags'), 'not a directory');
    await buildSite({ artifact, outDir: join(tmp, 'mem-fail-warm') }, { awaitHelper: true });
    await expect(buildSite({ artifact, outDir: out }, { awaitHelper: true })).rejects.toThrow();
    const pages = () => listFiles(out).filter((f) => f.startsWith('rfcs/')).length;
    const after = pages();
    await new Promise((r) => setTimeout(r, 600));
    expect(pages()).toBe(after);
    expect(after).toBeLessThan(200);
  });

  it('answers a second finish() of a run it cancelled (a failed build asks again)', async () => {
    const helper = new RenderHelper(
      new URL(
        `data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => {});")}`,
      ),
    );
    try {
      const shared = new Int32Array(new SharedArrayBuffer(8));
      const setup = {
        meta: sampleArtifact({ rfcs: 1 }).meta,
        giteaBase: 'https://g.example',
        baseUrl: undefined,
        outDir: tmp,
        existing: [],
      };
      const run = helper.run(setup, { kind: 'records', rfcs: [] }, 0, shared);
      const first = await run.finish();
      const second = await Promise.race([
        run.finish(),
        new Promise((r) => setTimeout(() => r('hung'), 2000)),
      ]);
      expect(first.results.size).toBe(0);
      expect(second).toBe(first);
      expect(await run.started()).toBe(false);
    } finally {
      await helper.close();
    }
  });

  it.each([
    [
      'dies after claiming RFCs',
      // Claims three RFCs, reports nothing, then exits: the main thread must build them.
      `parentPort.on('message', ({ shared }) => { Atomics.compareExchange(shared, 1, 0, 1); Atomics.add(shared, 0, 3); process.exit(3); });`,
      /render worker/,
    ],
    [
      'never begins',
      // Takes the request and never starts: the main thread cancels it and builds everything.
      `parentPort.on('message', () => {});`,
      null,
    ],
  ])('builds every RFC itself when the helper worker %s', async (name, code, warning) => {
    const artifact = sampleArtifact({ rfcs: 210, seed: 6 });
    const dir = name.replace(/\W+/g, '-');
    const one = await buildSite({ artifact, outDir: join(tmp, `one-${dir}`), parallel: false });
    const script = new URL(
      `data:text/javascript,${encodeURIComponent(`import { parentPort } from 'node:worker_threads'; ${code}`)}`,
    );
    const out = join(tmp, `two-${dir}`);
    const two = await buildSite({ artifact, outDir: out }, { workerUrl: script });
    expect(two.threads).toBe(1);
    expect(two.written).toEqual(one.written);
    if (warning) expect(two.warnings.join('\n')).toMatch(warning);
    else expect(two.warnings).toEqual([]);
    expect(listFiles(out)).toEqual(listFiles(join(tmp, `one-${dir}`)));
    expectFilesOf(join(tmp, `one-${dir}`), out);
  });

  it('counts as written what a helper worker wrote before it failed mid-batch', async () => {
    const artifact = sampleArtifact({ rfcs: 240, seed: 16 });
    const out = join(tmp, 'fail-mid');
    await buildSite({ artifact, outDir: out, parallel: false });
    const before = snapshot(out);
    const changed = structuredClone(artifact);
    for (const r of changed.rfcs) r.body += '\n\nEvery body changed.\n';
    // The real worker, whose 7th file write fails: it has written files of its batch it never reports.
    const script = join(tmp, 'fail-mid-worker.mjs');
    writeFileSync(
      script,
      [
        "import fs from 'node:fs';",
        "import { syncBuiltinESMExports } from 'node:module';",
        'const real = fs.writeFileSync;',
        'let n = 0;',
        "fs.writeFileSync = (...a) => { if (++n === 7) throw Object.assign(new Error('no space'), { code: 'ENOSPC' }); return real(...a); };",
        'syncBuiltinESMExports();',
        `const { register } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/tsx/dist/esm/api/index.mjs')).href)});`,
        'register();',
        `await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src/site/render-worker.ts')).href)});`,
      ].join('\n'),
    );
    const r = await buildSite(
      { artifact: changed, outDir: out },
      { awaitHelper: true, workerUrl: pathToFileURL(script) },
    );
    expect(r.warnings.join('\n')).toMatch(/render worker failed/);
    const after = snapshot(out);
    const differ = [...after.keys()].filter((k) => k !== MANIFEST && before.get(k) !== after.get(k));
    expect(differ.length).toBeGreaterThan(480);
    expect(r.written.filter((p) => differ.includes(p))).toEqual(differ);
    const one = await buildSite({ artifact: changed, outDir: join(tmp, 'fail-mid-one'), parallel: false });
    for (const [k, v] of snapshot(join(tmp, 'fail-mid-one')))
      if (k !== MANIFEST) expect(after.get(k), k).toBe(v);
    expect(one.threads).toBe(1);
  });

  it('rewrites only what one changed RFC touches, and deletes pages of removed RFCs', async () => {
    const artifact = sampleArtifact({ rfcs: 30, seed: 5 });
    const out = join(tmp, 'inc');
    const first = await buildSite({ artifact, outDir: out });
    expect(first.pagesUnchanged).toBe(0);
    expect(first.rendered).toBe(30);

    const again = await buildSite({ artifact, outDir: out });
    expect(again).toMatchObject({ pagesWritten: 0, rendered: 0, pagesDeleted: 0 });
    expect(again.pagesUnchanged).toBe(first.pagesWritten);

    const changed = structuredClone(artifact);
    const target = changed.rfcs[4]!;
    target.body += '\n\nA new closing paragraph about zygomorphic widgets.\n';
    const third = await buildSite({ artifact: changed, outDir: out });
    expect(third.rendered).toBe(1);
    expect(third.written).toEqual([
      'api/rfcs/' + target.slug + '.json',
      'assets/search-index.js',
      'rfcs/' + target.slug + '.html',
    ]);
    expect(readFileSync(join(out, 'rfcs', `${target.slug}.html`), 'utf8')).toContain('zygomorphic widgets');

    const removed = structuredClone(changed);
    const gone = removed.rfcs.splice(7, 1)[0]!;
    const fourth = await buildSite({ artifact: removed, outDir: out });
    expect(fourth.deleted).toContain(`rfcs/${gone.slug}.html`);
    expect(fourth.deleted).toContain(`api/rfcs/${gone.slug}.json`);
    expect(listFiles(out)).not.toContain(`rfcs/${gone.slug}.html`);
    expect(fourth.written).toContain('index.html');
  });

  it('re-renders a page whose file was deleted by hand', async () => {
    const artifact = sampleArtifact({ rfcs: 5, seed: 9 });
    const out = join(tmp, 'heal');
    await buildSite({ artifact, outDir: out });
    const slug = artifact.rfcs[2]!.slug;
    rmSync(join(out, 'rfcs', `${slug}.html`));
    const r = await buildSite({ artifact, outDir: out });
    expect(r.written).toEqual([`rfcs/${slug}.html`]);
  });

  it('renders only the RFC whose artifact file changed, and restores a page changed by hand', async () => {
    const cache = join(tmp, 'inc-disk-cache');
    const out = join(tmp, 'inc-disk');
    const artifact = sampleArtifact({ rfcs: 12, seed: 11 });
    writeArtifact(cache, artifact);
    const first = await buildSite({ cacheDir: cache, outDir: out });
    expect(first.rendered).toBe(12);
    const again = await buildSite({ cacheDir: cache, outDir: out });
    expect(again).toMatchObject({ rendered: 0, pagesWritten: 0 });

    const edited = { ...artifact.rfcs[3]!, body: `${artifact.rfcs[3]!.body}\n\nOne more line.\n` };
    writeFileSync(join(cache, 'rfcs', `${edited.slug}.json`), `${JSON.stringify(edited, null, 2)}\n`);
    const third = await buildSite({ cacheDir: cache, outDir: out });
    expect(third.rendered).toBe(1);
    expect(third.written).toEqual([
      `api/rfcs/${edited.slug}.json`,
      'assets/search-index.js',
      `rfcs/${edited.slug}.html`,
    ]);

    // The same record again, with its keys in another order: rendered, but no byte differs.
    const reordered = Object.fromEntries(Object.entries(edited).reverse());
    writeFileSync(join(cache, 'rfcs', `${edited.slug}.json`), JSON.stringify(reordered));
    const fourth = await buildSite({ cacheDir: cache, outDir: out });
    expect(fourth).toMatchObject({ rendered: 1, pagesWritten: 0 });

    // A list page changed by hand is compared with what the build makes, and restored.
    const index = join(out, 'index.html');
    const good = readFileSync(index, 'utf8');
    writeFileSync(index, good.replace('<main', '<main data-edited'));
    const fifth = await buildSite({ cacheDir: cache, outDir: out });
    expect(fifth.written).toEqual(['index.html']);
    expect(readFileSync(index, 'utf8')).toBe(good);
  });

  it('takes over an output of the previous manifest format: deletes its stale files and rewrites no equal bytes', async () => {
    const artifact = sampleArtifact({ rfcs: 6, seed: 12 });
    const out = join(tmp, 'gen1');
    await buildSite({ artifact, outDir: out });
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'));
    writeFileSync(join(out, 'stale.html'), 'old page');
    // Generator 1 kept the SHA-1 of every file it wrote, by path.
    const files = Object.fromEntries(
      [...manifest.paths, 'stale.html'].map((f: string) => [
        f,
        createHash('sha1')
          .update(readFileSync(join(out, f)))
          .digest('hex'),
      ]),
    );
    writeFileSync(
      join(out, MANIFEST),
      JSON.stringify({
        generator: 'rfc-actions-site/1',
        settings: manifest.settings,
        files,
        inputs: manifest.inputs,
      }),
    );
    const r = await buildSite({ artifact, outDir: out });
    expect(r.rendered).toBe(6);
    expect(r.written).toEqual([]);
    expect(r.deleted).toEqual(['stale.html']);
    expect(JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'))).toEqual(manifest);
  });

  it('names its file list "paths": a generator that reads "files" finds none and deletes nothing', async () => {
    const out = join(tmp, 'paths');
    await buildSite({ artifact: sampleArtifact({ rfcs: 2 }), outDir: out });
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'));
    expect(manifest).not.toHaveProperty('files');
    expect(manifest.paths).toContain('index.html');
  });

  it('renders records edited in memory after they were read from the artifact', async () => {
    const cache = join(tmp, 'edit-mem-cache');
    const out = join(tmp, 'edit-mem');
    writeArtifact(cache, sampleArtifact({ rfcs: 4, seed: 13 }));
    await buildSite({ cacheDir: cache, outDir: out });
    const artifact = await readArtifactForSite(cache);
    artifact.rfcs[2]!.body += '\n\nAn edit made in memory.\n';
    const r = await buildSite({ artifact, outDir: out });
    expect(r.written).toContain(`rfcs/${artifact.rfcs[2]!.slug}.html`);
    expect(readFileSync(join(out, 'rfcs', `${artifact.rfcs[2]!.slug}.html`), 'utf8')).toContain(
      'An edit made in memory.',
    );
  });

  it('compares bytes, not decoded text: restores an invalid byte, and never rewrites a lone surrogate', async () => {
    const artifact = sampleArtifact({ rfcs: 3, seed: 14 });
    artifact.rfcs[0]!.title = 'Replacement \uFFFD character';
    artifact.rfcs[1]!.body += '\n\nA lone surrogate: \uD800.\n';
    const out = join(tmp, 'bytes');
    await buildSite({ artifact, outDir: out });
    const index = join(out, 'index.html');
    const good = readFileSync(index);
    const at = good.indexOf(Buffer.from('\uFFFD'));
    expect(at).toBeGreaterThan(0);
    // One invalid byte in place of U+FFFD's three: decoded, both read as U+FFFD.
    writeFileSync(index, Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at + 3)]));
    // The same records with their keys reversed: every RFC is rendered again and compared.
    const reordered = {
      ...artifact,
      rfcs: artifact.rfcs.map((r) => Object.fromEntries(Object.entries(r).reverse()) as typeof r),
    };
    const r = await buildSite({ artifact: reordered, outDir: out });
    expect(r.rendered).toBe(3);
    expect(r.written).toEqual(['index.html']);
    expect(readFileSync(index).equals(good)).toBe(true);
  });

  it('a build that stops half-way leaves a manifest that trusts no input hash and still lists the old files', async () => {
    const artifact = sampleArtifact({ rfcs: 5, seed: 15 });
    const out = join(tmp, 'halfway');
    await buildSite({ artifact, outDir: out, parallel: false });
    const slug = artifact.rfcs[1]!.slug;
    const page = join(out, 'rfcs', `${slug}.html`);
    const original = readFileSync(page, 'utf8');
    const changed = structuredClone(artifact);
    changed.rfcs[1]!.body += '\n\nA change the next build reverts.\n';
    // A directory where the feed goes: the build fails after writing the RFC pages, before its manifest.
    rmSync(join(out, 'feed.xml'));
    mkdirSync(join(out, 'feed.xml'));
    await expect(buildSite({ artifact: changed, outDir: out, parallel: false })).rejects.toThrow();
    expect(readFileSync(page, 'utf8')).toContain('A change the next build reverts.');
    const left = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'));
    expect(left.inputs).toEqual({});
    expect(left.paths).toContain(`rfcs/${artifact.rfcs[4]!.slug}.html`);
    rmSync(join(out, 'feed.xml'), { recursive: true });
    // One RFC is gone by the next build: its page, listed only by the unfinished manifest, is deleted.
    const gone = artifact.rfcs[4]!;
    const next = { ...artifact, rfcs: artifact.rfcs.slice(0, 4) };
    const r = await buildSite({ artifact: next, outDir: out, parallel: false });
    expect(r.rendered).toBe(4);
    expect(readFileSync(page, 'utf8')).toBe(original);
    expect(r.deleted).toEqual(
      expect.arrayContaining([`api/rfcs/${gone.slug}.json`, `rfcs/${gone.slug}.html`]),
    );
    expect(listFiles(out)).not.toContain(`rfcs/${gone.slug}.html`);
    // The failed build stopped before the search index: it still holds the original words.
    expect(r.written).toEqual(
      expect.arrayContaining([`api/rfcs/${slug}.json`, 'feed.xml', `rfcs/${slug}.html`]),
    );
  });

  it('never writes outside the output directory, whatever the slugs, tags and logins', async () => {
    const parent = join(tmp, 'jail');
    const out = join(parent, 'deep', 'out');
    mkdirSync(out, { recursive: true });
    const r = await buildSite({ artifact: hostileArtifact(), outDir: out });
    expect(r.pagesWritten).toBeGreaterThan(50);
    expect(listFiles(parent).every((f) => f.startsWith('deep/out/'))).toBe(true);
    for (const f of listFiles(out)) {
      expect(f, f).toMatch(/^(\.rfc-site-manifest\.json|[a-z0-9._~/-]+)$/);
      expect(
        f.split('/').every((seg) => seg !== '..' && seg !== '.' && seg !== ''),
        f,
      ).toBe(true);
      expect(f.split('/').slice(-1)[0]!.startsWith('.') && f !== MANIFEST, f).toBe(false);
    }
    expect(listFiles(out)).toContain('rfcs/_2e_2e_2f_2e_2e_2f_2e_2e_2fescaped-rfc.html');
  });

  it('never deletes outside the output directory, even when the manifest says so', async () => {
    const parent = join(tmp, 'tamper');
    const out = join(parent, 'out');
    await buildSite({ artifact: sampleArtifact({ rfcs: 2 }), outDir: out });
    writeFileSync(join(parent, 'keep.txt'), 'precious');
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'));
    manifest.paths.push('../keep.txt', '/etc/hostname');
    writeFileSync(join(out, MANIFEST), JSON.stringify(manifest));
    const r = await buildSite({ artifact: sampleArtifact({ rfcs: 2 }), outDir: out });
    expect(readFileSync(join(parent, 'keep.txt'), 'utf8')).toBe('precious');
    expect(r.deleted).toEqual([]);
    expect(r.warnings.join('\n')).toContain('"../keep.txt"');
  });

  it('rejects a non-http Gitea URL and a bad --base-url', async () => {
    const a = sampleArtifact({ rfcs: 1 });
    a.meta.giteaUrl = 'javascript:alert(1)';
    await expect(buildSite({ artifact: a, outDir: join(tmp, 'bad') })).rejects.toThrow(
      /"giteaUrl" must be http\(s\)/,
    );
    await expect(
      buildSite({
        artifact: sampleArtifact({ rfcs: 1 }),
        outDir: join(tmp, 'bad2'),
        baseUrl: 'javascript:x',
      }),
    ).rejects.toThrow(/"--base-url"/);
  });

  it('publishes JSON that validates against the published schemas', async () => {
    const out = join(tmp, 'api');
    await buildSite({
      artifact: sampleArtifact({ rfcs: 40, seed: 11 }),
      outDir: out,
      baseUrl: 'https://rfcs.example.org/site',
    });
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const listSchema = JSON.parse(readFileSync(join(out, 'api/schema/rfcs.schema.json'), 'utf8'));
    const rfcSchema = JSON.parse(readFileSync(join(out, 'api/schema/rfc.schema.json'), 'utf8'));
    const validList = ajv.compile(listSchema);
    const validRfc = ajv.compile(rfcSchema);
    const list = JSON.parse(readFileSync(join(out, 'api/rfcs.json'), 'utf8'));
    expect(validList(list), JSON.stringify(validList.errors)).toBe(true);
    expect(list.count).toBe(40);
    expect(list.rfcs[0].links.html).toMatch(/^https:\/\/rfcs\.example\.org\/site\/rfcs\/.+\.html$/);
    for (const f of listFiles(join(out, 'api/rfcs'))) {
      const doc = JSON.parse(readFileSync(join(out, 'api/rfcs', f), 'utf8'));
      expect(validRfc(doc), `${f}: ${JSON.stringify(validRfc.errors)}`).toBe(true);
    }
    const broken = { ...list, rfcs: [{ ...list.rfcs[0], state: 'draft' }] };
    expect(validList(broken)).toBe(false);
  });

  it('links back to Gitea with its URL scheme', async () => {
    const a = sampleArtifact({ rfcs: 12, seed: 13 });
    const out = join(tmp, 'links');
    await buildSite({ artifact: a, outDir: out });
    const draft = a.rfcs.find((r) => r.state === 'super-draft')!;
    const html = readFileSync(join(out, 'rfcs', `${draft.slug}.html`), 'utf8');
    expect(html).toContain(`href="https://gitea.example.org/rfcs/meta/_edit/main/rfcs/${draft.slug}.md"`);
    expect(html).toContain(`href="https://gitea.example.org/rfcs/meta/src/branch/main/rfcs/grammar.md"`);
    expect(html).toContain(
      `href="https://gitea.example.org/rfcs/meta/raw/branch/main/rfcs/images/diagram.svg"`,
    );
    expect(html).toContain(
      'href="https://gitea.example.org/rfcs/meta/issues/new?title=RFC%20idea%3A%20&amp;body=',
    );
    const active = a.rfcs.find((r) => r.state === 'active')!;
    const act = readFileSync(join(out, 'rfcs', `${active.slug}.html`), 'utf8');
    expect(act).toContain(`href="https://gitea.example.org/${active.repo}/_edit/main/RFC.md"`);
    expect(act).toContain(
      `href="https://gitea.example.org/${active.repo}/raw/branch/main/images/diagram.svg"`,
    );
  });

  it('runs from the CLI and reports pages written and unchanged as JSON', async () => {
    const cache = join(tmp, 'cli-cache');
    writeArtifact(cache, sampleArtifact({ rfcs: 4, seed: 17 }));
    const out = join(tmp, 'cli-out');
    const args = ['--import', 'tsx', 'src/cli.ts', 'site', '--cache', cache, '--out', out, '--json'];
    const first = JSON.parse((await run(process.execPath, args, { cwd: ROOT })).stdout);
    expect(first.pagesWritten).toBeGreaterThan(10);
    const second = JSON.parse((await run(process.execPath, args, { cwd: ROOT })).stdout);
    expect(second).toMatchObject({ pagesWritten: 0, pagesUnchanged: first.pagesWritten, rfcs: 4 });
    expect(typeof second.durationMs).toBe('number');
    await expect(
      run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'site', '--out', out], { cwd: ROOT }),
    ).rejects.toMatchObject({
      code: 2,
    });
  });
});
