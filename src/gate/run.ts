/** `runGate`: validate, key, look for a prior execution, authorize, write once, record, refresh. */
import type { AuditRecord } from '../cache/model.ts';
import { GiteaRequestError, isStatus } from '../gitea/errors.ts';
import { appendAudit, auditKnown, auditSilent, auditSlotConflict, auditSuccess, readAudit } from './audit.ts';
import { authorize, DEFAULT_MATRIX, type Permission } from './auth.ts';
import { isTransient, OpContext, RetryableConflict, type RunState, splitRepo } from './context.ts';
import { commandKey } from './key.ts';
import { OPS, validateCommand } from './registry.ts';
import {
  type Ack,
  type Command,
  type GateConfig,
  GateDeniedError,
  type GateDeps,
  GateInputError,
  GateRefusedError,
} from './types.ts';

/**
 * What a command's `source` proves about its actor on the command's repo, without a lookup.
 * `slash-command`: Gitea delivered a comment the actor wrote there, and commenting takes read
 * access (write on a locked issue). `dispatch`: GITHUB_ACTOR started the workflow run, which Gitea
 * allows only with write access to the repo's Actions (`reqRepoActionsWriter` on `/actions/run`,
 * routers/web/web.go). Read is all either is trusted for: the "anyone who can comment" cells.
 * Like `actor`, `source` is asserted by the gate's caller.
 */
export const DEFAULT_SOURCE_PROOF: Readonly<Record<string, Permission>> = {
  'slash-command': 'read',
  dispatch: 'read',
};

/** The defaults of every `GateConfig` field. */
export const DEFAULT_GATE_CONFIG: GateConfig = {
  matrix: DEFAULT_MATRIX,
  attempts: 5,
  lockWaitMs: 20_000,
  lockPollMs: 200,
  retryDelayMs: 250,
  defaultBranch: 'main',
  metaRepo: null,
  rfcRepoOwner: null,
  rfcRepoName: (id) => `rfc-${String(id).padStart(4, '0')}`,
  sourceProof: DEFAULT_SOURCE_PROOF,
};

async function permissionOf(ctx: OpContext, repo: string): Promise<Permission> {
  try {
    const res = await ctx.gitea.request<{ permission: Permission; user?: { full_name?: string } }>(
      'GET',
      '/repos/{owner}/{repo}/collaborators/{collaborator}/permission',
      { path: { ...splitRepo(repo), collaborator: ctx.actor } },
    );
    if (res.data.user?.full_name) ctx.state.actorName = res.data.user.full_name;
    return res.data.permission ?? 'none';
  } catch (e) {
    // 404: Gitea knows no such user, who therefore holds no permission.
    if (isStatus(e, 404)) return 'none';
    throw e;
  }
}

