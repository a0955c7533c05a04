import { rmSync } from 'node:fs';
import { type SimHandle, startSimulator } from '../../src/sim/index.ts';
import { type ContractCall, ContractClient, ContractLedger, type ContractResponse } from './client.ts';
import { type ContractSpec, loadContractSpec } from './spec.ts';

let sharedSpec: ContractSpec | null = null;

/** The compiled spec, loaded once per process. */
export function contractSpec(): ContractSpec {
  sharedSpec ??= loadContractSpec();
  return sharedSpec;
}

/** A running simulator with an org, a repo, two users and a spec-validating client. */
export interface Fixture {
  sim: SimHandle;
  ledger: ContractLedger;
  /** Site admin client. */
  admin: ContractClient;
  /** Client acting as `alice` (write collaborator on the repo). */
  alice: ContractClient;
  /** Client acting as `bob` (no collaboration: read access to public repos). */
  bob: ContractClient;
  org: string;
  repo: string;
  /** Commits one file on `branch` (created from `from` when missing); returns the commit sha. */
  commit(input: {
    branch: string;
    path: string;
    text: string;
    from?: string;
    repo?: string;
  }): Promise<string>;
  /** Creates another repository in the org (auto-initialised on `main`). */
  createRepo(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a simulator and prepares org `acme`, repo `acme/<repo>`, users `alice` (write) and `bob`. */
export async function startFixture(
  options: { repo?: string; ledger?: ContractLedger } = {},
): Promise<Fixture> {
  const sim = await startSimulator({ seed: 'none' });
  const ledger = options.ledger ?? new ContractLedger();
  const spec = contractSpec();
  const lastServedRoute = () => {
    const log = sim.requests();
    return log[log.length - 1]?.route;
  };
  const admin = new ContractClient({ baseUrl: sim.url, token: sim.token, spec, ledger, lastServedRoute });
  const org = 'acme';
  const repo = options.repo ?? 'meta';
  await admin.call({ method: 'POST', template: '/orgs', body: { username: org }, expect: 201 });
  const createRepo = async (name: string) => {
    await admin.call({
      method: 'POST',
      template: '/orgs/{org}/repos',
      path: { org },
      body: { name, auto_init: true, default_branch: 'main' },
      expect: 201,
    });
  };
  await createRepo(repo);
  const alice = await sim.createUser('alice', { fullName: 'Alice A' });
  const bob = await sim.createUser('bob');
  await sim.setCollaborator(`${org}/${repo}`, 'alice', 'write');
  const commit: Fixture['commit'] = async (input) => {
    const target = input.repo ?? repo;
    const branches = await admin.call<{ name: string }[]>({
      method: 'GET',
      template: '/repos/{owner}/{repo}/branches',
      path: { owner: org, repo: target },
      query: { limit: 50 },
      expect: 200,
    });
    const exists = branches.data.some((b) => b.name === input.branch);
    const body: Record<string, unknown> = {
      content: Buffer.from(input.text).toString('base64'),
      message: `edit ${input.path}`,
    };
    if (exists) body.branch = input.branch;
    else {
      body.branch = input.from ?? 'main';
      body.new_branch = input.branch;
    }
    const existing = await admin.call<{ sha: string }>({
      method: 'GET',
      template: '/repos/{owner}/{repo}/contents/{filepath}',
      path: { owner: org, repo: target, filepath: input.path },
      query: { ref: exists ? input.branch : (input.from ?? 'main') },
      expect: [200, 404],
    });
    const res: ContractResponse<{ commit: { sha: string } }> =
      existing.status === 200
        ? await admin.call({
            method: 'PUT',
            template: '/repos/{owner}/{repo}/contents/{filepath}',
            path: { owner: org, repo: target, filepath: input.path },
            body: { ...body, sha: existing.data.sha },
            expect: 200,
          })
        : await admin.call({
            method: 'POST',
            template: '/repos/{owner}/{repo}/contents/{filepath}',
            path: { owner: org, repo: target, filepath: input.path },
            body,
            expect: 201,
          });
    return res.data.commit.sha;
  };
  return {
    sim,
    ledger,
    admin,
    alice: admin.as(alice.token),
    bob: admin.as(bob.token),
    org,
    repo,
    commit,
    createRepo,
    async close() {
      await sim.close();
      rmSync(sim.dataDir, { recursive: true, force: true });
    },
  };
}

/** Shorthand for calls on the fixture's repo: fills `owner` and `repo`. */
export function repoCall(f: Fixture, c: ContractCall): ContractCall {
  return { ...c, path: { owner: f.org, repo: f.repo, ...c.path } };
}
