import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../../src/cache/artifact.ts';
import type { Artifact } from '../../src/cache/model.ts';
import { buildSite } from '../../src/site/build.ts';
import { safeName } from '../../src/site/paths.ts';
import { sampleArtifact } from '../../src/site/sample.ts';
import { launchChromium } from './browser.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const AXE = join(ROOT, 'node_modules/axe-core/axe.min.js');
const SHOTS = join(ROOT, 'docs/screenshots');
const WORD = 'zygomorphic';

let tmp: string;
let out: string;
let artifact: Artifact;
let browser: Browser;
let server: Server;
let serverUrl: string;
const errors: string[] = [];

async function open(
  url: string,
  o: { width?: number; bypassCSP?: boolean; dark?: boolean; js?: boolean } = {},
): Promise<Page> {
  const ctx = await browser.newContext({
    viewport: { width: o.width ?? 1280, height: 900 },
    colorScheme: o.dark ? 'dark' : 'light',
    bypassCSP: o.bypassCSP ?? false,
    javaScriptEnabled: o.js ?? true,
  });
  const page = await ctx.newPage();
  // axe's own stylesheet requests fail on file://; only pages without injected tooling are watched.
  if (!o.bypassCSP) {
    page.on('pageerror', (e) => errors.push(`${url}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${url}: ${m.text()}`);
    });
  }
  await page.goto(url);
  return page;
}

