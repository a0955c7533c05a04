/** Builds the action into a temp directory laid out like the action repo: action.yml + dist/. */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `node scripts/build.mjs --out <tmp>/dist`, plus action.yml; returns the action directory. */
export async function buildActionDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rfc-action-'));
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'scripts', 'build.mjs'), '--out', join(dir, 'dist')],
    {
      cwd: ROOT,
    },
  );
  await copyFile(join(ROOT, 'action.yml'), join(dir, 'action.yml'));
  return dir;
}
