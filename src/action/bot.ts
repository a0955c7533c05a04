/**
 * The bot: turns the `/rfc` lines of one issue or PR comment into gate commands, runs them,
 * and answers each line with a reply that also goes through the gate (keyed by the comment
 * and the line), so a re-run of the job neither writes nor replies twice. Every line gets a
 * reply: a malformed command, a denial or a failure says why and how to use the command.
 */
import { classifyBranch } from '../entry/branches.ts';
import { type Ack, type Command, GateInputError, type OpName } from '../gate/index.ts';
import {
  parseSlashCommands,
  type SlashCommand,
  type SlashLine,
  slashHelp,
  slashUsage,
} from '../gate/slash.ts';

/** What the bot needs to know about the comment, from the issue_comment payload (and the PR). */
export interface CommentContext {
  /** owner/name of the repo the comment is in (the meta repo) */
  repo: string;
  issueNumber: number;
  issueTitle: string;
  issueBody: string;
  /** the PR's head branch when the comment is on a PR, else null */
  prHead: string | null;
  commentId: number;
  commentBody: string;
  author: string;
  /** the comment's created_at (RFC 3339, Gitea's clock), when the payload has one */
  createdAt?: string | null;
}

/** One planned step for one `/rfc` line: a gate command, or only a reply. */
export type BotStep =
  | {
      kind: 'command';
      line: number;
      text: string;
      verb: SlashCommand['verb'];
      command: Command;
      usage: string;
    }
  | { kind: 'reply'; line: number; text: string; body: string };

const SOURCE = 'slash-command';

function requestOf(ctx: CommentContext, line: number): string {
  return `comment:${ctx.commentId}:line:${line}`;
}

/** The slug a verb without one acts on: named by the PR's head branch, else none. */
function slugFromContext(ctx: CommentContext): string | null {
  return ctx.prHead ? classifyBranch(ctx.prHead).slug : null;
}

function errorReply(text: string, reason: string, usage: string): string {
  return `\`${text}\`: ${reason}.\n\nUsage:\n\n${usage.startsWith('- ') ? usage : `\`${usage}\``}`;
}

/** Plans one parsed line. Pure. */
export function planLine(ctx: CommentContext, parsed: SlashLine): BotStep {
  if (!parsed.ok) {
    const e = parsed.error;
    return { kind: 'reply', line: e.line, text: e.text, body: errorReply(e.text, e.message, e.usage) };
  }
  const c = parsed.command;
  const text = `/rfc ${c.verb}${'slug' in c && c.slug ? ` ${c.slug}` : ''}`;
  const usage = slashUsage(c.verb);
  const cmd = (op: OpName, payload: Record<string, unknown>): BotStep => ({
    kind: 'command',
    line: c.line,
    text,
    verb: c.verb,
    usage,
    command: {
      op,
      repo: ctx.repo,
      payload,
      actor: ctx.author,
      source: SOURCE,
      request: requestOf(ctx, c.line),
    },
  });
  const needSlug = (): BotStep => ({
    kind: 'reply',
    line: c.line,
    text,
    body: errorReply(text, 'this comment is not on a PR that names an RFC, so say which RFC', usage),
  });
  switch (c.verb) {
    case 'help':
      return { kind: 'reply', line: c.line, text, body: `Commands:\n\n${slashHelp()}` };
    case 'propose':
      return cmd('propose_rfc', { slug: c.slug, title: c.title ?? ctx.issueTitle, body: ctx.issueBody });
    case 'claim':
    case 'edit':
    case 'graduate':
    case 'withdraw': {
      const slug = c.slug ?? slugFromContext(ctx);
      if (!slug) return needSlug();
      if (c.verb === 'claim') return cmd('open_claim_pr', { slug });
      if (c.verb === 'edit') return cmd('start_edit_branch', { slug });
      if (c.verb === 'graduate') return cmd('graduate_rfc', { slug });
      // On a PR of the RFC, withdraw the PR; anywhere else, withdraw the RFC.
      if (ctx.prHead && c.slug === null) return cmd('withdraw_branch_pr', { slug, number: ctx.issueNumber });
      return cmd('withdraw_rfc', { slug });
    }
    case 'merge': {
      if (!ctx.prHead) {
        return {
          kind: 'reply',
          line: c.line,
          text,
          body: errorReply(text, 'this works on a pull request only: comment it on the PR to merge', usage),
        };
      }
      const slug = slugFromContext(ctx);
      return cmd('merge_pr', slug ? { number: ctx.issueNumber, slug } : { number: ctx.issueNumber });
    }
  }
}

/** Plans every `/rfc` line of the comment, in order. */
export function planComment(ctx: CommentContext): BotStep[] {
  return parseSlashCommands(ctx.commentBody).map((l) => planLine(ctx, l));
}

const DONE: Partial<Record<OpName, string>> = {
  propose_rfc: 'opened the proposal PR',
  open_claim_pr: 'opened the claim PR',
  start_edit_branch: 'created the edit branch',
  graduate_rfc: 'graduated the RFC',
  withdraw_rfc: 'withdrew the RFC',
  withdraw_branch_pr: 'withdrew the PR',
  merge_pr: 'merged the PR',
};

/**
 * The reply to a command the gate ran. A success is worded from the operation and its
 * target only, never from the acknowledgement's message, which differs on a replay: the
 * reply of a re-run must be the same payload, or the gate would refuse it.
 */
export function ackReply(step: Extract<BotStep, { kind: 'command' }>, ack: Ack): string {
  const where = ack.url ? `: ${ack.url}` : ack.number ? `: #${ack.number}` : '';
  if (ack.success) return `\`${step.text}\`: done, ${DONE[step.command.op] ?? step.command.op}${where}`;
  return `\`${step.text}\`: not done: ${ack.message}.\n\nUsage: \`${step.usage}\``;
}

