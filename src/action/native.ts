/**
 * The Node ABI check. The bundle ships the better-sqlite3 addon built for one Node ABI (the
 * runner images' node 20); a runner whose `node` is 22 or 24 cannot load it. Commands that
 * open SQLite fail at once, before any write, with what to do; the others run on any Node.
 */
import type { ActionCommand } from './inputs.ts';

/** `dist/native.json`: what the shipped addon was built for. */
export interface NativeBuild {
  abi: string;
  node: string;
  platform: string;
  arch: string;
  betterSqlite3: string;
}

/** The running node, as `process.versions.modules`, `process.version`, `process.platform`, `process.arch`. */
export interface NodeRuntime {
  modules: string;
  version: string;
  platform: string;
  arch: string;
}

export type NativeCheck = { ok: true } | { ok: false; message: string };

/** Which commands open the SQLite cache (and so load the addon). */
export const NEEDS_SQLITE: Record<ActionCommand, boolean> = {
  reconcile: true,
  event: true,
  gate: true,
  site: false,
  publish: false,
};

/** Checks the addon against the running node; `build` is null when running from source (no bundle). */
export function checkNative(command: ActionCommand, build: NativeBuild | null, rt: NodeRuntime): NativeCheck {
  if (build === null || !NEEDS_SQLITE[command]) return { ok: true };
  if (build.abi === rt.modules && build.platform === rt.platform && build.arch === rt.arch)
    return { ok: true };
  return {
    ok: false,
    message:
      `command "${command}" needs the bundled SQLite addon, built for Node ${build.node} ` +
      `(ABI ${build.abi}, ${build.platform}-${build.arch}), but this runner's node is ${rt.version} ` +
      `(ABI ${rt.modules}, ${rt.platform}-${rt.arch}). Run the job on a runner image whose node is ` +
      `${build.node} (the act_runner images carry node 20), or put node ${build.node} first on PATH ` +
      'before this step. The "site" and "publish" commands run on any node.',
  };
}
