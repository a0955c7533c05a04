import { describe, expect, it } from 'vitest';
import { type CommentContext, planComment, replyCommand, runComment } from '../../src/action/bot.ts';
import type { Ack, Command } from '../../src/gate/index.ts';

const onIssue: CommentContext = {
  repo: 'rfcs/meta',
  issueNumber: 7,
  issueTitle: 'Private fields by default',
  issueBody: 'Fields should be private unless marked.',
  prHead: null,
  commentId: 4242,
  commentBody: '',
  author: 'alice',
};
const onPr = (head: string): CommentContext => ({ ...onIssue, issueNumber: 9, prHead: head });
const plan = (ctx: CommentContext, body: string) => planComment({ ...ctx, commentBody: body });

describe('planComment: slash commands become gate commands', () => {
  it.each([
    ['propose on an issue', onIssue, '/rfc propose private-fields'],
    ['propose with a title', onIssue, '/rfc propose private-fields Private by default'],
    ['claim naming the slug', onIssue, '/rfc claim private-fields'],
    ['claim on an edit PR', onPr('edit/private-fields/typo'), '/rfc claim'],
    ['edit on a metadata PR', onPr('metadata-private-fields-0a1b2c'), '/rfc edit'],
    ['graduate', onIssue, '/rfc graduate private-fields'],
    ['withdraw on a PR withdraws the PR', onPr('propose/private-fields'), '/rfc withdraw'],
    [
      'withdraw naming the slug withdraws the RFC',
      onPr('propose/private-fields'),
      '/rfc withdraw private-fields',
    ],
    ['merge on a propose PR', onPr('propose/private-fields'), '/rfc merge'],
    ['merge on another PR', onPr('feature'), '/rfc merge'],
  ])('%s', (_name, ctx, body) => {
    const steps = plan(ctx, body);
    expect(steps).toHaveLength(1);
    const step = steps[0]!;
    if (step.kind !== 'command') throw new Error(`expected a command, got a reply: ${step.body}`);
    expect(step.command).toMatchSnapshot();
  });

  it('keys each command by comment and line, so a re-run asks the gate the same thing', () => {
    const [a, b] = plan(onPr('propose/x'), '/rfc claim\n/rfc merge');
    expect(a?.kind === 'command' && a.command.request).toBe('comment:4242:line:1');
    expect(b?.kind === 'command' && b.command.request).toBe('comment:4242:line:2');
    expect(replyCommand(onIssue, 2, 'done', 'x').request).toBe('comment:4242:line:2:reply:done');
  });
});

describe('planComment: lines that only get a reply', () => {
  it.each([
    ['help', onIssue, '/rfc help', 'Commands:'],
    ['unknown verb', onIssue, '/rfc frobnicate', 'unknown command "frobnicate"'],
    ['missing slug', onIssue, '/rfc propose', '`/rfc propose <slug> [title]`'],
    ['no RFC to act on', onIssue, '/rfc claim', 'say which RFC'],
    ['merge on an issue', onIssue, '/rfc merge', 'works on a pull request only'],
  ])('%s', (_name, ctx, body, expected) => {
    const [step] = plan(ctx, body);
    expect(step?.kind).toBe('reply');
    expect(step?.kind === 'reply' && step.body).toContain(expected);
  });

  it('ignores commands inside quotes and code', () => {
    expect(plan(onIssue, '> /rfc merge\n\n```\n/rfc help\n```')).toEqual([]);
  });
});

describe('runComment', () => {
  const ack = (c: Command, over: Partial<Ack> = {}): Ack => ({
    success: true,
    key: `k-${c.request}`,
    op: c.op,
    url: `http://gitea/x/${c.request}`,
    number: 1,
    message: `${c.op} ok`,
    prior_execution: false,
    executed_at: '2026-01-01T00:00:00.000Z',
    ...over,
  });

  it('runs each command and then its reply, in line order, and replies to every line', async () => {
    const calls: Command[] = [];
    const gate = async (c: Command) => {
      calls.push(c);
      return c.op === 'merge_pr'
        ? ack(c, { success: false, message: 'denied: only owners may merge' })
        : ack(c);
    };
    const results = await runComment(
      { ...onPr('propose/x'), commentBody: '/rfc claim\n/rfc nope\n/rfc merge' },
      { gate },
    );
    expect(calls.map((c) => [c.op, c.request])).toEqual([
      ['open_claim_pr', 'comment:4242:line:1'],
      ['add_comment', 'comment:4242:line:1:reply:done'],
      ['add_comment', 'comment:4242:line:2:reply:usage'],
      ['merge_pr', 'comment:4242:line:3'],
      ['add_comment', 'comment:4242:line:3:reply:not-done'],
    ]);
    expect(calls.filter((c) => c.op === 'add_comment').map((c) => c.payload.body)).toMatchSnapshot();
    // A replay gets "already done: …" from the gate; the reply payload must not change with it.
    const replayed: Command[] = [];
    await runComment(
      { ...onPr('propose/x'), commentBody: '/rfc claim' },
      {
        gate: async (c) => {
          replayed.push(c);
          return c.op === 'add_comment'
            ? ack(c)
            : ack(c, { prior_execution: true, message: 'already done: x' });
        },
      },
    );
    expect(replayed[1]).toEqual(calls[1]);
    expect(results.map((r) => [r.line, r.ack?.success ?? null])).toEqual([
      [1, true],
      [2, null],
      [3, false],
    ]);
  });
});
