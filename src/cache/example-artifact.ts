/**
 * Regenerates the example artifact in `cache-artifacts/` from the example scenario:
 * `npx tsx src/cache/example-artifact.ts [DIR]`. The simulator listens on a fixed port so the
 * URLs in the artifact are the same on every run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GiteaClient } from '../gitea/index.ts';
import { startSimulator } from '../sim/index.ts';
import { reconcile } from './reconcile.ts';

/** The port the example simulator listens on; it appears in the example artifact's URLs. */
export const EXAMPLE_PORT = 47123;

/** Builds the example artifact into `out` (a full sweep; the audit log there is kept). */
export async function buildExampleArtifact(out: string): Promise<{ changed: boolean; written: string[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rfc-example-sim-'));
  const sim = await startSimulator({ seed: 'example', port: EXAMPLE_PORT, dataDir });
  try {
    const client = new GiteaClient({ baseUrl: sim.url, token: sim.token, concurrency: 8 });
    const r = await reconcile({ out, metaRepo: sim.metaRepo, full: true, botLogin: 'rfc-bot' }, { client });
    return { changed: r.changed, written: r.written };
  } finally {
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  const out = process.argv[2] ?? 'cache-artifacts';
  const r = await buildExampleArtifact(out);
  process.stdout.write(`${out}: ${r.changed ? `${r.written.length} files written` : 'unchanged'}\n`);
}
