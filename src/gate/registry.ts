/**
 * The operation registry: every `OpName` maps to its definition, so an unknown operation is a
 * compile-time error in code and a usage error on the command line, never a run-time surprise.
 */
import { isValidLogin, isValidRepo, isValidSlug } from '../entry/index.ts';
import { addComment, assignIssue, closeIssue, createIssue, mergePr } from './ops/issues.ts';
import {
  graduateRfc,
  openBodyEditPr,
  openBranchPr,
  openClaimPr,
  openMetadataPr,
  proposeRfc,
  startEditBranch,
  withdrawBranchPr,
  withdrawRfc,
} from './ops/rfc.ts';
import type { FieldSpec, OpDef } from './registry-types.ts';
import { type Command, GateInputError, isOpName, OP_NAMES, type OpName } from './types.ts';

export type { FieldSpec, FieldType, OpDef, OpPlan } from './registry-types.ts';

/** Every operation by name. */
export const OPS: { readonly [K in OpName]: OpDef } = {
  create_issue: createIssue,
  add_comment: addComment,
  close_issue: closeIssue,
  assign_issue: assignIssue,
  merge_pr: mergePr,
  propose_rfc: proposeRfc,
  start_edit_branch: startEditBranch,
  open_body_edit_pr: openBodyEditPr,
  open_metadata_pr: openMetadataPr,
  open_claim_pr: openClaimPr,
  open_branch_pr: openBranchPr,
  withdraw_branch_pr: withdrawBranchPr,
  graduate_rfc: graduateRfc,
  withdraw_rfc: withdrawRfc,
};

/** The registry as data: names, summaries and fields, for usage text and slash-command help. */
export function describeOps(): { op: OpName; summary: string; fields: Record<string, FieldSpec> }[] {
  return OP_NAMES.map((op) => ({ op, summary: OPS[op].summary, fields: OPS[op].fields }));
}

/** Usage text listing every operation and its fields. */
export function opsUsage(): string {
  const lines: string[] = ['operations (fields of --input; ? marks optional):'];
  for (const d of describeOps()) {
    lines.push(`  ${d.op}`);
    lines.push(`      ${d.summary}`);
    for (const [name, f] of Object.entries(d.fields)) {
      const type = f.type === 'enum' ? (f.values ?? []).join('|') : f.type;
      lines.push(`      ${name}${f.required ? '' : '?'}: ${type} — ${f.description}`);
    }
  }
  return lines.join('\n');
}

function checkField(name: string, f: FieldSpec, v: unknown): string | null {
  const where = `field "${name}"`;
  switch (f.type) {
    case 'string':
      return typeof v === 'string' && v.trim() !== '' && !v.includes('\n')
        ? null
        : `${where} must be a non-empty one-line string`;
    case 'text':
      return typeof v === 'string' ? null : `${where} must be a string`;
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v) && v > 0
        ? null
        : `${where} must be a positive integer`;
    case 'slug':
      return typeof v === 'string' && isValidSlug(v)
        ? null
        : `${where} must be a slug (^[a-z0-9][a-z0-9-]{0,62}$)`;
    case 'repo':
      return typeof v === 'string' && isValidRepo(v) ? null : `${where} must be "owner/name"`;
    case 'logins':
      return Array.isArray(v) && v.every((x) => typeof x === 'string' && isValidLogin(x))
        ? null
        : `${where} must be a list of Gitea logins`;
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '')
        ? null
        : `${where} must be a list of non-empty strings`;
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? null : `${where} must be an object`;
    case 'enum':
      return typeof v === 'string' && (f.values ?? []).includes(v)
        ? null
        : `${where} must be one of ${(f.values ?? []).map((x) => `"${x}"`).join(', ')}`;
  }
}

/** Every problem of a payload for `op`: unknown, missing and mistyped fields, then the op's own checks. */
export function payloadProblems(op: OpName, payload: unknown, command?: Command): string[] {
  const def = OPS[op];
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    return ['the payload must be a JSON object'];
  const p = payload as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(p)) {
    if (!(k in def.fields))
      problems.push(`field "${k}" is not a field of ${op}; it takes ${Object.keys(def.fields).join(', ')}`);
  }
  for (const [name, f] of Object.entries(def.fields)) {
    const v = p[name];
    if (v === undefined || v === null) {
      if (f.required) problems.push(`field "${name}" is required (${f.description})`);
      continue;
    }
    const bad = checkField(name, f, v);
    if (bad) problems.push(bad);
  }
  if (problems.length === 0 && def.check && command) problems.push(...def.check(p, command));
  return problems;
}

/** Validates a raw command; throws `GateInputError` listing every problem. */
export function validateCommand(raw: {
  op: string;
  repo: string;
  payload: unknown;
  actor: string;
  source: string;
  request: string;
}): Command {
  if (!isOpName(raw.op))
    throw new GateInputError(`unknown operation "${raw.op}"; use one of ${OP_NAMES.join(', ')}`, null);
  const problems: string[] = [];
  if (!isValidRepo(raw.repo)) problems.push(`repo "${raw.repo}" must be "owner/name"`);
  if (!isValidLogin(raw.actor)) problems.push(`actor "${raw.actor}" is not a Gitea login`);
  if (typeof raw.source !== 'string' || raw.source.trim() === '')
    problems.push('source must be a non-empty string');
  if (typeof raw.request !== 'string' || raw.request.trim() === '')
    problems.push('request must be a non-empty string (a comment id, an issue id, or run id plus attempt)');
  const command: Command = {
    op: raw.op,
    repo: raw.repo,
    payload: (raw.payload ?? {}) as Record<string, unknown>,
    actor: raw.actor,
    source: raw.source,
    request: raw.request,
  };
  problems.push(...payloadProblems(raw.op, raw.payload, command));
  if (problems.length) throw new GateInputError(`invalid ${raw.op} command: ${problems.join('; ')}`, raw.op);
  return command;
}