const file = (rel: string) => `file://${join(out, rel)}`;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rfc-site-browser-'));
  out = join(tmp, 'site');
  artifact = sampleArtifact({ rfcs: 40, seed: 21 });
  artifact.rfcs[5]!.body += `\n\nThe ${WORD} layout keeps both halves symmetric.\n`;
  artifact.rfcs[7]!.body += '\n\nSee the private-quokkafied fields and the snake_wombatized names.\n';
  await buildSite({ artifact, outDir: out });
  browser = await launchChromium();
  // A static server that publishes the site under a sub-path, as a Gitea Pages-style host would.
  server = createServer((req, res) => {
    const prefix = '/some/sub/path/';
    const path = decodeURIComponent((req.url ?? '').split('?')[0]!);
    const rel = path.startsWith(prefix) ? path.slice(prefix.length) || 'index.html' : null;
    const target = rel === null ? null : resolve(out, rel);
    if (!target?.startsWith(`${out}/`) || !existsSync(target)) {
      res.writeHead(404).end();
      return;
    }
    const types: Record<string, string> = {
      '.html': 'text/html',
      '.css': 'text/css',
      '.js': 'text/javascript',
      '.xml': 'application/atom+xml',
      '.json': 'application/json',
    };
    res.writeHead(200, {
      'content-type': `${types[extname(target)] ?? 'application/octet-stream'}; charset=utf-8`,
    });
    res.end(readFileSync(target));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/some/sub/path/`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('the site in Chromium', () => {
  it('loads the index from file:// and filters by state, tag and owner', async () => {
    const page = await open(file('index.html'));
    await page.waitForSelector('#filter:not([hidden])');
    expect(await page.locator('li.rfc:visible').count()).toBe(artifact.rfcs.length);
    await page.selectOption('#f-state', 'withdrawn');
    const withdrawn = artifact.rfcs.filter((r) => r.state === 'withdrawn');
    expect(await page.locator('li.rfc:visible').count()).toBe(withdrawn.length);
    expect(await page.locator('li.rfc:visible[data-state="withdrawn"]').count()).toBe(withdrawn.length);
    expect(await page.locator('#f-count').textContent()).toBe(
      `${withdrawn.length} of ${artifact.rfcs.length} shown`,
    );
    await page.selectOption('#f-state', '');
    const tag = artifact.rfcs[0]!.tags[0]!;
    await page.selectOption('#f-tag', tag);
    expect(await page.locator('li.rfc:visible').count()).toBe(
      artifact.rfcs.filter((r) => r.tags.includes(tag)).length,
    );
    const owner = artifact.rfcs[1]!.owners[0]!;
    await page.selectOption('#f-tag', '');
    await page.selectOption('#f-owner', owner);
    expect(await page.locator('li.rfc:visible').count()).toBe(
      artifact.rfcs.filter((r) => r.owners.includes(owner)).length,
    );
    expect(await page.locator('details#ideas li').count()).toBe(artifact.ideas.length);
    await page.context().close();
  });

  it('without JavaScript shows the whole grouped list and no filter form', async () => {
    const page = await open(file('index.html'), { js: false });
    expect(await page.locator('#filter').isVisible()).toBe(false);
    expect(await page.locator('li.rfc:visible').count()).toBe(artifact.rfcs.length);
    const groups = await page.locator('section.group h2').allTextContents();
    const count = (state: string) => artifact.rfcs.filter((r) => r.state === state).length;
    expect(groups).toEqual(
      ['active', 'super-draft', 'withdrawn']
        .filter((s) => count(s) > 0)
        .map(
          (s) =>
            `${s === 'active' ? 'Active' : s === 'super-draft' ? 'Super-draft' : 'Withdrawn'} ${count(s)}`,
        ),
    );
    await page.locator('details#ideas summary').click();
    expect(await page.locator('details#ideas li').first().isVisible()).toBe(true);
    await page.context().close();
  });

  it.each([
    ['after a hyphen', 'quokkafied'],
    ['after an underscore', 'wombatized'],
    ['the joined word', 'private-quokkafied'],
  ])('finds the part of a joined word %s', async (_name, q) => {
    const page = await open(`${file('search.html')}?q=${q}`);
    await page.waitForSelector('#results li');
    expect(await page.locator('#results li a').allTextContents()).toEqual([artifact.rfcs[7]!.title]);
    await page.context().close();
  });

  it('finds a word from inside a body with client-side search', async () => {
    const page = await open(`${file('search.html')}?q=${WORD}`);
    await page.waitForSelector('#results li');
    const titles = await page.locator('#results li a').allTextContents();
    expect(titles).toEqual([artifact.rfcs[5]!.title]);
    await page.fill('#q', 'nothing-matches-this');
    expect(await page.locator('#results li').count()).toBe(0);
    await page.fill('#q', artifact.rfcs[5]!.title.split(' ')[0]!);
    expect(await page.locator('#results li').count()).toBeGreaterThan(0);
    await page.locator('#results li a').first().click();
    await page.waitForSelector('#prs');
    await page.context().close();
  });

  it('lists the PRs of an RFC, grouped by state, with the person who opened them', async () => {
    const rfc = artifact.rfcs.find((r) => r.prs.length >= 3)!;
    const page = await open(file(`rfcs/${safeName(rfc.slug)}.html`));
    expect(await page.locator('#prs ul.prs > li').count()).toBe(rfc.prs.length);
    for (const state of ['open', 'merged', 'closed', 'withdrawn'] as const) {
      const n = rfc.prs.filter((p) => p.state === state).length;
      expect(await page.locator(`#prs ul[data-pr-state="${state}"] > li`).count(), state).toBe(n);
    }
    const text = await page.locator('#prs').textContent();
    for (const pr of rfc.prs) expect(text).toContain(`opened by ${pr.openedBy}`);
    expect(await page.locator('nav.toc a').count()).toBeGreaterThan(3);
    await page.context().close();
  });

  it('publishes a well-formed Atom feed with stable, unique entry ids', async () => {
    const page = await open(file('index.html'));
    const xml = readFileSync(join(out, 'feed.xml'), 'utf8');
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const ns = 'http://www.w3.org/2005/Atom';
      const entries = Array.from(doc.getElementsByTagNameNS(ns, 'entry'));
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: `${doc.documentElement.namespaceURI} ${doc.documentElement.localName}`,
        updated: doc.documentElement.getElementsByTagNameNS(ns, 'updated')[0]?.textContent,
        ids: entries.map((e) => e.getElementsByTagNameNS(ns, 'id')[0]?.textContent ?? ''),
        complete: entries.every((e) =>
          ['title', 'updated', 'author', 'link'].every((t) => e.getElementsByTagNameNS(ns, t).length > 0),
        ),
      };
    }, xml);
    expect(parsed.error).toBe(0);
    expect(parsed.root).toBe('http://www.w3.org/2005/Atom feed');
    expect(parsed.updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(parsed.ids.length).toBeGreaterThan(10);
    expect(new Set(parsed.ids).size).toBe(parsed.ids.length);
    expect(parsed.complete).toBe(true);
    await page.context().close();
  });

  it('works under a sub-path over HTTP: styles, filter and search load', async () => {
    const page = await open(serverUrl);
    await page.waitForSelector('#filter:not([hidden])');
    const bg = await page.evaluate(() => getComputedStyle(document.querySelector('header.site')!).display);
    expect(bg).toBe('flex');
    await page.fill('#site-q', WORD);
    await page.press('#site-q', 'Enter');
    await page.waitForSelector('#results li');
    expect(page.url()).toBe(`${serverUrl}search.html?q=${WORD}`);
    await page.context().close();
  });

  it.each([
    ['index', 'index.html', false],
    ['an RFC page', 'rfc', false],
    ['an RFC page (dark)', 'rfc', true],
    ['search', 'search.html?q=proposal', false],
    ['index (dark)', 'index.html', true],
    ['search (dark)', 'search.html?q=proposal', true],
  ])('axe-core finds no serious or critical violations on %s', async (_name, rel, dark) => {
    const target = rel === 'rfc' ? `rfcs/${safeName(artifact.rfcs[5]!.slug)}.html` : rel;
    const page = await open(file(target), { bypassCSP: true, dark });
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> };
        }
      ).axe;
      const r = await axe.run();
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await page.context().close();
  });

  it('writes screenshots of the index and an RFC page at 390 and 1280 px', async () => {
    const example = join(ROOT, 'cache-artifacts');
    let dir = out;
    if (existsSync(join(example, 'meta.json'))) {
      dir = join(tmp, 'example-site');
      await buildSite({ artifact: await readArtifact(example), outDir: dir });
    }
    const ex = existsSync(join(example, 'meta.json')) ? await readArtifact(example) : artifact;
    const rfc = ex.rfcs.find((r) => r.state === 'active' && r.prs.length > 0) ?? ex.rfcs[0]!;
    const shots: string[] = [];
    for (const width of [390, 1280]) {
      for (const [name, rel] of [
        ['index', 'index.html'],
        ['rfc', `rfcs/${safeName(rfc.slug)}.html`],
      ] as const) {
        const page = await open(`file://${join(dir, rel)}`, { width });
        const path = join(SHOTS, `${name}-${width}.png`);
        const png = await page.screenshot({ fullPage: false });
        writeFileSync(path, png);
        shots.push(path);
        await page.context().close();
      }
    }
    for (const p of shots) {
      const bytes = readFileSync(p);
      expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(bytes.length).toBeGreaterThan(5000);
    }
  });

  it('logged no script errors or CSP violations on any page it opened', () => {
    expect(errors).toEqual([]);
  });
});
