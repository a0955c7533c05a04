import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/site/build.ts';
import { CSP } from '../../src/site/pages.ts';
import { launchChromium } from './browser.ts';
import { hostileArtifact, readVectors } from './corpus.ts';

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
async function sweep(context: BrowserContext): Promise<string[]> {
  const fired: string[] = [];
  await context.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.on('dialog', async (d) => {
    fired.push(`dialog on ${page.url()}: ${d.message()}`);
    await d.dismiss();
  });
  page.on('pageerror', (e) => fired.push(`page error on ${page.url()}: ${e.message}`));
  for (const rel of pages) {
    await page.goto(`file://${join(out, rel)}`, { waitUntil: 'load' });
    // Hover and focus everything so on* handlers that need a user gesture would get their chance.
    const found = await page.evaluate(() => {
      const w = window as unknown as { __xss?: unknown; __cspViolations?: string[] };
      const issues: string[] = [];
      if (w.__xss !== undefined) issues.push(`sentinel: ${String(w.__xss)}`);
      for (const v of w.__cspViolations ?? []) issues.push(`csp: ${v}`);
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
    for (const link of await page.locator('main a').all()) {
      await link.hover({ timeout: 200 }).catch(() => undefined);
    }
    const after = await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss);
    if (after !== undefined) fired.push(`${rel}: sentinel after hover`);
  }
  return fired;
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

  it('no script runs on any page with the CSP in force', async () => {
    const context = await browser.newContext();
    expect(await sweep(context)).toEqual([]);
    await context.close();
  });

  it('no script runs even with the CSP bypassed: escaping alone holds', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    expect(await sweep(context)).toEqual([]);
    await context.close();
  });
});
