/** Shared pieces of the reconciler's integration tests: a seeded simulator and Gitea mutations. */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GiteaClient, isStatus } from '../../src/gitea/index.ts';
import { type SimHandle, type SimulatorOptions, startSimulator } from '../../src/sim/index.ts';

/** A started simulator on a deterministic clock (one second per write) and an admin client. */
export async function seeded(
  seed: 'example' | 'empty' = 'example',
  extra: SimulatorOptions = {},
): Promise<{ sim: SimHandle; client: GiteaClient; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rfc-reconcile-sim-'));
  const sim = await startSimulator({ seed, dataDir, ...extra });
  const close = sim.close.bind(sim);
  sim.close = async () => {
    await close();
    await rm(dataDir, { recursive: true, force: true });
  };
  // One distinct second per timestamp: repo updated_at and PR updated_at have second precision.
  sim.core.clock.useFixed('2026-06-01T00:00:00Z', 1000);
  const client = new GiteaClient({ baseUrl: sim.url, token: sim.token, concurrency: 8, retries: 0 });
  return { sim, client, dataDir };
}

/** A fresh temp dir; `cleanup` removes every dir made. */
export function tempDirs(): { make: () => Promise<string>; cleanup: () => Promise<void> } {
  const made: string[] = [];
  return {
    make: async () => {
      const d = await mkdtemp(join(tmpdir(), 'rfc-reconcile-'));
      made.push(d);
      return d;
    },
    cleanup: async () => {
      for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
    },
  };
}

/** The committed files of an artifact dir (no `cache.sqlite`, no dotfiles): path -> bytes. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      if (name.startsWith('.') || name === 'cache.sqlite') continue;
      const p = rel ? `${rel}/${name}` : name;
      if ((await stat(join(dir, p))).isDirectory()) await walk(p);
      else out[p] = await readFile(join(dir, p), 'utf8');
    }
  };
  await walk('');
  return out;
}

/** Modification times of the committed files. */
export async function mtimes(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of Object.keys(await snapshot(dir))) out[p] = (await stat(join(dir, p))).mtimeMs;
  return out;
}

function split(full: string): { owner: string; repo: string } {
  const [owner, repo] = full.split('/') as [string, string];
  return { owner, repo };
}

/** Gitea writes used to mutate the simulator. */
export class Mutator {
  constructor(readonly client: GiteaClient) {}

  async fileSha(repo: string, path: string, ref = 'main'): Promise<string | null> {
    try {
      const r = await this.client.request<{ sha: string }>(
        'GET',
        '/repos/{owner}/{repo}/contents/{filepath}',
        {
          path: { ...split(repo), filepath: path },
          query: { ref },
        },
      );
      return r.data.sha;
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  /** Creates or replaces a file on `branch` (created from `from` when `newBranch`). */
  async putFile(
    repo: string,
    path: string,
    text: string,
    opts: { branch?: string; newBranch?: string } = {},
  ) {
    const sha = await this.fileSha(repo, path, opts.branch ?? 'main');
    const body: Record<string, unknown> = {
      content: Buffer.from(text).toString('base64'),
      message: `Write ${path}`,
      branch: opts.branch ?? 'main',
    };
    if (opts.newBranch) body.new_branch = opts.newBranch;
    if (sha && !opts.newBranch) body.sha = sha;
    if (sha && opts.newBranch) body.sha = sha;
    await this.client.request(sha ? 'PUT' : 'POST', '/repos/{owner}/{repo}/contents/{filepath}', {
      path: { ...split(repo), filepath: path },
      body,
    });
  }

  async deleteFile(repo: string, path: string): Promise<void> {
    const sha = await this.fileSha(repo, path);
    if (!sha) return;
    await this.client.request('DELETE', '/repos/{owner}/{repo}/contents/{filepath}', {
      path: { ...split(repo), filepath: path },
      body: { sha, message: `Delete ${path}`, branch: 'main' },
    });
  }

  async createBranch(repo: string, name: string, from = 'main'): Promise<void> {
    await this.client.request('POST', '/repos/{owner}/{repo}/branches', {
      path: split(repo),
      body: { new_branch_name: name, old_ref_name: from },
    });
  }

  async deleteBranch(repo: string, name: string): Promise<void> {
    await this.client.request('DELETE', '/repos/{owner}/{repo}/branches/{branch}', {
      path: { ...split(repo), branch: name },
    });
  }

  async openPull(repo: string, head: string, title: string, body = ''): Promise<number> {
    const r = await this.client.request<{ number: number }>('POST', '/repos/{owner}/{repo}/pulls', {
      path: split(repo),
      body: { head, base: 'main', title, body },
    });
    return r.data.number;
  }

  async mergePull(repo: string, number: number): Promise<void> {
    await this.client.request('POST', '/repos/{owner}/{repo}/pulls/{index}/merge', {
      path: { ...split(repo), index: number },
      body: { Do: 'merge' },
    });
  }

  async closePull(repo: string, number: number): Promise<void> {
    await this.client.request('PATCH', '/repos/{owner}/{repo}/pulls/{index}', {
      path: { ...split(repo), index: number },
      body: { state: 'closed' },
    });
  }

  async pulls(
    repo: string,
    state: 'open' | 'closed' | 'all' = 'open',
  ): Promise<{ number: number; head: { ref: string } }[]> {
    return this.client.paginate('/repos/{owner}/{repo}/pulls', { path: split(repo), query: { state } });
  }

  async branches(repo: string): Promise<string[]> {
    const list = await this.client.paginate<{ name: string }>('/repos/{owner}/{repo}/branches', {
      path: split(repo),
    });
    return list.map((b) => b.name);
  }
}

/** A valid entry file. */
export function entryText(
  slug: string,
  extra: Record<string, string> = {},
  body = `About ${slug}.\n`,
): string {
  const fm: Record<string, string> = {
    slug,
    title: `Title of ${slug}`,
    state: 'super-draft',
    proposed_by: 'alice',
    ...extra,
  };
  return `---\n${Object.entries(fm)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n---\n${body}`;
}
