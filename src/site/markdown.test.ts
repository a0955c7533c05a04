import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeLink, type LinkBase, MarkdownRenderer, searchWords, slugify } from './markdown.ts';
import { titleHtml } from './pages.ts';

const base: LinkBase = {
  src: 'https://g.example/o/meta/src/branch/main/rfcs/',
  raw: 'https://g.example/o/meta/raw/branch/main/rfcs/',
  srcRoot: 'https://g.example/o/meta/src/branch/main/',
  rawRoot: 'https://g.example/o/meta/raw/branch/main/',
};
const md = new MarkdownRenderer();
const html = (s: string) => md.render(s, base).html;

describe('isSafeLink', () => {
  it.each([
    ['https://x.org', true],
    ['http://x.org', true],
    ['mailto:a@b.c', true],
    ['grammar.md', true],
    ['/docs/a.md', true],
    ['#anchor', true],
    ['javascript:alert(1)', false],
    ['JaVaScRiPt:alert(1)', false],
    [' javascript:alert(1)', false],
    ['java\tscript:alert(1)', false],
    ['\u0001javascript:alert(1)', false],
    ['vbscript:x', false],
    ['data:text/html,x', false],
    ['data:image/png;base64,AAAA', false],
    ['file:///etc/passwd', false],
  ])('%j -> %s', (url, ok) => {
    expect(isSafeLink(url)).toBe(ok);
  });
});

describe('MarkdownRenderer', () => {
  it.each([
    ['raw HTML is text', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['unsafe links stay text', '[x](javascript:alert(1))', '<p>[x](javascript:alert(1))</p>'],
    [
      'relative link to the entry dir',
      '[g](grammar.md)',
      'href="https://g.example/o/meta/src/branch/main/rfcs/grammar.md"',
    ],
    ['root-relative link', '[r](/README.md)', 'href="https://g.example/o/meta/src/branch/main/README.md"'],
    ['parent link', '[p](../x/y.md#h)', 'href="https://g.example/o/meta/src/branch/main/x/y.md#h"'],
    [
      'a link stops at the root of the tree',
      '[p](../../../../other/repo?x=1#h)',
      'href="https://g.example/o/meta/src/branch/main/other/repo?x=1#h"',
    ],
    [
      'a root-relative link stops there too',
      '[p](/../../admin)',
      'href="https://g.example/o/meta/src/branch/main/admin"',
    ],
    [
      'an image stops at the root of the raw tree',
      '![d](../../../x.png)',
      'href="https://g.example/o/meta/raw/branch/main/x.png"',
    ],
    [
      'an encoded slash stays inside one segment',
      '[p](..%2f..%2f..%2fx)',
      'href="https://g.example/o/meta/src/branch/main/rfcs/..%2f..%2f..%2fx"',
    ],
    [
      'a percent-encoded climb stops there too',
      '[p](%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/x)',
      'href="https://g.example/o/meta/src/branch/main/x"',
    ],
    [
      'a path that looks like a scheme stays a path',
      '[n](/javascript:link)',
      'href="https://g.example/o/meta/src/branch/main/javascript:link"',
    ],
    ['anchors stay', '[a](#motivation)', 'href="#motivation"'],
    [
      'images become raw links',
      '![d](img/a.svg)',
      '<a class="img" href="https://g.example/o/meta/raw/branch/main/rfcs/img/a.svg">Image: d</a>',
    ],
    ['external links get rel', '<https://e.org>', 'rel="nofollow noopener"'],
    ['linkify', 'see https://e.org/x', 'href="https://e.org/x"'],
    ['tables', '|a|b|\n|-|-|\n|1|2|', '<table>'],
    ['highlighting at build time', '```rust\nfn main() {}\n```', '<span class="hljs-keyword">fn</span>'],
    ['unknown languages are escaped', '```tern\n<x>\n```', '<code class="language-tern">&lt;x&gt;\n</code>'],
  ])('%s', (_name, input, expected) => {
    expect(html(input)).toContain(expected);
  });

  it('gives headings unique ids, avoiding the page ids, and a table of contents', () => {
    const r = md.render('# Intro\n## Main\n## Intro\n### `code` *here*\n## Intro', base);
    expect(r.toc.map((t) => t.id)).toEqual(['intro', 'main-1', 'intro-1', 'code-here', 'intro-2']);
    expect(r.toc[3]).toEqual({ level: 3, id: 'code-here', text: 'code here' });
    expect(r.html).toContain('<h2 id="main-1">Main</h2>');
  });

  it('slugify keeps letters and digits of any script', () => {
    expect(slugify('Ünïcode — 日本語 2!')).toBe('ünïcode-日本語-2');
    expect(slugify('***')).toBe('section');
  });
});

describe('titleHtml', () => {
  it.each([
    ['Async iterators and `for await`', 'Async iterators and <code>for await</code>'],
    ['`<script>`', '<code>&lt;script&gt;</code>'],
    ['a ` b', 'a ` b'],
  ])('%j', (title, html) => {
    expect(titleHtml(title)).toBe(html);
  });
});

describe('searchWords', () => {
  it.each([
    ['Hello, World! Hello', ['hello', 'world']],
    ["it's _under_ 'quoted' a1-b2-- x", ["it's", 'under_', 'quoted', 'a1-b2']],
    ["--x__y'' __ -'- a", ['x__y']],
    ['Ünïcode wörds and ascii', ['ünïcode', 'wörds', 'and', 'ascii']],
    [`${'a'.repeat(41)} ok`, ['ok']],
  ])('%j -> %j', (body, words) => {
    expect(searchWords(body)).toEqual(words);
  });

  it('finds in ASCII text exactly the words the Unicode word pattern finds', () => {
    const reference = (body: string) => {
      const words = new Set<string>();
      for (const m of body.toLowerCase().matchAll(/[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu)) {
        const w = m[0].replace(/['-]+$/, '');
        if (w.length >= 2 && w.length <= 40) words.add(w);
      }
      return [...words];
    };
    const ascii = fc.string({
      unit: fc.constantFrom(..."aZ09_'- .,\n#`*()[]<>&Xyq".split('')),
      maxLength: 200,
    });
    fc.assert(
      fc.property(ascii, (body) => {
        expect(searchWords(body)).toEqual(reference(body));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['many repeats of few words', 2_000, 40],
    ['a body longer than the shared table', 150_000, 60_000],
  ])('matches the Unicode word pattern on %s', (_name, count, vocabulary) => {
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const words: string[] = [];
    for (let i = 0; i < count; i++)
      words.push(`w${(next() % vocabulary).toString(36)}${i % 7 === 0 ? "'s" : ''}`);
    const body = words.join(separator(next));
    const reference = (text: string) =>
      [
        ...new Set(
          (text.toLowerCase().match(/[a-z0-9][a-z0-9_'-]*/g) ?? []).map((w) => w.replace(/['-]+$/, '')),
        ),
      ].filter((w) => w.length >= 2 && w.length <= 40);
    expect(searchWords(body)).toEqual(reference(body));
    // Called again, the shared table must not remember the first call's words.
    const part = body.slice(body.length >> 1, (body.length >> 1) + 300);
    expect(searchWords(part)).toEqual(reference(part));
  });
});

/** A separator drawn from spaces, punctuation and newlines. */
function separator(next: () => number): string {
  return [' ', ', ', '.\n', ' - ', '; '][next() % 5]!;
}