/** Runs one command through the gate and answers with its acknowledgement; invalid commands throw `GateInputError`. */
export async function runGate(raw: Command, deps: GateDeps): Promise<Ack> {
  const command = validateCommand(raw);
  const config: GateConfig = { ...DEFAULT_GATE_CONFIG, ...deps.config };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const key = commandKey(command);
  const { op } = command;
  const row = (
    outcome: AuditRecord['outcome'],
    fields: { number: number | null; url: string | null; message: string; wrote?: boolean },
  ): AuditRecord => ({
    key,
    op,
    repo: command.repo,
    actor: command.actor,
    source: command.source,
    request: command.request,
    outcome,
    ...fields,
    at: deps.clock.now().toISOString(),
  });
  const fail = (message: string): Ack => ({
    success: false,
    key,
    op,
    url: null,
    number: null,
    message,
    prior_execution: false,
    executed_at: null,
  });

  const since = requestTime(deps.requestedAt);
  const rows = await readAudit(deps.auditDir);
  const conflict = auditSlotConflict(rows, key);
  if (conflict) {
    return fail(
      `refused: request "${command.request}" from "${command.source}" already ran ${op} with another payload (key "${conflict.key}", audit log); ` +
        'send the changed command as a new request',
    );
  }
  const done = auditSuccess(rows, key);
  if (done) {
    return {
      success: true,
      key,
      op,
      url: done.url,
      number: done.number,
      message: `already done: ${done.message}`,
      prior_execution: true,
      executed_at: done.at,
    };
  }

  const refreshAfter = async (ack: Ack): Promise<Ack> => {
    if (ack.prior_execution || !deps.afterWrite) return ack;
    try {
      await deps.afterWrite({ command, key, ack, touched: state.touched });
    } catch (cause) {
      throw new Error(
        `${op} succeeded (${ack.url ?? key}) but the cache refresh after it failed; the next reconcile sweep catches up`,
        { cause },
      );
    }
    return ack;
  };
  const state: RunState = {
    wrote: false,
    uncertain: false,
    touched: [],
    actorName: null,
    apiEntries: !deps.entries,
    // The artifact's log without a row of this request: no run of it finished and was recorded, so
    // branch creates go first and Gitea's 409/422 finds a twin. A fresh runner probes first.
    unrecorded: (await auditKnown(deps.auditDir)) && auditSilent(rows, key),
    botLogin: deps.botLogin ? Promise.resolve(deps.botLogin) : null,
  };
  const now = deps.clock.now();
  let intent = false;
  let result: Ack | null = null;
  for (let attempt = 1; result === null; ) {
    const ctx = new OpContext({
      gitea: deps.gitea,
      botGitea: deps.botGitea,
      command,
      key,
      now,
      config,
      state,
      sleep,
      entries: deps.entries ?? null,
      cacheDir: deps.auditDir,
      since,
    });
    // A conclusion drawn from the entry source without a sha-guarded write confirming it (a denial,
    // a refusal, "nothing to write") is drawn again from the API: the checkout may be stale.
    const recheck = (): boolean => {
      if (ctx.localReads === 0 || state.apiEntries) return false;
      state.apiEntries = true;
      return true;
    };
    try {
      const plan = await OPS[op].plan(ctx, command.payload);
      const proven = plan.facts.repo === command.repo ? (config.sourceProof[command.source] ?? null) : null;
      const decision = await authorize(
        plan.cell,
        {
          ...plan.facts,
          actor: command.actor,
          proven,
          permission: () => permissionOf(ctx, plan.facts.repo),
          botLogin: () => ctx.botLogin(),
        },
        config.matrix,
      );
      if (!decision.allowed) throw new GateDeniedError(decision.message);
      if (!intent) {
        await appendAudit(
          deps.auditDir,
          [row('pending', { number: null, url: null, message: `intent: ${op}` })],
          sleep,
        );
        intent = true;
      }
      const outcome = await plan.run();
      if (!ctx.wroteNow && !ctx.foundOwn && recheck()) continue;
      const prior = !state.wrote && !state.uncertain;
      const ack: Ack = {
        success: true,
        key,
        op,
        url: outcome.url,
        number: outcome.number,
        message: prior
          ? `already done: ${outcome.message}`
          : state.wrote
            ? outcome.message
            : state.uncertainBeforeProbe
              ? `${outcome.message} (found after this call's create lost its response: made by that create, or by an earlier run whose audit rows are missing)`
              : `${outcome.message} (made by this call's earlier write, whose response was lost)`,
        prior_execution: prior,
        executed_at: prior ? (outcome.executedAt ?? null) : now.toISOString(),
      };
      await appendAudit(
        deps.auditDir,
        // `wrote` lets the cache tell a write from a call that found it done (withdrawalOf in derive.ts).
        [row('success', { number: ack.number, url: ack.url, message: outcome.message, wrote: !prior })],
        sleep,
      );
      result = ack;
    } catch (e) {
      if ((e instanceof GateDeniedError || e instanceof GateRefusedError) && recheck()) continue;
      // A stale checkout makes the guarded write fail (Gitea: 422, the sha does not match): the run
      // is repeated once from the API, without counting against `attempts`.
      if (e instanceof RetryableConflict && recheck()) continue;
      if (ctx.localReads > 0) state.apiEntries = true;
      if (e instanceof GateDeniedError) {
        // A re-run denied for the same reason adds no row: the audit log, the artifact and the
        // cache branch stay as they were. A denial for another reason (roles changed) is recorded.
        const last = rows.findLast((r) => r.key === key);
        if (!(last?.outcome === 'denied' && last.message === e.message)) {
          await appendAudit(
            deps.auditDir,
            [row('denied', { number: null, url: null, message: e.message })],
            sleep,
          );
        }
        return fail(`denied: ${e.message}`);
      }
      if (isTransient(e) && attempt < config.attempts) {
        await sleep(config.retryDelayMs * attempt);
        attempt++;
        continue;
      }
      const message =
        e instanceof GateRefusedError
          ? `refused: ${e.message}`
          : `failed after ${attempt} attempt(s): ${(e as Error).message}` +
            (state.uncertain
              ? '; a write may have taken effect: run the same command again to finish it'
              : '');
      if (intent)
        await appendAudit(deps.auditDir, [row('failed', { number: null, url: null, message })], sleep);
      if (e instanceof GateRefusedError || isTransient(e) || e instanceof GiteaRequestError)
        return fail(message);
      throw e;
    }
  }
  return refreshAfter(result);
}

/**
 * `GateDeps.requestedAt` as Gitea's `since` wants it (RFC 3339, whole seconds: Gitea compares unix
 * seconds); `name` is what errors call the value.
 */
export function requestTime(raw: string | undefined, name = 'requestedAt'): string | null {
  if (raw === undefined) return null;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(raw)
    ? Date.parse(raw)
    : Number.NaN;
  if (Number.isNaN(ms))
    throw new GateInputError(
      `"${name}" must be an RFC 3339 date-time such as "2026-01-05T10:00:00Z" (Gitea's created_at of the request), got "${raw}"`,
      null,
    );
  // Truncated to the second, never rounded up: a later bound could hide a run made in that second.
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
