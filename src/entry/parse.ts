/** Parses `rfcs/<slug>.md`: gray-matter splits the file, the `yaml` package parses the frontmatter. */
import matter from 'gray-matter';
import { type Document, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { checkFields } from './fields.ts';
import {
  DEFAULT_MAX_BODY_BYTES,
  type EntryProblem,
  MAX_ALIAS_COUNT,
  MAX_FRONTMATTER_BYTES,
  type ParseResult,
} from './model.ts';

export interface ParseOptions {
  /** the file's path, used in problems and compared with the slug (`rfcs/<slug>.md`) */
  path: string;
  /** cap on the body in UTF-8 bytes (default 1 MiB) */
  maxBodyBytes?: number;
}

/** Syntax errors cascade; past this many the rest is noise. */
const MAX_YAML_PROBLEMS = 10;

interface YamlOutcome {
  doc: Document.Parsed | null;
  lineCounter: LineCounter;
  data: unknown;
  failure: 'aliases' | 'nesting' | null;
}

/** Index of the first byte that is not valid UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function lineAtByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function refuseEngine(): object {
  throw new Error('only YAML frontmatter is accepted');
}

function yamlOutcome(src: string): YamlOutcome {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(src, {
      lineCounter,
      uniqueKeys: true,
      prettyErrors: false,
      version: '1.2',
      schema: 'core',
      logLevel: 'error',
    });
  } catch (err) {
    if (err instanceof RangeError) return { doc: null, lineCounter, data: null, failure: 'nesting' };
    throw err;
  }
  let data: unknown = null;
  let failure: YamlOutcome['failure'] = null;
  if (doc.errors.length === 0 || doc.errors.every((e) => e.code === 'DUPLICATE_KEY')) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // yaml throws a ReferenceError when alias expansion exceeds maxAliasCount (billion laughs),
      // and deep nesting can exhaust the stack (RangeError).
      if (err instanceof ReferenceError) failure = 'aliases';
      else if (err instanceof RangeError) failure = 'nesting';
      else throw err;
    }
  }
  return { doc, lineCounter, data, failure };
}

/** Problems in file order; those on the same line (or without one) keep the order the checks found them in. */
function byLine(problems: EntryProblem[]): EntryProblem[] {
  return problems.sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
}

/** Parses and validates one entry file; every problem of the file is reported at once. */
export function parseEntry(input: string | Uint8Array, opts: ParseOptions): ParseResult {
  const file = opts.path;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const fail = (field: string | null, line: number | null, message: string): ParseResult => ({
    ok: false,
    problems: [{ file, field, line, message }],
  });

  let text: string;
  if (typeof input === 'string') {
    const bad = LONE_SURROGATE.exec(input);
    if (bad)
      return fail(
        null,
        lineAt(input, bad.index),
        'the text is not valid Unicode (lone surrogate); save the file as UTF-8',
      );
    text = input;
  } else {
    const bad = firstInvalidUtf8(input);
    if (bad !== -1) {
      return fail(null, lineAtByte(input, bad), `invalid UTF-8 at byte ${bad}; save the file as UTF-8`);
    }
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
  }
  // A byte order mark and CRLF line ends come from Windows editors; both are accepted and normalised.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  text = text.replace(/\r\n/g, '\n');

  const firstNl = text.indexOf('\n');
  const firstLine = firstNl === -1 ? text : text.slice(0, firstNl);
  if (firstLine !== '---') {
    const hint = /^---\s+$/.test(firstLine) ? ' (remove the trailing spaces)' : '';
    return fail(
      null,
      1,
      `no frontmatter: the file must start with a line "---"${hint}, then YAML, then a line "---"`,
    );
  }

  let closeLine = -1;
  let pos = firstNl + 1;
  let lineNo = 2;
  const problems: EntryProblem[] = [];
  while (pos > 0 && pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const line = nl === -1 ? text.slice(pos) : text.slice(pos, nl);
    if (line.startsWith('---')) {
      if (line === '---') {
        closeLine = lineNo;
        break;
      }
      // gray-matter would take any line starting with "---" as the closing delimiter.
      return fail(
        null,
        lineNo,
        `line ${lineNo} starts with "---" but is not a delimiter; the closing delimiter is a line of exactly "---"`,
      );
    }
    if (nl === -1) break;
    pos = nl + 1;
    lineNo++;
    if (pos - firstNl > MAX_FRONTMATTER_BYTES) {
      return fail(
        null,
        1,
        `frontmatter is longer than ${MAX_FRONTMATTER_BYTES} bytes or has no closing "---" line`,
      );
    }
  }
  if (closeLine === -1) {
    return fail(null, 1, 'unterminated frontmatter: the "---" on line 1 has no closing "---" line');
  }

  let yaml: YamlOutcome | null = null;
  const parsed = matter(text, {
    language: 'yaml',
    engines: {
      yaml: {
        parse: (src: string): object => {
          yaml = yamlOutcome(src);
          return {};
        },
      },
      javascript: refuseEngine,
      js: refuseEngine,
      json: refuseEngine,
      toml: refuseEngine,
      coffee: refuseEngine,
    },
  });
  const body = parsed.content;
  const y = yaml as YamlOutcome | null;

  const topPair = (key: string) => {
    const contents = y?.doc?.contents;
    if (!isMap(contents)) return null;
    // the last of duplicate keys, as toJS keeps the last value
    return contents.items.findLast((pair) => isScalar(pair.key) && String(pair.key.value) === key) ?? null;
  };
  const lineOfOffset = (offset: number): number | null => (y ? y.lineCounter.linePos(offset).line : null);
  const lineOf = (key: string): number | null => {
    const pair = topPair(key);
    const range = pair && isScalar(pair.key) ? pair.key.range : null;
    return range ? lineOfOffset(range[0]) : null;
  };
  const sourceOf = (key: string): string | null => {
    const pair = topPair(key);
    return pair && isScalar(pair.value) && typeof pair.value.source === 'string' ? pair.value.source : null;
  };

  let raw: Record<string, unknown> = {};
  if (y) {
    const docErrors = y.doc ? [...y.doc.errors, ...y.doc.warnings] : [];
    for (const err of docErrors) {
      const line = err.linePos?.[0].line ?? lineOfOffset(err.pos[0]);
      if (err.code === 'DUPLICATE_KEY') {
        const contents = y.doc?.contents;
        let key: string | null = null;
        if (isMap(contents)) {
          for (const pair of contents.items) {
            if (isScalar(pair.key) && pair.key.range?.[0] === err.pos[0]) key = String(pair.key.value);
          }
        }
        problems.push({
          file,
          field: key,
          line,
          message: `duplicate key${key === null ? '' : ` "${key}"`}: keep only one`,
        });
      } else if (/call stack/i.test(err.message)) {
        // yaml reports a stack overflow while composing as an ordinary error
        y.failure = 'nesting';
      } else {
        problems.push({ file, field: null, line, message: `invalid YAML: ${err.message.split('\n')[0]}` });
      }
    }
    if (problems.length > MAX_YAML_PROBLEMS) {
      const more = problems.length - MAX_YAML_PROBLEMS;
      problems.splice(MAX_YAML_PROBLEMS, more, {
        file,
        field: null,
        line: null,
        message: `${more} more YAML problems after these; fix these first`,
      });
    }
    if (y.failure === 'aliases') {
      problems.push({
        file,
        field: null,
        line: 2,
        message: `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT}); write the values out instead of using anchors`,
      });
    } else if (y.failure === 'nesting') {
      problems.push({ file, field: null, line: 2, message: 'frontmatter is nested too deeply; flatten it' });
    }
    const errorsFatal =
      docErrors.some((e) => e.code !== 'DUPLICATE_KEY' && e.name === 'YAMLParseError') || y.failure !== null;
    if (errorsFatal) return { ok: false, problems: byLine(problems) };
    const data = y.data;
    if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
      problems.push({
        file,
        field: null,
        line: 2,
        message: 'frontmatter must be a mapping of keys to values',
      });
      return { ok: false, problems };
    }
    raw = (data ?? {}) as Record<string, unknown>;
  }

  const { fields, problems: fieldProblems } = checkFields(raw, { file, lineOf, sourceOf });
  problems.push(...fieldProblems);

  const bodyBytes = Buffer.byteLength(body, 'utf8');
  if (bodyBytes > maxBodyBytes) {
    problems.push({
      file,
      field: 'body',
      line: closeLine + 1,
      message: `body is ${bodyBytes} bytes, over the limit of ${maxBodyBytes}; split it or move material into linked files`,
    });
  }

  if (problems.length > 0) return { ok: false, problems: byLine(problems) };
  return { ok: true, entry: { ...fields, body } };
}
