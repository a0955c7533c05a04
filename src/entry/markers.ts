/**
 * Text markers the gate writes and the reconciler reads: the `On-behalf-of` trailer,
 * `Supersedes: #N` lines, the `Gate-Key` commit trailer and the hidden body key marker.
 */
import { isValidLogin } from './syntax.ts';

const lf = (text: string): string => text.replace(/\r\n?/g, '\n');

const TRAILER_LINE = /^[A-Za-z0-9][A-Za-z0-9-]*: \S.*$/;

/** Appends `Key: value` lines to the text's trailer block, starting one after a blank line when there is none. */
export function appendTrailers(text: string, trailers: string[]): string {
  if (trailers.length === 0) return lf(text);
  const trimmed = lf(text).replace(/\s+$/, '');
  if (trimmed === '') return `${trailers.join('\n')}\n`;
  const paragraphs = trimmed.split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1]!;
  const lastIsTrailerBlock = paragraphs.length > 1 && last.split('\n').every((l) => TRAILER_LINE.test(l));
  return `${trimmed}${lastIsTrailerBlock ? '\n' : '\n\n'}${trailers.join('\n')}\n`;
}

const ON_BEHALF_RE = /^on-behalf-of:[ \t]*([^<>\n]*?)[ \t]*<([^<>\s]+)>[ \t]*$/gim;

/** The login of the last `On-behalf-of: Name <login>` line, or null when there is none (or it is malformed). */
export function parseOnBehalfOf(text: string): string | null {
  let login: string | null = null;
  for (const m of lf(text).matchAll(ON_BEHALF_RE)) {
    if (isValidLogin(m[2]!)) login = m[2]!;
  }
  return login;
}

/** The trailer line `On-behalf-of: Name <login>`; the name falls back to the login. */
export function formatOnBehalfOf(person: { login: string; name?: string | null }): string {
  if (!isValidLogin(person.login))
    throw new Error(`invalid Gitea login "${person.login}" for the On-behalf-of trailer`);
  const name =
    (person.name ?? '')
      .replace(/[<>\r\n]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim() || person.login;
  return `On-behalf-of: ${name} <${person.login}>`;
}

/** Appends an `On-behalf-of` trailer to a PR body or commit message. */
export function withOnBehalfOf(text: string, person: { login: string; name?: string | null }): string {
  return appendTrailers(text, [formatOnBehalfOf(person)]);
}

const SUPERSEDES_RE = /^[ \t]*supersedes:[ \t]*#(\d{1,9})[ \t]*$/gim;

/** Every N of the `Supersedes: #N` lines (one per line, key case-insensitive), unique and ascending. */
export function parseSupersedes(text: string): number[] {
  const out = new Set<number>();
  for (const m of lf(text).matchAll(SUPERSEDES_RE)) {
    const n = Number(m[1]);
    if (n > 0) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

/** The line `Supersedes: #N`. */
export function formatSupersedes(number: number): string {
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new Error(`PR number "${number}" must be a positive integer`);
  return `Supersedes: #${number}`;
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,199}$/;

/** True when `key` may be written into a marker: 1-200 of `A-Za-z0-9._:+=/-`, starting alphanumeric, no `--`. */
export function isValidGateKey(key: string): boolean {
  return typeof key === 'string' && KEY_RE.test(key) && !key.includes('--');
}

function checkKey(key: string): void {
  if (!isValidGateKey(key)) {
    throw new Error(
      `gate key "${key}" cannot be written into a marker: use 1-200 characters of A-Z a-z 0-9 . _ : + = / -`,
    );
  }
}

const GATE_KEY_RE = /^gate-key:[ \t]*(\S+)[ \t]*$/gim;

/** The key of the last `Gate-Key: <key>` trailer of a commit message, or null. */
export function parseGateKeyTrailer(message: string): string | null {
  let key: string | null = null;
  for (const m of lf(message).matchAll(GATE_KEY_RE)) {
    if (isValidGateKey(m[1]!)) key = m[1]!;
  }
  return key;
}

/** The trailer line `Gate-Key: <key>`. */
export function formatGateKeyTrailer(key: string): string {
  checkKey(key);
  return `Gate-Key: ${key}`;
}

/** Appends a `Gate-Key` trailer to a commit message. */
export function withGateKeyTrailer(message: string, key: string): string {
  return appendTrailers(message, [formatGateKeyTrailer(key)]);
}

const KEY_MARKER_RE = /<!--[ \t]*rfc-actions:key=([^\s>]+?)[ \t]*-->/g;

/** Every key of `<!-- rfc-actions:key=<key> -->` markers in a body, in order of appearance. */
export function parseKeyMarkers(body: string): string[] {
  const out: string[] = [];
  for (const m of lf(body).matchAll(KEY_MARKER_RE)) {
    if (isValidGateKey(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/** The key of the first `<!-- rfc-actions:key=<key> -->` marker in a body, or null. */
export function parseKeyMarker(body: string): string | null {
  return parseKeyMarkers(body)[0] ?? null;
}

/** The hidden marker `<!-- rfc-actions:key=<key> -->`. */
export function formatKeyMarker(key: string): string {
  checkKey(key);
  return `<!-- rfc-actions:key=${key} -->`;
}

/** The body with the key marker on its own last line (LF line ends). */
export function withKeyMarker(body: string, key: string): string {
  const marker = formatKeyMarker(key);
  const trimmed = lf(body).replace(/\s+$/, '');
  return trimmed === '' ? `${marker}\n` : `${trimmed}\n\n${marker}\n`;
}
