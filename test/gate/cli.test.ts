/** The `gate` verb: usage generated from the registry, usage errors before any request. */
import { describe, expect, test } from 'vitest';
import { CliUsageError } from '../../src/cli/common.ts';
import { main, usage } from '../../src/cli/gate.ts';
import { describeOps, OP_NAMES } from '../../src/gate/index.ts';

describe('usage', () => {
  test('lists every operation and every field', () => {
    const text = usage();
    for (const d of describeOps()) {
      expect(text).toContain(`  ${d.op}\n`);
      for (const [name, f] of Object.entries(d.fields))
        expect(text).toContain(`${name}${f.required ? '' : '?'}: `);
    }
    expect(describeOps().map((d) => d.op)).toEqual([...OP_NAMES]);
  });
});

describe('usage errors', () => {
  const base = [
    '--as',
    'alice',
    '--request',
    'r1',
    '--gitea-url',
    'http://127.0.0.1:9',
    '--token',
    't',
    '--repo',
    'rfcs/meta',
  ];
  test.each([
    [['drop_table', '--input', '{}', ...base], /unknown operation "drop_table"/],
    [['--input', '{}', ...base], /missing the operation/],
    [['create_issue', ...base], /missing "--input JSON"/],
    [['create_issue', '--input', '{nope', ...base], /"--input" is not JSON/],
    [['create_issue', '--input', '{"title":"t"}', ...base], /field "body" is required/],
    [['create_issue', '--input', '{"title":"t","body":"b"}', '--request', 'r1'], /missing "--as LOGIN"/],
    [
      ['create_issue', '--input', '{"title":"t","body":"b"}', ...base, '--requested-at', 'yesterday'],
      /"--requested-at" must be an RFC 3339 date-time/,
    ],
    [
      ['create_issue', '--input', '{"title":"t","body":"b"}', ...base, '--workspace', '/nonexistent/ws'],
      /"--workspace" "\/nonexistent\/ws" is not a git checkout of "rfcs\/meta"/,
    ],
  ])('%j', async (argv, why) => {
    const err = await main(argv).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliUsageError);
    expect((err as CliUsageError).message).toMatch(why);
    expect((err as CliUsageError).usage).toContain('graduate_rfc');
  });
});
