import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyBranch } from './branches.ts';
import { parseKeyMarker, parseOnBehalfOf, parseSupersedes } from './markers.ts';
import type { Entry } from './model.ts';
import { parseEntry } from './parse.ts';
import { slugFromPath } from './syntax.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

interface Step {
  op: 'commit' | 'pull' | 'merge' | 'close' | 'issue' | 'comment' | 'deleteBranch';
  repo: string;
  [k: string]: unknown;
}
interface Scenario {
  org: string;
  metaRepo: string;
  bot: string;
  users: { login: string; fullName: string; email: string }[];
  collaborators: { repo: string; login: string; permission: string }[];
  repos: { name: string; description: string; dir: string }[];
  steps: Step[];
}
type Tree = Map<string, string>;
interface Pull {
  number: number;
  head: string;
  base: string;
  author: string;
  body: string;
  state: 'open' | 'merged' | 'closed';
  closedBy: string | null;
}
interface RepoState {
  branches: Map<string, Tree>;
  forkPoint: Map<string, Tree>;
  next: number;
  pulls: Map<number, Pull>;
  issues: Set<number>;
  deleted: Set<string>;
}

const scenario = JSON.parse(readFileSync(join(EXAMPLES, 'scenario.json'), 'utf8')) as Scenario;

function readTree(dir: string): Tree {
  const tree: Tree = new Map();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else tree.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  walk('');
  return tree;
}

/** Replays the scenario on in-memory trees, checking every step's references as it goes. */
function replay(): {
  repos: Map<string, RepoState>;
  stepEntries: { step: number; path: string; text: string }[];
  errors: string[];
} {
  const errors: string[] = [];
  const logins = new Set([...scenario.users.map((u) => u.login), scenario.bot]);
  const repos = new Map<string, RepoState>();
  for (const r of scenario.repos) {
    const main = readTree(join(EXAMPLES, r.dir));
    repos.set(r.name, {
      branches: new Map([['main', main]]),
      forkPoint: new Map(),
      next: 1,
      pulls: new Map(),
      issues: new Set(),
      deleted: new Set(),
    });
  }
  const stepEntries: { step: number; path: string; text: string }[] = [];
  scenario.steps.forEach((step, i) => {
    const where = `step ${i} (${step.op} on ${step.repo})`;
    const repo = repos.get(step.repo);
    if (!repo) {
      errors.push(`${where}: unknown repo`);
      return;
    }
    for (const key of ['author', 'by'] as const) {
      const login = step[key];
      if (login !== undefined && !logins.has(login as string))
        errors.push(`${where}: unknown login "${login}"`);
    }
    const pullAt = (n: unknown): Pull | undefined => {
      const pull = repo.pulls.get(n as number);
      if (!pull) errors.push(`${where}: #${n} is not a pull created earlier in ${step.repo}`);
      else if (pull.state !== 'open') errors.push(`${where}: #${n} is already ${pull.state}`);
      return pull;
    };
    switch (step.op) {
      case 'commit': {
        const branch = step.branch as string;
        let tree = repo.branches.get(branch);
        if (!tree) {
          const from = repo.branches.get((step.from as string | undefined) ?? 'main');
          if (!from) {
            errors.push(`${where}: base branch "${step.from}" does not exist`);
            return;
          }
          tree = new Map(from);
          repo.branches.set(branch, tree);
          repo.forkPoint.set(branch, new Map(from));
          repo.deleted.delete(branch);
        }
        for (const [path, text] of Object.entries(step.files as Record<string, string>)) {
          tree.set(path, text);
          if (step.repo === scenario.metaRepo && path.startsWith('rfcs/'))
            stepEntries.push({ step: i, path, text });
        }
        for (const path of (step.delete as string[] | undefined) ?? []) tree.delete(path);
        break;
      }
      case 'pull': {
        if (!repo.branches.has(step.head as string))
          errors.push(`${where}: head "${step.head}" does not exist`);
        const open = [...repo.pulls.values()].find((p) => p.head === step.head && p.state === 'open');
        if (open) errors.push(`${where}: "${step.head}" already has open pull #${open.number}`);
        const number = repo.next++;
        repo.pulls.set(number, {
          number,
          head: step.head as string,
          base: step.base as string,
          author: step.author as string,
          body: step.body as string,
          state: 'open',
          closedBy: null,
        });
        break;
      }
      case 'merge': {
        const pull = pullAt(step.number);
        if (!pull) return;
        const head = repo.branches.get(pull.head);
        const base = repo.branches.get(pull.base);
        const fork = repo.forkPoint.get(pull.head) ?? new Map();
        if (!head || !base) {
          errors.push(`${where}: branch of #${pull.number} is gone`);
          return;
        }
        for (const [path, text] of head) if (fork.get(path) !== text) base.set(path, text);
        pull.state = 'merged';
        break;
      }
      case 'close': {
        const pull = pullAt(step.number);
        if (pull) {
          pull.state = 'closed';
          pull.closedBy = step.by as string;
        }
        break;
      }
      case 'issue':
        repo.issues.add(repo.next++);
        break;
      case 'comment':
        if (!repo.issues.has(step.number as number) && !repo.pulls.has(step.number as number)) {
          errors.push(`${where}: #${step.number} does not exist yet`);
        }
        break;
      case 'deleteBranch':
        if (step.branch === 'main' || !repo.branches.delete(step.branch as string)) {
          errors.push(`${where}: cannot delete "${step.branch}"`);
        }
        repo.deleted.add(step.branch as string);
        break;
      default:
        errors.push(`${where}: unknown op`);
    }
  });
  return { repos, stepEntries, errors };
}

