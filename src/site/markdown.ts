/**
 * The one Markdown pipeline for untrusted RFC bodies: markdown-it with raw HTML off, a link
 * allow-list (http, https, mailto, relative), heading anchors with a table of contents, tables,
 * build-time highlighting with a curated highlight.js, and relative links resolved to Gitea.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { esc } from './html.ts';

const LANGUAGES = {
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  ini,
  java,
  javascript,
  json,
  markdown,
  python,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
} as const;
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);

/** Ids the page templates use; a heading with the same slug gets a `-1` suffix instead. */
export const RESERVED_IDS = [
  'main',
  'site-q',
  'toc',
  'toc-h',
  'body',
  'about',
  'branches',
  'prs',
  'ideas',
  'filter',
  'f-state',
  'f-tag',
  'f-owner',
  'f-count',
  'q',
  'results',
  'search-status',
];

/** Where relative links and images of one body resolve: a directory of a repo on one branch. */
export interface LinkBase {
  /** `/src/branch/...` URL of the directory holding the Markdown file, ending in `/` */
  src: string;
  /** `/raw/branch/...` URL of the same directory, ending in `/` */
  raw: string;
  /** `/src/branch/...` URL of the repo root, ending in `/` (for links starting with `/`) */
  srcRoot: string;
  rawRoot: string;
}

export interface TocEntry {
  level: number;
  id: string;
  text: string;
}

export interface RenderedBody {
  html: string;
  toc: TocEntry[];
}

interface Env {
  base: LinkBase;
  toc: TocEntry[];
  ids: Map<string, number>;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto']);

/** markdown-it `validateLink`: http, https, mailto and scheme-less (relative) URLs only. */
export function isSafeLink(url: string): boolean {
  // Browsers drop tab/CR/LF anywhere and C0/space at the start before reading the scheme (WHATWG URL).
  const cleaned = url.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '');
  const m = SCHEME.exec(cleaned);
  return m ? SAFE_SCHEMES.has(m[1]!.toLowerCase()) : true;
}

/** Heading slug: lowercase letters, digits and `-` (Unicode letters kept), like Gitea's anchors without the prefix. */
export function slugify(text: string): string {
  const s = text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return s || 'section';
}

function isRelative(href: string): boolean {
  return !SCHEME.test(href) && !href.startsWith('//') && !href.startsWith('#') && href !== '';
}

function resolveRelative(href: string, dir: string, root: string): string {
  const fromRoot = href.startsWith('/');
  const fallback = fromRoot ? root : dir;
  // "./" keeps a path segment such as "javascript:x" (from "/javascript:x") a path, never a scheme.
  const target = `./${fromRoot ? href.slice(1) : href}`;
  try {
    if (fallback.startsWith(root) && root.endsWith('/')) {
      // Resolved inside the tree: "../" stops at the tree's root, as it would in a checkout, so a
      // link cannot climb into another repo or Gitea's own pages.
      const url = new URL(target, `http://tree/${fallback.slice(root.length)}`);
      return `${root}${url.pathname.slice(1)}${url.search}${url.hash}`;
    }
    const url = new URL(target, fallback);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : fallback;
  } catch {
    return fallback;
  }
}

function inlineText(token: Token | undefined): string {
  if (!token?.children) return token?.content ?? '';
  return token.children
    .filter((t) => t.type === 'text' || t.type === 'code_inline' || t.type === 'image')
    .map((t) => (t.type === 'image' ? '' : t.content))
    .join('');
}

function anchorsAndLinks(md: MarkdownIt): void {
  md.core.ruler.push('rfc_site', (state) => {
    const env = state.env as Env;
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.type === 'heading_open') {
        const text = inlineText(tokens[i + 1]);
        const base = slugify(text);
        let id = base;
        let n = env.ids.get(base) ?? 0;
        while (env.ids.has(id)) id = `${base}-${++n}`;
        env.ids.set(base, n);
        env.ids.set(id, 0);
        t.attrSet('id', id);
        env.toc.push({ id, level: Number(t.tag.slice(1)), text });
      } else if (t.type === 'inline' && t.children) {
        for (const child of t.children) {
          if (child.type === 'link_open') {
            const href = child.attrGet('href') ?? '';
            if (isRelative(href))
              child.attrSet('href', resolveRelative(href, env.base.src, env.base.srcRoot));
          } else if (child.type === 'image') {
            const src = child.attrGet('src') ?? '';
            if (isRelative(src)) child.attrSet('src', resolveRelative(src, env.base.raw, env.base.rawRoot));
          }
        }
      }
    }
  });
  // Images become links: the pages load nothing from the network (strict CSP, self-contained site).
  md.renderer.rules.image = (tokens, idx, _options, env) => {
    const t = tokens[idx]!;
    const src = t.attrGet('src') ?? '';
    const alt = md.renderer.renderInlineAsText(t.children ?? [], md.options, env);
    const title = t.attrGet('title');
    return `<a class="img" href="${esc(src)}"${title ? ` title="${esc(title)}"` : ''}>Image: ${esc(alt || src)}</a>`;
  };
  const defaultLinkOpen =
    md.renderer.rules.link_open ??
    ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const href = tokens[idx]!.attrGet('href') ?? '';
    if (/^https?:/i.test(href)) tokens[idx]!.attrSet('rel', 'nofollow noopener');
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
}

