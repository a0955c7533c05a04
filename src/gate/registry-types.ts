/** The shape of an operation in the registry. */
import type { AuthCell, AuthFacts } from './auth.ts';
import type { OpContext, OpOutcome } from './context.ts';
import type { Command, OpName } from './types.ts';

/** Types a payload field may have. */
export type FieldType =
  | 'string'
  | 'text'
  | 'integer'
  | 'slug'
  | 'logins'
  | 'strings'
  | 'repo'
  | 'object'
  | 'enum';

/** One payload field, as validated and as listed in usage. */
export interface FieldSpec {
  type: FieldType;
  required: boolean;
  description: string;
  /** the allowed values of an `enum` field */
  values?: readonly string[];
}

/** What an operation decides before writing: the matrix cell, the facts for it, and the run itself. */
export interface OpPlan {
  cell: AuthCell;
  facts: Omit<AuthFacts, 'actor' | 'permission' | 'botLogin'>;
  run: () => Promise<OpOutcome>;
}

/** One operation. `P` is its payload after validation. */
export interface OpDef<P = Record<string, unknown>> {
  name: OpName;
  summary: string;
  fields: Record<string, FieldSpec>;
  /** the operation creates repos with the bot token */
  needsBot?: boolean;
  /** checks beyond field types; each message names the field */
  check?: (payload: P, command: Command) => string[];
  /** reads what the operation needs (no writes) and returns its plan */
  plan: (ctx: OpContext, payload: P) => Promise<OpPlan>;
}

/** Keeps an op's payload type while storing it in the registry. */
export function defineOp<P>(def: OpDef<P>): OpDef<Record<string, unknown>> {
  return def as unknown as OpDef<Record<string, unknown>>;
}
