/** The mutation gate: one idempotent write path for every bot operation. */
export { AUDIT_FILE, appendAudit, auditPath, readAudit } from './audit.ts';
export {
  AUTH_CELLS,
  type AuthCell,
  type AuthMatrix,
  authorize,
  DEFAULT_MATRIX,
  MERGE_KINDS,
  type Role,
} from './auth.ts';
export { checkoutEntries } from './entries.ts';
export { canonicalJson, commandKey, slotOf } from './key.ts';
export { describeOps, OPS, opsUsage, payloadProblems, validateCommand } from './registry.ts';
export type { FieldSpec, FieldType } from './registry-types.ts';
export { DEFAULT_GATE_CONFIG, DEFAULT_SOURCE_PROOF, requestTime, runGate } from './run.ts';
export {
  type Ack,
  type AfterWrite,
  type Command,
  type EntrySource,
  type GateConfig,
  type GateDeps,
  GateInputError,
  isOpName,
  OP_NAMES,
  type OpName,
  type Touched,
} from './types.ts';