function highlight(code: string, lang: string): string {
  const name = lang.toLowerCase();
  if (name && hljs.getLanguage(name)) {
    try {
      return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
    } catch {
      return '';
    }
  }
  return '';
}

/** The Markdown renderer; create once and reuse (markdown-it setup is the expensive part). */
export class MarkdownRenderer {
  private readonly md: MarkdownIt;
  constructor() {
    this.md = new MarkdownIt({ html: false, linkify: true, typographer: false, highlight });
    this.md.validateLink = isSafeLink;
    this.md.use(anchorsAndLinks);
  }
  /** Renders one untrusted body; relative links resolve against `base`. */
  render(body: string, base: LinkBase): RenderedBody {
    const env: Env = { base, toc: [], ids: new Map(RESERVED_IDS.map((id) => [id, 0])) };
    const html = this.md.render(body, env);
    return { html, toc: env.toc };
  }
}

/** Cheap plain text of a Markdown body for the search index (no rendering). */
export function searchWords(body: string): string[] {
  const text = body.toLowerCase();
  const ascii = asciiWords(text);
  if (ascii) return ascii;
  const words = new Set<string>();
  for (const m of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu)) {
    let w = m[0];
    if (w.endsWith("'") || w.endsWith('-')) w = w.replace(/['-]+$/, '');
    if (w.length >= 2 && w.length <= 40) words.add(w);
  }
  return [...words];
}

/** A table of `asciiWords` with `size` slots (a slot counts only when its stamp is the call's). */
function wordTable(size: number) {
  return { start: new Int32Array(size), len: new Int32Array(size), stamp: new Uint32Array(size), call: 0 };
}

/** The table reused from call to call; a body that needs more than 65,536 slots gets one of its own. */
let table = wordTable(4096);

/**
 * The distinct words of an all-ASCII lowercase text in order of first appearance, or null when the
 * text has a non-ASCII character. One pass over the character codes; each word is looked up by a
 * hash of its characters in an open-addressing table of first occurrences, so a repeated word
 * (most of them: about 575 words and 130 distinct in a 4.4 KB body) costs no string.
 */
function asciiWords(text: string): string[] | null {
  const n = text.length;
  let size = 256;
  while (size < (n * 2) / 3 + 2) size <<= 1;
  if (size > table.start.length && size <= 1 << 16) table = wordTable(size);
  const t = size <= table.start.length ? table : wordTable(size);
  if (t.call === 0xffff_ffff) {
    t.stamp.fill(0);
    t.call = 0;
  }
  const call = ++t.call;
  const mask = t.start.length - 1;
  const out: string[] = [];
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (c > 127) return null;
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) {
      i++;
      continue;
    }
    const start = i;
    // `end` stops before trailing apostrophes and hyphens, which are not part of the word; `hash`
    // (FNV-1a) is the hash of the characters up to `end`.
    let h = Math.imul(0x811c9dc5 ^ c, 0x01000193);
    let hash = h;
    let end = ++i;
    while (i < n) {
      c = text.charCodeAt(i);
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95) {
        h = Math.imul(h ^ c, 0x01000193);
        hash = h;
        end = ++i;
      } else if (c === 39 || c === 45) {
        h = Math.imul(h ^ c, 0x01000193);
        i++;
      } else break;
    }
    const len = end - start;
    if (len < 2 || len > 40) continue;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      if (t.stamp[slot] !== call) {
        t.stamp[slot] = call;
        t.start[slot] = start;
        t.len[slot] = len;
        out.push(text.slice(start, end));
        break;
      }
      if (t.len[slot] === len && sameChars(text, t.start[slot]!, start, len)) break;
    }
  }
  return out;
}

function sameChars(text: string, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}
