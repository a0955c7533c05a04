/**
 * The slash-command grammar of issue and PR comments, e.g. `/rfc propose <slug> [title]`.
 * Pure: a comment body in, the commands and typed errors (one per `/rfc` line) out.
 * Lines inside fenced code blocks, block quotes (including their lazy continuation lines),
 * indented code and HTML comments are text, never commands: a reply that quotes a command
 * must not run it again.
 */

/** The sub-commands, in the order `/rfc help` lists them. */
export const SLASH_VERBS = ['propose', 'claim', 'edit', 'graduate', 'withdraw', 'merge', 'help'] as const;
export type SlashVerb = (typeof SLASH_VERBS)[number];

/** Verbs that act on one RFC; the slug is optional when the issue or PR already names the RFC. */
type SlugVerb = 'claim' | 'edit' | 'graduate' | 'withdraw';

/** One parsed command. `line` is 1-based in the comment body. */
export type SlashCommand =
  | { verb: 'propose'; slug: string; title: string | null; line: number }
  | { verb: SlugVerb; slug: string | null; line: number }
  | { verb: 'merge' | 'help'; line: number };

export type SlashErrorReason =
  | 'missing-verb'
  | 'unknown-verb'
  | 'missing-argument'
  | 'invalid-slug'
  | 'unexpected-argument';

/** A `/rfc` line that is not a valid command: the reason, and the usage to reply with. */
export interface SlashError {
  reason: SlashErrorReason;
  line: number;
  /** the offending line as written, trimmed */
  text: string;
  message: string;
  /** the correct usage of the verb, or the whole grammar when the verb is unknown */
  usage: string;
}

/** One `/rfc` line of a comment, parsed. */
export type SlashLine = { ok: true; command: SlashCommand } | { ok: false; error: SlashError };

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

const USAGE: Record<SlashVerb, { syntax: string; summary: string }> = {
  propose: {
    syntax: '/rfc propose <slug> [title]',
    summary: 'open a propose PR for a new RFC; the issue body becomes the RFC body',
  },
  claim: { syntax: '/rfc claim [slug]', summary: 'ask to become an owner of the RFC' },
  edit: { syntax: '/rfc edit [slug]', summary: 'start an edit branch for the RFC body' },
  graduate: { syntax: '/rfc graduate [slug]', summary: 'graduate the RFC: create its repo with RFC.md' },
  withdraw: { syntax: '/rfc withdraw [slug]', summary: 'withdraw the RFC, or the PR this comment is on' },
  merge: { syntax: '/rfc merge', summary: 'merge the PR this comment is on (owners and arbiters)' },
  help: { syntax: '/rfc help', summary: 'list the commands' },
};

/** The usage line of one verb. */
export function slashUsage(verb: SlashVerb): string {
  return USAGE[verb].syntax;
}

/** The whole grammar as a Markdown list, for `/rfc help` and unknown-verb replies. */
export function slashHelp(): string {
  const lines = SLASH_VERBS.map((v) => `- \`${USAGE[v].syntax}\`: ${USAGE[v].summary}`);
  return `${lines.join('\n')}\n\nOne command per line; several lines may stand in one comment. <slug> matches ${SLUG.source}.`;
}

function isVerb(word: string): word is SlashVerb {
  return (SLASH_VERBS as readonly string[]).includes(word);
}

/** Parses the text after `/rfc` on one line. */
function parseLine(text: string, line: number): SlashLine {
  const rest = text.slice('/rfc'.length).trim();
  const fail = (reason: SlashErrorReason, message: string, usage: string): SlashLine => ({
    ok: false,
    error: { reason, line, text, message, usage },
  });
  if (rest === '') return fail('missing-verb', 'no command after "/rfc"', slashHelp());
  const [word = '', ...args] = rest.split(/\s+/);
  const verb = word.toLowerCase();
  if (!isVerb(verb)) return fail('unknown-verb', `unknown command "${word}"`, slashHelp());
  const usage = slashUsage(verb);
  switch (verb) {
    case 'propose': {
      const slug = args[0];
      if (slug === undefined) return fail('missing-argument', 'missing <slug>', usage);
      if (!SLUG.test(slug)) return fail('invalid-slug', `invalid slug "${slug}": use ${SLUG.source}`, usage);
      const title = unquote(rest.slice(word.length).trim().slice(slug.length).trim());
      return { ok: true, command: { verb, slug, title: title === '' ? null : title, line } };
    }
    case 'claim':
    case 'edit':
    case 'graduate':
    case 'withdraw': {
      if (args.length > 1)
        return fail('unexpected-argument', `unexpected "${args.slice(1).join(' ')}"`, usage);
      const slug = args[0] ?? null;
      if (slug !== null && !SLUG.test(slug)) {
        return fail('invalid-slug', `invalid slug "${slug}": use ${SLUG.source}`, usage);
      }
      return { ok: true, command: { verb, slug, line } };
    }
    case 'merge':
    case 'help':
      if (args.length > 0) return fail('unexpected-argument', `unexpected "${args.join(' ')}"`, usage);
      return { ok: true, command: { verb, line } };
  }
}

function unquote(s: string): string {
  const m = /^(["'“])(.*)(["'”])$/.exec(s);
  if (m && (m[1] === m[3] || (m[1] === '“' && m[3] === '”'))) return m[2]!.trim();
  return s;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * Every `/rfc` line of a comment body, in order. A line is a command when, outside code,
 * quotes and HTML comments, it starts (after at most three spaces; four make indented code)
 * with `/rfc` followed by a space or the end of the line.
 */
export function parseSlashCommands(body: string): SlashLine[] {
  const out: SlashLine[] = [];
  const lines = body.split(/\r\n|\r|\n/);
  let fence: { char: string; len: number } | null = null;
  let inHtmlComment = false;
  let quoteParagraph = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const blank = raw.trim() === '';
    if (fence) {
      const m = FENCE.exec(raw);
      if (m && m[1]![0] === fence.char && m[1]!.length >= fence.len && m[2]!.trim() === '') fence = null;
      continue;
    }
    if (inHtmlComment) {
      if (raw.includes('-->')) inHtmlComment = false;
      continue;
    }
    const open = FENCE.exec(raw);
    // A backtick fence's info string may not contain backticks (CommonMark 4.5).
    if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
      fence = { char: open[1]![0]!, len: open[1]!.length };
      quoteParagraph = false;
      continue;
    }
    if (blank) {
      quoteParagraph = false;
      continue;
    }
    if (/^ {0,3}>/.test(raw)) {
      quoteParagraph = raw.replace(/^ {0,3}>\s?/, '').trim() !== '';
      continue;
    }
    if (/^ {0,3}<!--/.test(raw)) {
      if (!raw.slice(raw.indexOf('<!--') + 4).includes('-->')) inHtmlComment = true;
      continue;
    }
    if (quoteParagraph) continue;
    const text = raw.trim();
    if (/^ {0,3}\/rfc(\s|$)/.test(raw)) out.push(parseLine(text, i + 1));
  }
  return out;
}
