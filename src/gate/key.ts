/**
 * Idempotency keys. A key is 40 hex characters: the first 16 are the sha256 of the command's
 * request slot (source, request, op, repo), the last 24 the sha256 of the canonical JSON of the
 * whole command. Two commands with the same slot but different content share the prefix, so a
 * marker found in Gitea proves both "this command ran" (whole key) and "this request already
 * asked for something else" (prefix only).
 */
import { createHash } from 'node:crypto';
import type { Command } from './types.ts';

/** Hex characters of the request-slot part of a key. */
export const SLOT_HEX = 16;
/** Hex characters of the whole-command part of a key. */
export const COMMAND_HEX = 24;

/** JSON with object keys sorted at every level and no whitespace; `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortDeep(v);
    }
    return out;
  }
  return value;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The request slot: what asked for the write. One slot may hold one command only. */
export function slotOf(c: Pick<Command, 'source' | 'request' | 'op' | 'repo'>): string {
  return sha256(canonicalJson({ op: c.op, repo: c.repo, request: c.request, source: c.source })).slice(
    0,
    SLOT_HEX,
  );
}

/** The idempotency key of a command (see the module comment for its layout). */
export function commandKey(c: Command): string {
  const whole = canonicalJson({
    actor: c.actor,
    op: c.op,
    payload: c.payload,
    repo: c.repo,
    request: c.request,
    source: c.source,
  });
  return slotOf(c) + sha256(whole).slice(0, COMMAND_HEX);
}

/** How a key found in Gitea relates to ours: the same command, another command of the same request, or unrelated. */
export function relateKey(found: string, key: string): 'same' | 'same-request' | 'unrelated' {
  if (found === key) return 'same';
  if (found.length === key.length && found.slice(0, SLOT_HEX) === key.slice(0, SLOT_HEX))
    return 'same-request';
  return 'unrelated';
}

/** A short suffix derived from the key, for branch names a retry must find again. */
export function keySuffix(key: string): string {
  return key.slice(SLOT_HEX, SLOT_HEX + 6);
}
