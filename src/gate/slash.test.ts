import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSlashCommands, SLASH_VERBS, type SlashLine, slashHelp, slashUsage } from './slash.ts';

const ok = (body: string) =>
  parseSlashCommands(body).map((l) => {
    if (!l.ok) throw new Error(`expected a command, got ${l.error.reason}: ${l.error.message}`);
    return l.command;
  });
const errors = (body: string) =>
  parseSlashCommands(body).map((l) => {
    if (l.ok) throw new Error(`expected an error, got ${l.command.verb}`);
    return l.error;
  });

describe('parseSlashCommands: valid commands', () => {
  it.each([
    ['/rfc propose private-fields', { verb: 'propose', slug: 'private-fields', title: null, line: 1 }],
    [
      '/rfc propose private-fields Private fields by default',
      { verb: 'propose', slug: 'private-fields', title: 'Private fields by default', line: 1 },
    ],
    ['/rfc propose x "Quoted title"', { verb: 'propose', slug: 'x', title: 'Quoted title', line: 1 }],
    ['/rfc claim', { verb: 'claim', slug: null, line: 1 }],
    ['/rfc claim private-fields', { verb: 'claim', slug: 'private-fields', line: 1 }],
    ['/rfc edit', { verb: 'edit', slug: null, line: 1 }],
    ['/rfc graduate', { verb: 'graduate', slug: null, line: 1 }],
    ['/rfc withdraw', { verb: 'withdraw', slug: null, line: 1 }],
    ['/rfc merge', { verb: 'merge', line: 1 }],
    ['/rfc help', { verb: 'help', line: 1 }],
    ['   /rfc MERGE  ', { verb: 'merge', line: 1 }],
    ['/rfc\tmerge', { verb: 'merge', line: 1 }],
  ])('%j', (body, expected) => {
    expect(ok(body)).toEqual([expected]);
  });

  it('reads several commands, one per line, with their line numbers (CRLF too)', () => {
    const body = 'Thanks!\r\n/rfc claim\r\n\r\nsome text\r\n/rfc merge\r\n';
    expect(ok(body)).toEqual([
      { verb: 'claim', slug: null, line: 2 },
      { verb: 'merge', line: 5 },
    ]);
  });

  it('keeps the order of commands and errors as written', () => {
    const lines = parseSlashCommands('/rfc help\n/rfc frobnicate\n/rfc merge');
    expect(lines.map((l) => (l.ok ? l.command.verb : l.error.reason))).toEqual([
      'help',
      'unknown-verb',
      'merge',
    ]);
  });
});

describe('parseSlashCommands: text that is not a command', () => {
  it.each([
    ['prose mentioning /rfc merge mid-line', 'I will /rfc merge later'],
    ['inline code', 'run `/rfc merge` when ready'],
    ['a longer word', '/rfcs merge'],
    ['a backtick fence', '```\n/rfc merge\n```'],
    ['a tilde fence with info string', '~~~text\n/rfc merge\n~~~'],
    ['a longer closing fence is still inside until closed', '````\n```\n/rfc merge\n````'],
    ['an unclosed fence runs to the end', 'x\n```sh\n/rfc merge'],
    ['a block quote', '> /rfc merge'],
    ['a nested quote', '> > /rfc merge'],
    ['a lazy continuation of a quote', '> I said\n/rfc merge'],
    ['indented code', '    /rfc merge'],
    ['an HTML comment', '<!-- /rfc merge -->'],
    ['a multi-line HTML comment', '<!--\n/rfc merge\n-->'],
    ['a list item', '- /rfc merge'],
  ])('%s', (_name, body) => {
    expect(parseSlashCommands(body)).toEqual([]);
  });

  it('reads commands again after a fence closes and after a quote ends', () => {
    const body = '```\n/rfc help\n```\n/rfc claim\n> /rfc edit\n\n/rfc merge';
    expect(ok(body).map((c) => [c.verb, c.line])).toEqual([
      ['claim', 4],
      ['merge', 7],
    ]);
  });
});

describe('parseSlashCommands: malformed commands get the reason and the usage', () => {
  it.each([
    ['/rfc', 'missing-verb', 'no command after "/rfc"', slashHelp()],
    ['/rfc frobnicate', 'unknown-verb', 'unknown command "frobnicate"', slashHelp()],
    ['/rfc propose', 'missing-argument', 'missing <slug>', '/rfc propose <slug> [title]'],
    ['/rfc propose Bad_Slug', 'invalid-slug', 'invalid slug "Bad_Slug"', '/rfc propose <slug> [title]'],
    ['/rfc claim NOPE', 'invalid-slug', 'invalid slug "NOPE"', '/rfc claim [slug]'],
    ['/rfc claim a b', 'unexpected-argument', 'unexpected "b"', '/rfc claim [slug]'],
    ['/rfc merge now please', 'unexpected-argument', 'unexpected "now please"', '/rfc merge'],
    ['/rfc help me', 'unexpected-argument', 'unexpected "me"', '/rfc help'],
  ])('%j', (body, reason, message, usage) => {
    const [e] = errors(body);
    expect(e?.reason).toBe(reason);
    expect(e?.message).toContain(message);
    expect(e?.usage).toBe(usage);
    expect(e?.text).toBe(body);
    expect(e?.line).toBe(1);
  });

  it('lists every verb in the help text', () => {
    for (const v of SLASH_VERBS) expect(slashHelp()).toContain(slashUsage(v));
  });
});

describe('parseSlashCommands: properties', () => {
  const slashLine = fc.oneof(
    fc.constantFrom(...SLASH_VERBS).map((v) => `/rfc ${v}`),
    fc.string({ maxLength: 20 }).map((s) => `/rfc ${s}`),
    fc.string({ maxLength: 30 }),
    fc.constantFrom('```', '~~~', '> quoted', '', '<!--', '-->'),
  );

  it('never throws, and reports only lines that start with /rfc, in order', () => {
    fc.assert(
      fc.property(fc.array(slashLine, { maxLength: 12 }), (lines) => {
        const body = lines.join('\n');
        const parsed: SlashLine[] = parseSlashCommands(body);
        const nums = parsed.map((l) => (l.ok ? l.command.line : l.error.line));
        expect([...nums].sort((a, b) => a - b)).toEqual(nums);
        for (const n of nums) expect(lines[n - 1]!.trimStart().startsWith('/rfc')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('finds every command in a body of plain command lines', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('merge', 'help', 'claim', 'edit'), { maxLength: 8 }), (verbs) => {
        const got = ok(verbs.map((v) => `/rfc ${v}`).join('\n'));
        expect(got.map((c) => c.verb)).toEqual(verbs);
      }),
      { numRuns: 100 },
    );
  });
});
