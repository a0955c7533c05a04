/**
 * Property: after any sequence of Gitea mutations, an incremental sweep from the previous
 * artifact yields exactly the files a full sweep from scratch yields.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/cache/reconcile.ts';
import type { GiteaClient } from '../../src/gitea/index.ts';
import { GiteaHttpError } from '../../src/gitea/index.ts';
import type { SimHandle } from '../../src/sim/index.ts';
import { entryText, Mutator, seeded, snapshot, tempDirs } from './helpers.ts';

type Op =
  | 'newEntry'
  | 'editEntry'
  | 'breakEntry'
  | 'deleteEntry'
  | 'createBranch'
  | 'deleteBranch'
  | 'openPull'
  | 'mergePull'
  | 'closePull'
  | 'pushRfc';
const OPS: Op[] = [
  'newEntry',
  'editEntry',
  'breakEntry',
  'deleteEntry',
  'createBranch',
  'deleteBranch',
  'openPull',
  'mergePull',
  'closePull',
  'pushRfc',
];

let sim: SimHandle;
let client: GiteaClient;
let mut: Mutator;
let counter = 0;
let out: string | undefined;
const dirs = tempDirs();

beforeAll(async () => {
  ({ sim, client } = await seeded());
  mut = new Mutator(client);
});
afterAll(async () => {
  await sim.close();
  await dirs.cleanup();
});

function pick<T>(list: T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}

async function entries(): Promise<string[]> {
  const r = await client.request<{ name: string; type: string }[]>(
    'GET',
    '/repos/{owner}/{repo}/contents/{filepath}',
    {
      path: { owner: sim.org, repo: 'meta', filepath: 'rfcs' },
    },
  );
  return r.data
    .filter((e) => e.type === 'file' && e.name.endsWith('.md'))
    .map((e) => e.name.slice(0, -3))
    .sort();
}

async function repos(): Promise<string[]> {
  const list = await client.paginate<{ full_name: string }>('/orgs/{org}/repos', { path: { org: sim.org } });
  return list.map((r) => r.full_name).sort();
}

async function openPulls(): Promise<{ repo: string; number: number }[]> {
  const out: { repo: string; number: number }[] = [];
  for (const repo of await repos()) {
    for (const p of await mut.pulls(repo, 'open')) out.push({ repo, number: p.number });
  }
  return out;
}

async function apply(op: Op, i: number): Promise<void> {
  const n = ++counter;
  const meta = sim.metaRepo;
  const rfcRepos = (await repos()).filter((r) => r !== meta);
  switch (op) {
    case 'newEntry':
      return mut.putFile(meta, `rfcs/prop-${n}.md`, entryText(`prop-${n}`));
    case 'editEntry': {
      const slug = pick(await entries(), i);
      if (slug) await mut.putFile(meta, `rfcs/${slug}.md`, entryText(slug, { title: `Edited ${n}` }));
      return;
    }
    case 'breakEntry': {
      const slug = pick(await entries(), i);
      if (slug) await mut.putFile(meta, `rfcs/${slug}.md`, entryText(slug, { state: 'bogus' }));
      return;
    }
    case 'deleteEntry': {
      const slug = pick(await entries(), i);
      if (slug) await mut.deleteFile(meta, `rfcs/${slug}.md`);
      return;
    }
    case 'createBranch': {
      if (i % 2 === 0) {
        const slug = pick(await entries(), i);
        if (slug) await mut.createBranch(meta, `edit/${slug}/b${n}`);
      } else {
        const repo = pick(rfcRepos, i);
        if (repo) await mut.createBranch(repo, `topic-${n}`);
      }
      return;
    }
    case 'deleteBranch': {
      const repo = pick([meta, ...rfcRepos], i)!;
      const names = (await mut.branches(repo)).filter((b) => b !== 'main' && b !== 'rfc-cache');
      const name = pick(names, i);
      if (name) await mut.deleteBranch(repo, name);
      return;
    }
    case 'openPull': {
      if (i % 2 === 0) {
        const slug = pick(await entries(), i);
        if (!slug) return;
        const branch = `edit-${slug}-${n.toString(16).padStart(6, '0')}`;
        await mut.putFile(meta, `rfcs/${slug}.md`, entryText(slug, {}, `Rewritten ${n}.\n`), {
          newBranch: branch,
        });
        await mut.openPull(meta, branch, `Edit ${slug}`, i % 3 === 0 ? 'On-behalf-of: Erin <erin>\n' : '');
      } else {
        const repo = pick(rfcRepos, i);
        if (!repo) return;
        await mut.putFile(repo, `notes-${n}.md`, `note ${n}\n`, { newBranch: `work-${n}` });
        await mut.openPull(repo, `work-${n}`, `Work ${n}`);
      }
      return;
    }
    case 'mergePull': {
      const p = pick(await openPulls(), i);
      if (p) await mut.mergePull(p.repo, p.number);
      return;
    }
    case 'closePull': {
      const p = pick(await openPulls(), i);
      if (p) await mut.closePull(p.repo, p.number);
      return;
    }
    case 'pushRfc': {
      const repo = pick(rfcRepos, i);
      if (repo) await mut.putFile(repo, 'RFC.md', `# Revised ${n}\n`);
      return;
    }
  }
}

describe('incremental sweep == full sweep', () => {
  it('holds after random sequences of Gitea mutations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ op: fc.constantFrom(...OPS), i: fc.nat({ max: 50 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
        async (steps) => {
          // Each run starts from the artifact the previous run ended with (it equals a full sweep).
          if (out === undefined) {
            out = await dirs.make();
            await reconcile({ out, metaRepo: sim.metaRepo, sqlite: false }, { client });
          }
          for (const s of steps) {
            try {
              await apply(s.op, s.i);
            } catch (e) {
              // A mutation Gitea refuses (merge conflict, stale sha) leaves a valid state to compare.
              if (!(e instanceof GiteaHttpError)) throw e;
            }
            await reconcile({ out, metaRepo: sim.metaRepo, sqlite: false }, { client });
            const scratch = await dirs.make();
            await reconcile({ out: scratch, metaRepo: sim.metaRepo, full: true, sqlite: false }, { client });
            expect(await snapshot(out)).toEqual(await snapshot(scratch));
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