const { repos, stepEntries, errors } = replay();
const meta = repos.get(scenario.metaRepo)!;
const mainTree = meta.branches.get('main')!;
const initialMeta = readTree(join(EXAMPLES, scenario.repos.find((r) => r.name === scenario.metaRepo)!.dir));
const users = new Set(scenario.users.map((u) => u.login));
const BROKEN = 'rfcs/broken-entry.md';

function entriesOf(tree: Tree): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const [path, text] of tree) {
    if (!path.startsWith('rfcs/') || path === BROKEN) continue;
    const r = parseEntry(text, { path });
    if (r.ok) out.set(path, r.entry);
  }
  return out;
}

describe('examples/scenario.json', () => {
  it('replays: every step refers to repos, branches, pulls and logins that exist at that point', () => {
    expect(errors).toEqual([]);
  });

  it('parses every entry file (main tree and step commits); only the broken one fails', () => {
    const all = [
      ...[...initialMeta]
        .filter(([p]) => p.startsWith('rfcs/'))
        .map(([path, text]) => ({ path, text, step: -1 })),
      ...stepEntries,
    ];
    expect(all.length).toBeGreaterThan(20);
    for (const { path, text, step } of all) {
      expect(slugFromPath(path), path).not.toBeNull();
      const r = parseEntry(text, { path });
      if (path === BROKEN) {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.problems.map((p) => p.field)).toEqual(['state']);
      } else {
        expect(r.ok ? [] : r.problems, `${path} (step ${step})`).toEqual([]);
      }
    }
  });

  it('has unique slugs and ids, active repos that exist, and known logins in entries', () => {
    const main = entriesOf(mainTree);
    const ideas = [...meta.pulls.values()]
      .filter((p) => p.state === 'open' && classifyBranch(p.head).kind === 'propose')
      .map((p) => classifyBranch(p.head).slug!);
    const slugs = [...[...main.values()].map((e) => e.slug), ...ideas];
    expect(new Set(slugs).size).toBe(slugs.length);
    const ids = [...main.values()].flatMap((e) => (e.id === null ? [] : [e.id]));
    expect(new Set(ids).size).toBe(ids.length);
    const repoNames = new Set(scenario.repos.map((r) => `${scenario.org}/${r.name}`));
    for (const e of main.values()) {
      if (e.state === 'active') {
        expect(repoNames.has(e.repo!), e.slug).toBe(true);
        expect(repos.get(e.repo!.split('/')[1]!)!.branches.get('main')!.has('RFC.md'), e.slug).toBe(true);
        expect(e.graduated_by, e.slug).not.toBeNull();
        expect(e.graduated_at, e.slug).not.toBeNull();
      }
    }
    for (const tree of [mainTree, ...meta.branches.values()]) {
      for (const e of entriesOf(tree).values()) {
        for (const login of [e.proposed_by, e.graduated_by, ...e.owners, ...e.arbiters]) {
          if (login !== null) expect(users.has(login), `${e.slug}: ${login}`).toBe(true);
        }
      }
    }
    for (const c of scenario.collaborators) {
      expect(users.has(c.login) || c.login === scenario.bot, c.login).toBe(true);
      expect(
        scenario.repos.some((r) => r.name === c.repo),
        c.repo,
      ).toBe(true);
    }
  });

  it('covers every state and change kind the process knows', () => {
    const main = [...entriesOf(mainTree).values()];
    const count = (s: Entry['state']) => main.filter((e) => e.state === s).length;
    expect(count('active')).toBe(3);
    expect(count('withdrawn')).toBeGreaterThanOrEqual(2);
    expect(count('super-draft')).toBeGreaterThanOrEqual(5);
    expect(mainTree.has(BROKEN)).toBe(true);

    const pulls = [...meta.pulls.values()];
    const kinds = pulls.map((p) => ({ ...classifyBranch(p.head), head: p.head, state: p.state }));
    expect(kinds.filter((k) => k.kind === 'propose' && k.state === 'open').length).toBeGreaterThanOrEqual(2);
    expect(kinds.some((k) => k.kind === 'edit' && k.head.startsWith('edit/'))).toBe(true);
    expect(kinds.some((k) => k.kind === 'edit' && k.head.startsWith('edit-'))).toBe(true);
    expect(kinds.some((k) => k.kind === 'metadata')).toBe(true);
    expect(kinds.some((k) => k.kind === 'claim')).toBe(true);
    expect(new Set(pulls.map((p) => p.state))).toEqual(new Set(['open', 'merged', 'closed']));
    for (const k of kinds) expect(k.kind, k.head).not.toBe('other');
    // an idea's entry exists only on its propose branch
    for (const k of kinds.filter((x) => x.kind === 'propose' && x.state === 'open')) {
      expect(mainTree.has(`rfcs/${k.slug}.md`), k.head).toBe(false);
      expect(meta.branches.get(k.head)!.has(`rfcs/${k.slug}.md`), k.head).toBe(true);
    }
    for (const name of scenario.repos.map((r) => r.name).filter((n) => n !== scenario.metaRepo)) {
      const rs = repos.get(name)!;
      expect(rs.pulls.size, name).toBeGreaterThanOrEqual(2);
      expect(rs.branches.size, name).toBeGreaterThanOrEqual(2);
    }
    expect([...repos.values()].some((r) => r.deleted.size > 0)).toBe(true);
  });

  it('has a merged PR that supersedes a PR still open, and a bot PR with an On-behalf-of trailer', () => {
    const superseding = [...repos.entries()].flatMap(([name, r]) =>
      [...r.pulls.values()]
        .filter((p) => p.state === 'merged')
        .flatMap((p) => parseSupersedes(p.body).map((n) => ({ name, n, target: r.pulls.get(n) }))),
    );
    expect(superseding.length).toBeGreaterThan(0);
    for (const s of superseding) expect(s.target?.state, `${s.name}#${s.n}`).toBe('open');

    const botPulls = [...repos.values()]
      .flatMap((r) => [...r.pulls.values()])
      .filter((p) => p.author === scenario.bot);
    expect(botPulls.length).toBeGreaterThan(0);
    for (const p of botPulls) expect(users.has(parseOnBehalfOf(p.body) ?? ''), p.head).toBe(true);
  });

  it('records the withdrawn PR in the audit log on the rfc-cache branch', () => {
    const text = meta.branches.get('rfc-cache')?.get('cache-artifacts/audit.jsonl');
    expect(text).toBeDefined();
    const rows = text!
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const fields = [
      'actor',
      'at',
      'key',
      'message',
      'number',
      'op',
      'outcome',
      'repo',
      'request',
      'source',
      'url',
    ];
    for (const row of rows) expect(Object.keys(row)).toEqual(fields);
    const done = rows.filter((r) => r.op === 'withdraw_branch_pr' && r.outcome === 'success');
    expect(done).toHaveLength(1);
    const row = done[0]!;
    const [owner, name] = (row.repo as string).split('/') as [string, string];
    expect(owner).toBe(scenario.org);
    const pull = repos.get(name)!.pulls.get(row.number as number)!;
    expect(pull).toMatchObject({ state: 'closed', closedBy: scenario.bot });
    expect(users.has(row.actor as string)).toBe(true);
    const botComment = scenario.steps.find(
      (s) => s.op === 'comment' && s.repo === name && s.number === row.number && s.author === scenario.bot,
    );
    expect(parseKeyMarker(botComment!.body as string)).toBe(row.key);
  });
});
