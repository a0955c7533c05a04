import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startSimulator } from '../sim/index.ts';
import { GiteaClient } from './client.ts';

it('lists the simulator org repos through paginate', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitea-client-sim-'));
  const sim = await startSimulator({ seed: 'empty', dataDir });
  try {
    const client = new GiteaClient({ baseUrl: `${sim.url}/`, token: sim.token });
    const repos = await client.paginate<{ full_name: string }>('/orgs/{org}/repos', {
      path: { org: sim.org },
    });
    expect(repos.map((r) => r.full_name)).toContain(sim.metaRepo);
    expect(client.stats().byRoute).toEqual({ 'GET /orgs/{org}/repos': 1 });
    expect(sim.requests().at(-1)).toEqual({
      method: 'GET',
      route: '/orgs/{org}/repos',
      status: 200,
      query: '?page=1&limit=50',
    });
  } finally {
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