/** How a line turned out; part of the reply's request, so a later different outcome gets its own reply. */
export type ReplyKind = 'done' | 'not-done' | 'usage';

/** The gate command that posts `body` as the reply to line `line` of the comment. */
export function replyCommand(ctx: CommentContext, line: number, kind: ReplyKind, body: string): Command {
  return {
    op: 'add_comment',
    repo: ctx.repo,
    payload: { number: ctx.issueNumber, body: `@${ctx.author} ${body}` },
    actor: ctx.author,
    source: SOURCE,
    request: `${requestOf(ctx, line)}:reply:${kind}`,
  };
}

/** One line's outcome, for the report. */
export interface LineResult {
  line: number;
  text: string;
  ack: Ack | null;
  reply: Ack;
}

/** Runs the plan: each command through `gate`, then its reply through `gate`. */
export async function runComment(
  ctx: CommentContext,
  deps: { gate: (c: Command) => Promise<Ack> },
): Promise<LineResult[]> {
  const out: LineResult[] = [];
  for (const step of planComment(ctx)) {
    if (step.kind === 'reply') {
      const reply = await deps.gate(replyCommand(ctx, step.line, 'usage', step.body));
      out.push({ line: step.line, text: step.text, ack: null, reply });
      continue;
    }
    let ack: Ack;
    try {
      ack = await deps.gate(step.command);
    } catch (e) {
      if (!(e instanceof GateInputError)) throw e;
      const body = errorReply(step.text, e.message, step.usage);
      const reply = await deps.gate(replyCommand(ctx, step.line, 'usage', body));
      out.push({ line: step.line, text: step.text, ack: null, reply });
      continue;
    }
    out.push({
      line: step.line,
      text: step.text,
      ack,
      reply: await deps.gate(
        replyCommand(ctx, step.line, ack.success ? 'done' : 'not-done', ackReply(step, ack)),
      ),
    });
  }
  return out;
}
