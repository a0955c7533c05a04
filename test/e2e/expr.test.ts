// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not templates
import { describe, expect, it } from 'vitest';
import { condition, evaluate, interpolate } from './expr.ts';

const ctx = {
  github: { event_name: 'issue_comment', event: { comment: { body: 'Please /RFC merge' } }, token: 't0k' },
  inputs: { op: 'merge_pr', 'op-input': '{"number":1}' },
  steps: { gate: { outputs: { changed: 'true' } } },
  secrets: {},
};

describe('the workflow expression evaluator', () => {
  it.each([
    ["github.event_name == 'workflow_dispatch'", false],
    ["github.event_name == 'ISSUE_COMMENT'", true],
    ["github.event_name == 'workflow_dispatch' || contains(github.event.comment.body, '/rfc')", true],
    ["steps.gate.outputs.changed == 'true' && !contains(inputs.op, 'x')", true],
    ["github.ref != 'refs/heads/rfc-cache'", true],
    ['secrets.MISSING', null],
    ["startsWith(inputs.op, 'merge') && endsWith(inputs.op, '_pr')", true],
    ["'it''s'", "it's"],
  ])('%s -> %j', (expr, value) => {
    expect(evaluate(expr, ctx)).toBe(value);
  });

  it('expands ${{ }} in strings, a missing value as empty', () => {
    expect(interpolate('${{ inputs.op-input }} by ${{ secrets.NONE }}!', ctx)).toBe('{"number":1} by !');
  });

  it('treats an if: without a status function as success() && expr', () => {
    expect(condition(undefined, ctx, { failed: true })).toBe(false);
    expect(condition("${{ steps.gate.outputs.changed == 'true' }}", ctx, { failed: true })).toBe(false);
    expect(condition("always() && steps.gate.outputs.changed == 'true'", ctx, { failed: true })).toBe(true);
  });

  it('rejects what it does not know instead of guessing', () => {
    expect(() => evaluate('fromJSON(inputs.op)', ctx)).toThrow('function "fromJSON" is not supported');
    expect(() => evaluate("github.event_name == 'x", ctx)).toThrow('unterminated string');
  });
});
