import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/site/build.ts';
import { encode } from '../../src/site/html.ts';
import { CSP } from '../../src/site/pages.ts';
import { launchChromium } from './browser.ts';
import { hostileArtifact, hostileValues, readVectors } from './corpus.ts';

let tmp: string;
let out: string;
let browser: Browser;
let pages: string[];

function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else found.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return found.sort();
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rfc-site-xss-'));
  out = join(tmp, 'site');
  await buildSite({ artifact: hostileArtifact(), outDir: out });
  pages = listFiles(out).filter((f) => f.endsWith('.html') || f.endsWith('.xml'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Loads every page; returns what fired: dialogs, the `window.__xss` sentinel, CSP violations, and hostile markup found in the DOM. */
async function sweep(context: BrowserContext, dir: string, files: string[]): Promise<string[]> {
  const fired: string[] = [];
  await context.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const queue = [...files];
  const tab = async () => {
    const page = await context.newPage();
    page.on('dialog', async (d) => {
      fired.push(`dialog on ${page.url()}: ${d.message()}`);
      await d.dismiss();
    });
    page.on('pageerror', (e) => fired.push(`page error on ${page.url()}: ${e.message}`));
    for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) await check(page, rel);
  };
  const check = async (page: Page, rel: string) => {
    await page.goto(`file://${join(dir, rel)}`, { waitUntil: 'load' });
    const found = await page.evaluate(() => {
      const w = window as unknown as { __xss?: unknown; __cspViolations?: string[] };
      const issues: string[] = [];
      if (w.__xss !== undefined) issues.push(`sentinel: ${String(w.__xss)}`);
      for (const v of w.__cspViolations ?? []) issues.push(`csp: ${v}`);
      // The XML viewer builds its own DOM for feed.xml: there only the sentinel, dialogs and CSP count.
      if (!(document instanceof HTMLDocument) || document.contentType !== 'text/html') return issues;
      for (const el of Array.from(document.querySelectorAll('*'))) {
        for (const a of Array.from(el.attributes)) {
          if (/^on/i.test(a.name)) issues.push(`handler ${el.tagName} ${a.name}`);
          if (/^(href|src|action|formaction|data|background|poster)$/i.test(a.name)) {
            const v = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
            if (/^(javascript|vbscript|data|file):/.test(v))
              issues.push(`url ${el.tagName} ${a.name}=${a.value}`);
          }
          if (a.name === 'style') issues.push(`inline style on ${el.tagName}`);
        }
        if (
          /^(IFRAME|OBJECT|EMBED|FRAME|FRAMESET|BASE|SVG|MATH|TEMPLATE|IMG|INPUT|STYLE|META|LINK)$/i.test(
            el.tagName,
          )
        ) {
          const ok =
            (el.tagName === 'META' && el.parentElement?.tagName === 'HEAD') ||
            (el.tagName === 'LINK' && el.parentElement?.tagName === 'HEAD') ||
            (el.tagName === 'INPUT' && el.getAttribute('type') === 'search');
          if (!ok) issues.push(`element ${el.tagName}`);
        }
        if (el.tagName === 'SCRIPT' && !/^(\.\.\/)*assets\/[a-z-]+\.js$/.test(el.getAttribute('src') ?? '')) {
          issues.push(`script ${el.outerHTML.slice(0, 80)}`);
        }
      }
      return issues;
    });
    for (const f of found) fired.push(`${rel}: ${f}`);
    const after = await page.evaluate(() => {
      // Give handlers that need a gesture their chance: mouse and focus events on every element.
      for (const el of Array.from(document.querySelectorAll('body *'))) {
        for (const type of ['mouseover', 'focus', 'toggle']) el.dispatchEvent(new Event(type));
      }
      return (window as unknown as { __xss?: unknown }).__xss;
    });
    if (after !== undefined) fired.push(`${rel}: sentinel after events`);
  };
  await Promise.all([tab(), tab(), tab()]);
  return fired.sort();
}

describe('XSS corpus in Chromium', () => {
  it('covers the markdown-it and OWASP vectors and the hostile values', () => {
    expect(readVectors('markdown-it-xss.txt').length).toBeGreaterThan(15);
    expect(readVectors('owasp-filter-evasion.txt').length).toBeGreaterThan(30);
    expect(pages.length).toBeGreaterThan(80);
    expect(pages).toContain('feed.xml');
  });

  it('every HTML page carries the strict CSP', () => {
    for (const rel of pages.filter((p) => p.endsWith('.html'))) {
      expect(readFileSync(join(out, rel), 'utf8'), rel).toContain(
        `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
      );
    }
  });

  it('the sweep notices an injected script, handler, URL and dialog (so a clean result means something)', async () => {
    const bad = join(tmp, 'bad');
    mkdirSync(bad);
    const head = `<meta http-equiv="Content-Security-Policy" content="${CSP}">`;
    writeFileSync(
      join(bad, 'a.html'),
      `<!doctype html><html><head>${head}</head><body><script>window.__xss=1</script></body></html>`,
    );
    writeFileSync(
      join(bad, 'b.html'),
      '<!doctype html><html><body><a href="javascript:alert(1)" onmouseover="alert(2)">x</a></body></html>',
    );
    writeFileSync(join(bad, 'c.html'), '<!doctype html><html><body><script>alert(3)</script></body></html>');
    const withCsp = await browser.newContext();
    const found = await sweep(withCsp, bad, ['a.html', 'b.html', 'c.html']);
    await withCsp.close();
    expect(found.some((f) => f.startsWith('a.html: csp:'))).toBe(true);
    expect(found.some((f) => f.includes('url A href=javascript:alert(1)'))).toBe(true);
    expect(found.some((f) => f.includes('handler A onmouseover'))).toBe(true);
    expect(found.some((f) => f.startsWith('dialog') && f.includes(': 3'))).toBe(true);
    const bypass = await browser.newContext({ bypassCSP: true });
    expect((await sweep(bypass, bad, ['a.html'])).some((f) => f.includes('sentinel'))).toBe(true);
    await bypass.close();
  });

  it('no script runs on any page with the CSP in force', async () => {
    const context = await browser.newContext();
    expect(await sweep(context, out, pages)).toEqual([]);
    await context.close();
  });

  it('no script runs from search results or filters built from hostile titles, tags, logins and queries', async () => {
    const v = hostileValues();
    const q = encode;
    const built = [
      ...['script', 'img', 'alert', 'onerror', 'javascript', ...v.titles.slice(0, 8)].map(
        (t) => `search.html?q=${q(t)}`,
      ),
      ...v.tags.map((t) => `index.html?tag=${q(t)}`),
      ...v.logins.map((l) => `index.html?owner=${q(l)}`),
      `index.html?state=${q('"><img src=x onerror=window.__xss=1>')}`,
    ];
    // The queries must reach the scripts' output, or the sweep below would prove nothing.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`file://${join(out, 'search.html')}?q=script`);
    expect(await page.locator('#results li').count()).toBeGreaterThan(3);
    await page.goto(`file://${join(out, 'index.html')}?tag=${q(v.tags[0]!)}`);
    expect(await page.locator('#f-tag').inputValue()).toBe(v.tags[0]);
    await page.close();
    expect(await sweep(context, out, built)).toEqual([]);
    await context.close();
    const bypass = await browser.newContext({ bypassCSP: true });
    expect(await sweep(bypass, out, built)).toEqual([]);
    await bypass.close();
  });

  it('no script runs even with the CSP bypassed: escaping alone holds', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    expect(await sweep(context, out, pages)).toEqual([]);
    await context.close();
  });
});
