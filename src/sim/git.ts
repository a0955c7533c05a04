/**
 * Git on bare repositories. Reads go through one long-lived `git cat-file --batch` per repository
 * and are cached by object id (immutable); writes create loose objects in git's object format
 * and move refs with `git update-ref <ref> <new> <old>` under a per-repository lock.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** A failed git command, with its arguments and stderr. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`);
    this.name = 'GitError';
  }
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
}

/** Runs git with `--git-dir` set; resolves with stdout. */
export function runGit(gitDir: string, args: string[], opts: RunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [`--git-dir=${gitDir}`, ...args], {
      env: { ...process.env, ...GIT_ENV, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(args, code, Buffer.concat(err).toString('utf8')));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Keeps the host's git configuration out of the simulator's repositories. */
export const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

interface RawObject {
  type: ObjectType;
  data: Buffer;
}

/** One persistent `git cat-file --batch` process answering requests in order. */
class CatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: { resolve: (o: RawObject | null) => void; reject: (e: Error) => void }[] = [];
  private dead: Error | null = null;
  lastUsed = Date.now();

  constructor(gitDir: string) {
    this.child = spawn('git', [`--git-dir=${gitDir}`, 'cat-file', '--batch'], {
      env: { ...process.env, ...GIT_ENV },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.drain();
    });
    this.child.stderr.on('data', () => {});
    this.child.stdin.on('error', () => {});
    const fail = (e: Error) => {
      this.dead = e;
      for (const q of this.queue.splice(0)) q.reject(e);
    };
    this.child.on('error', fail);
    this.child.on('close', () => fail(new Error(`git cat-file --batch for "${gitDir}" exited`)));
  }

  get alive(): boolean {
    return this.dead === null;
  }

  read(name: string): Promise<RawObject | null> {
    this.lastUsed = Date.now();
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.child.stdin.write(`${name}\n`);
    });
  }

  private drain(): void {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) return;
      const header = this.buf.subarray(0, nl).toString('utf8');
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.buf = this.buf.subarray(nl + 1);
        this.queue.shift()?.resolve(null);
        continue;
      }
      const [, type, sizeText] = header.split(' ');
      const size = Number(sizeText);
      if (this.buf.length < nl + 1 + size + 1) return;
      const data = Buffer.from(this.buf.subarray(nl + 1, nl + 1 + size));
      this.buf = this.buf.subarray(nl + 1 + size + 1);
      this.queue.shift()?.resolve({ type: type as ObjectType, data });
    }
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  when: number;
  /** Offset like `+0000`. */
  tz: string;
}

export interface CommitObject {
  sha: string;
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  message: string;
}

export interface TreeEntry {
  mode: string;
  name: string;
  sha: string;
  type: 'blob' | 'tree' | 'commit';
}

/** A change in a commit: content `null` deletes the path. */
export interface FileChange {
  path: string;
  content: Buffer | null;
}

export interface FileDiff {
  path: string;
  status: 'added' | 'modified' | 'removed';
}

const MAX_BLOB_CACHE_BYTES = 64 * 1024 * 1024;
const MAX_CATFILES = 24;
const MAX_PARSED = 200_000;

interface ParsedTree {
  list: TreeEntry[];
  byName: Map<string, TreeEntry>;
}

/** The bare repositories under one root, with caches and locks. */
export class GitRepos {
  private readonly catFiles = new Map<string, CatFile>();
  private readonly objects = new Map<string, RawObject>();
  private objectBytes = 0;
  private readonly refs = new Map<string, Map<string, string>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** The bare repository directory of `owner/name` (lower-cased, as Gitea stores them). */
  pathOf(owner: string, name: string): string {
    return join(this.root, owner.toLowerCase(), `${name.toLowerCase()}.git`);
  }

  /**
   * Creates an empty bare repository whose HEAD points at `defaultBranch`: the files
   * `git init --bare` writes, made directly to save three process spawns per repository.
   */
  async init(gitDir: string, defaultBranch: string): Promise<void> {
    if (existsSync(join(gitDir, 'HEAD'))) throw new Error(`"${gitDir}" already holds a repository`);
    for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info']) {
      mkdirSync(join(gitDir, d), { recursive: true });
    }
    writeFileSync(join(gitDir, 'HEAD'), `ref: refs/heads/${defaultBranch}\n`);
    writeFileSync(
      join(gitDir, 'config'),
      '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n' +
        '[http]\n\treceivepack = true\n[receive]\n\tdenyNonFastForwards = false\n',
    );
    writeFileSync(join(gitDir, 'description'), 'Unnamed repository\n');
    this.refs.set(gitDir, new Map());
  }

  /** Runs `fn` with the repository locked against other writes. */
  async withLock<T>(gitDir: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(gitDir) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(gitDir, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(gitDir) === tail) this.locks.delete(gitDir);
    }
  }

  /** Every ref under `refs/` as full name → sha, read in-process (cached; writes here keep it current). */
  async listRefs(gitDir: string): Promise<Map<string, string>> {
    const cached = this.refs.get(gitDir);
    if (cached) return cached;
    const refs = readRefsFromDisk(gitDir);
    this.refs.set(gitDir, refs);
    return refs;
  }

  /** Forgets cached refs (after something outside this object, like a push, changed them). */
  invalidateRefs(gitDir: string): void {
    this.refs.delete(gitDir);
  }

  /** Branch name → sha, sorted by name. */
  async branches(gitDir: string): Promise<[string, string][]> {
    const refs = await this.listRefs(gitDir);
    return [...refs.entries()]
      .filter(([r]) => r.startsWith('refs/heads/'))
      .map(([r, s]): [string, string] => [r.slice('refs/heads/'.length), s])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Resolves a branch, tag or (possibly abbreviated) commit sha to a commit sha; null when unknown. */
  async resolveCommit(gitDir: string, ref: string): Promise<string | null> {
    const refs = await this.listRefs(gitDir);
    const direct = refs.get(`refs/heads/${ref}`) ?? refs.get(`refs/tags/${ref}`) ?? refs.get(ref);
    if (direct) return this.peelToCommit(gitDir, direct);
    if (/^[0-9a-f]{4,40}$/i.test(ref)) {
      const obj = await this.readRaw(gitDir, ref.toLowerCase());
      if (!obj) return null;
      if (ref.length === 40) return obj.type === 'commit' ? ref.toLowerCase() : null;
      const full = await this.revParse(gitDir, `${ref}^{commit}`);
      return full;
    }
    return null;
  }

  private async peelToCommit(gitDir: string, sha: string): Promise<string | null> {
    const obj = await this.readRaw(gitDir, sha);
    if (!obj) return null;
    if (obj.type === 'commit') return sha;
    if (obj.type === 'tag') {
      const m = /^object ([0-9a-f]{40})$/m.exec(obj.data.toString('utf8'));
      return m ? this.peelToCommit(gitDir, m[1]!) : null;
    }
    return null;
  }

  private async revParse(gitDir: string, expr: string): Promise<string | null> {
    try {
      return (
        (await runGit(gitDir, ['rev-parse', '--verify', '--quiet', expr])).toString('utf8').trim() || null
      );
    } catch {
      return null;
    }
  }

  private catFile(gitDir: string): CatFile {
    let c = this.catFiles.get(gitDir);
    if (c?.alive) return c;
    if (this.catFiles.size >= MAX_CATFILES) {
      const oldest = [...this.catFiles.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0]!;
      oldest[1].close();
      this.catFiles.delete(oldest[0]);
    }
    c = new CatFile(gitDir);
    this.catFiles.set(gitDir, c);
    return c;
  }

  /** Reads an object by full sha (cached) or by any name git understands (not cached). */
  async readRaw(gitDir: string, name: string): Promise<RawObject | null> {
    const full = /^[0-9a-f]{40}$/.test(name);
    const key = `${gitDir}\0${name}`;
    if (full) {
      const hit = this.objects.get(key);
      if (hit) return hit;
    }
    const obj = (full ? readLoose(gitDir, name) : null) ?? (await this.catFile(gitDir).read(name));
    if (obj && full) this.cache(key, obj);
    return obj;
  }

  private cache(key: string, obj: RawObject): void {
    if (obj.data.length > 4 * 1024 * 1024) return;
    if (this.objectBytes + obj.data.length > MAX_BLOB_CACHE_BYTES) {
      this.objects.clear();
      this.objectBytes = 0;
    }
    this.objects.set(key, obj);
    this.objectBytes += obj.data.length;
  }

  async readCommit(gitDir: string, sha: string): Promise<CommitObject | null> {
    const key = `${gitDir}\0${sha}`;
    let c = this.parsedCommits.get(key);
    if (!c) {
      const obj = await this.readRaw(gitDir, sha);
      if (obj?.type !== 'commit') return null;
      c = parseCommit(sha, obj.data);
      if (/^[0-9a-f]{40}$/.test(sha)) this.remember(this.parsedCommits, key, c);
    }
    return { ...c, parents: [...c.parents] };
  }

  async readTree(gitDir: string, sha: string): Promise<TreeEntry[] | null> {
    const parsed = await this.parsedTree(gitDir, sha);
    return parsed ? [...parsed.list] : null;
  }

  /** One entry of a tree by name (indexed, cached by sha). */
  async treeEntry(gitDir: string, treeSha: string, name: string): Promise<TreeEntry | null> {
    return (await this.parsedTree(gitDir, treeSha))?.byName.get(name) ?? null;
  }

  private async parsedTree(gitDir: string, sha: string): Promise<ParsedTree | null> {
    const key = `${gitDir}\0${sha}`;
    const hit = this.parsedTrees.get(key);
    if (hit) return hit;
    const obj = await this.readRaw(gitDir, sha);
    if (obj?.type !== 'tree') return null;
    const list = parseTree(obj.data);
    const parsed = { list, byName: new Map(list.map((e) => [e.name, e])) };
    if (/^[0-9a-f]{40}$/.test(sha)) this.remember(this.parsedTrees, key, parsed);
    return parsed;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (map.size >= MAX_PARSED) map.clear();
    map.set(key, value);
  }

  private readonly parsedCommits = new Map<string, CommitObject>();
  private readonly parsedTrees = new Map<string, ParsedTree>();

  async readBlob(gitDir: string, sha: string): Promise<Buffer | null> {
    const obj = await this.readRaw(gitDir, sha);
    if (obj?.type !== 'blob') return null;
    return obj.data;
  }

  /** The entry at `path` in the tree of `commitSha`; `path` '' is the root tree. */
  async entryAt(gitDir: string, commitSha: string, path: string): Promise<TreeEntry | null> {
    const commit = await this.readCommit(gitDir, commitSha);
    if (!commit) return null;
    const parts = path.split('/').filter((p) => p !== '');
    let entry: TreeEntry = { mode: '040000', name: '', sha: commit.tree, type: 'tree' };
    for (const part of parts) {
      if (entry.type !== 'tree') return null;
      const next = await this.treeEntry(gitDir, entry.sha, part);
      if (!next) return null;
      entry = next;
    }
    return entry;
  }

  /** Every blob under a tree as `path → entry`, depth first in git order. */
  async walkTree(
    gitDir: string,
    treeSha: string,
    prefix = '',
  ): Promise<{ path: string; entry: TreeEntry }[]> {
    const out: { path: string; entry: TreeEntry }[] = [];
    const tree = (await this.readTree(gitDir, treeSha)) ?? [];
    for (const e of tree) {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      out.push({ path, entry: e });
      if (e.type === 'tree') out.push(...(await this.walkTree(gitDir, e.sha, path)));
    }
    return out;
  }

  /** Writes one object as a loose object (if absent) and returns its sha. */
  writeObject(gitDir: string, type: ObjectType, data: Buffer): string {
    const header = Buffer.from(`${type} ${data.length}\0`);
    const full = Buffer.concat([header, data]);
    const sha = createHash('sha1').update(full).digest('hex');
    const file = join(gitDir, 'objects', sha.slice(0, 2), sha.slice(2));
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      writeFileSync(tmp, deflateSync(full), { mode: 0o444 });
      renameSync(tmp, file);
    }
    this.cache(`${gitDir}\0${sha}`, { type, data });
    return sha;
  }

  /** Applies file changes to a tree and writes the new trees; returns the new root tree sha. */
  async applyChanges(gitDir: string, baseTree: string | null, changes: FileChange[]): Promise<string> {
    const root: DirNode = { entries: new Map(), base: baseTree };
    for (const ch of changes) {
      const parts = ch.path.split('/').filter((p) => p !== '');
      let node = root;
      for (const dir of parts.slice(0, -1)) {
        await this.loadDir(gitDir, node);
        const existing = node.entries.get(dir);
        let child: DirNode;
        if (existing && 'dir' in existing) child = existing.dir;
        else {
          child = { entries: new Map(), base: null, loaded: true };
          if (existing && existing.entry.type === 'tree')
            child = { entries: new Map(), base: existing.entry.sha };
          node.entries.set(dir, { dir: child });
        }
        node = child;
      }
      await this.loadDir(gitDir, node);
      const name = parts[parts.length - 1]!;
      if (ch.content === null) node.entries.delete(name);
      else {
        const sha = this.writeObject(gitDir, 'blob', ch.content);
        const prev = node.entries.get(name);
        const mode = prev && !('dir' in prev) && prev.entry.mode === '100755' ? '100755' : '100644';
        node.entries.set(name, { entry: { mode, name, sha, type: 'blob' } });
      }
    }
    return this.writeDir(gitDir, root);
  }

  private async loadDir(gitDir: string, node: DirNode): Promise<void> {
    if (node.loaded) return;
    node.loaded = true;
    if (!node.base) return;
    for (const e of (await this.readTree(gitDir, node.base)) ?? []) node.entries.set(e.name, { entry: e });
  }

  private async writeDir(gitDir: string, node: DirNode): Promise<string> {
    if (!node.loaded && node.base) return node.base;
    const entries: TreeEntry[] = [];
    for (const [name, v] of node.entries) {
      if ('dir' in v) {
        const sha = await this.writeDir(gitDir, v.dir);
        if (sha === EMPTY_TREE) continue;
        entries.push({ mode: '40000', name, sha, type: 'tree' });
      } else entries.push(v.entry);
    }
    return this.writeObject(gitDir, 'tree', serializeTree(entries));
  }

  /** Writes a commit object and returns its sha. */
  writeCommit(
    gitDir: string,
    c: { tree: string; parents: string[]; author: Signature; committer: Signature; message: string },
  ): string {
    const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`)];
    lines.push(`author ${formatSignature(c.author)}`, `committer ${formatSignature(c.committer)}`);
    const message = c.message.endsWith('\n') ? c.message : `${c.message}\n`;
    return this.writeObject(gitDir, 'commit', Buffer.from(`${lines.join('\n')}\n\n${message}`, 'utf8'));
  }

  /**
   * Moves `ref` from `oldSha` to `newSha` with git's lockfile protocol (`<ref>.lock` created
   * exclusively, old value checked, renamed into place), in-process to save a `git update-ref`
   * spawn per write. `oldSha` null means the ref must not exist; `newSha` null deletes it.
   * Call inside `withLock`.
   */
  async updateRef(gitDir: string, ref: string, newSha: string | null, oldSha: string | null): Promise<void> {
    if (!/^refs\/[^\0]+$/.test(ref) || ref.includes('..') || ref.endsWith('.lock') || ref.endsWith('/')) {
      throw new GitError(['update-ref', ref], 128, `fatal: invalid ref name "${ref}"`);
    }
    const file = join(gitDir, ref);
    const lock = `${file}.lock`;
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (e) {
      throw new GitError(
        ['update-ref', ref],
        128,
        `fatal: cannot lock ref "${ref}": a ref is in the way (${(e as Error).message})`,
      );
    }
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch (e) {
      throw new GitError(
        ['update-ref', ref],
        128,
        `fatal: cannot lock ref "${ref}": ${(e as Error).message}`,
      );
    }
    let locked = true;
    try {
      const current = readRefFromDisk(gitDir, ref);
      if (!(oldSha === null && newSha === null) && (current ?? null) !== oldSha) {
        throw new GitError(
          ['update-ref', ref],
          128,
          `fatal: cannot lock ref "${ref}": is at ${current ?? 'nothing'} but expected ${oldSha ?? 'nothing'}`,
        );
      }
      if (newSha === null) {
        closeSync(fd);
        rmSync(file, { force: true });
        if (packedRefs(gitDir).has(ref)) {
          rmSync(lock, { force: true });
          locked = false;
          await runGit(gitDir, ['update-ref', '-d', ref]);
        }
        pruneEmptyDirs(gitDir, dirname(file));
      } else {
        writeSync(fd, `${newSha}\n`);
        closeSync(fd);
        renameSync(lock, file);
        locked = false;
      }
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      throw e;
    } finally {
      if (locked) rmSync(lock, { force: true });
    }
    const cached = this.refs.get(gitDir);
    if (cached) {
      if (newSha === null) cached.delete(ref);
      else cached.set(ref, newSha);
    }
  }

  /** Points HEAD at a branch. */
  async setHead(gitDir: string, branch: string): Promise<void> {
    writeFileSync(join(gitDir, 'HEAD'), `ref: refs/heads/${branch}\n`);
  }

  /** Files added, modified and removed between two trees (null = empty), sorted by path. */
  async diffTrees(gitDir: string, a: string | null, b: string | null, prefix = ''): Promise<FileDiff[]> {
    if (a === b) return [];
    const ta = a ? ((await this.readTree(gitDir, a)) ?? []) : [];
    const tb = b ? ((await this.readTree(gitDir, b)) ?? []) : [];
    const ma = new Map(ta.map((e) => [e.name, e]));
    const mb = new Map(tb.map((e) => [e.name, e]));
    const out: FileDiff[] = [];
    for (const name of new Set([...ma.keys(), ...mb.keys()])) {
      const ea = ma.get(name);
      const eb = mb.get(name);
      const path = prefix ? `${prefix}/${name}` : name;
      const ta2 = ea?.type === 'tree' ? ea.sha : null;
      const tb2 = eb?.type === 'tree' ? eb.sha : null;
      if (ta2 || tb2) out.push(...(await this.diffTrees(gitDir, ta2, tb2, path)));
      const ba = ea && ea.type !== 'tree' ? ea : null;
      const bb = eb && eb.type !== 'tree' ? eb : null;
      if (ba && bb) {
        if (ba.sha !== bb.sha || ba.mode !== bb.mode) out.push({ path, status: 'modified' });
      } else if (bb) out.push({ path, status: 'added' });
      else if (ba) out.push({ path, status: 'removed' });
    }
    return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  }

  /** The files a commit changed against its first parent. */
  async commitDiff(gitDir: string, sha: string): Promise<FileDiff[]> {
    const c = await this.readCommit(gitDir, sha);
    if (!c) return [];
    const parent = c.parents[0] ? await this.readCommit(gitDir, c.parents[0]) : null;
    return this.diffTrees(gitDir, parent?.tree ?? null, c.tree);
  }

  /** The entry at `path` under a tree sha, or null. */
  async entryInTree(gitDir: string, treeSha: string, path: string): Promise<TreeEntry | null> {
    let entry: TreeEntry = { mode: '040000', name: '', sha: treeSha, type: 'tree' };
    for (const part of path.split('/').filter((p) => p !== '')) {
      if (entry.type !== 'tree') return null;
      const next = await this.treeEntry(gitDir, entry.sha, part);
      if (!next) return null;
      entry = next;
    }
    return entry;
  }

  /**
   * The newest commit from `from` that changed `path`, like `git rev-list -1 from -- path` with
   * git's default history simplification: follow the first parent the path is unchanged against
   * (TREESAME); a commit that differs from every parent is the answer.
   */
  async lastCommitTouching(gitDir: string, from: string, path: string): Promise<string> {
    const same = (a: TreeEntry | null, b: TreeEntry | null) =>
      a === null ? b === null : b !== null && a.sha === b.sha && a.mode === b.mode;
    let sha = from;
    for (;;) {
      const c = await this.readCommit(gitDir, sha);
      if (!c || c.parents.length === 0) return sha;
      const mine = await this.entryInTree(gitDir, c.tree, path);
      let next: string | null = null;
      for (const p of c.parents) {
        const pc = await this.readCommit(gitDir, p);
        if (pc && same(mine, await this.entryInTree(gitDir, pc.tree, path))) {
          next = p;
          break;
        }
      }
      if (next === null) return sha;
      sha = next;
    }
  }

  /**
   * Commits reachable from `from` but not from `not`, newest committer date first (git's
   * default `rev-list` order), at most `limit`; walked in-process over the object cache.
   */
  async walk(gitDir: string, opts: { from: string; not?: string | null; limit?: number }): Promise<string[]> {
    const flags = new Map<string, boolean>();
    const times = new Map<string, number>();
    const inserted = new Map<string, number>();
    const queue: string[] = [];
    const order: string[] = [];
    const push = async (sha: string, uninteresting: boolean) => {
      const known = flags.get(sha);
      if (known === true || (known === false && !uninteresting)) return;
      flags.set(sha, uninteresting);
      const c = await this.readCommit(gitDir, sha);
      times.set(sha, c?.committer.when ?? 0);
      inserted.set(sha, inserted.size);
      queue.push(sha);
    };
    await push(opts.from, false);
    if (opts.not) await push(opts.not, true);
    const onlyUninteresting = () => queue.every((q) => flags.get(q) === true);
    while (queue.length > 0 && !(opts.not && onlyUninteresting())) {
      // Newest first; equal dates in insertion order, like git's commit-date priority queue.
      queue.sort((a, b) => (times.get(a) ?? 0) - (times.get(b) ?? 0) || inserted.get(b)! - inserted.get(a)!);
      const sha = queue.pop()!;
      const uninteresting = flags.get(sha) === true;
      if (!uninteresting) order.push(sha);
      if (!opts.not && opts.limit !== undefined && order.length >= opts.limit) break;
      const c = await this.readCommit(gitDir, sha);
      for (const p of c?.parents ?? []) await push(p, uninteresting);
    }
    const out = order.filter((sha, i) => flags.get(sha) === false && order.indexOf(sha) === i);
    return opts.limit === undefined ? out : out.slice(0, opts.limit);
  }

  /**
   * A merge base of two commits, in-process: the best common ancestor (one no other common
   * ancestor descends from), the newest by committer date when there are several (criss-cross
   * merges, where `git merge-base` may pick another); null for unrelated histories.
   */
  async mergeBase(gitDir: string, a: string, b: string): Promise<string | null> {
    return (await this.mergeBases(gitDir, a, b))[0] ?? null;
  }

  /**
   * Every best common ancestor of two commits (`git merge-base --all`), newest committer date
   * first; more than one only after criss-cross merges.
   */
  async mergeBases(gitDir: string, a: string, b: string): Promise<string[]> {
    if (a === b) return [a];
    const fromA = await this.ancestors(gitDir, [a]);
    if (fromA.has(b)) return [b];
    const fromB = await this.ancestors(gitDir, [b]);
    if (fromB.has(a)) return [a];
    const common = [...fromB].filter((sha) => fromA.has(sha));
    const parents: string[] = [];
    for (const sha of common) parents.push(...((await this.readCommit(gitDir, sha))?.parents ?? []));
    const redundant = await this.ancestors(gitDir, parents);
    const best = common.filter((sha) => !redundant.has(sha));
    const when = new Map<string, number>();
    for (const sha of best) when.set(sha, (await this.readCommit(gitDir, sha))?.committer.when ?? 0);
    return best.sort((x, y) => when.get(y)! - when.get(x)! || (x < y ? -1 : x > y ? 1 : 0));
  }

  /** Every commit reachable from `from` (inclusive). */
  private async ancestors(gitDir: string, from: string[]): Promise<Set<string>> {
    const seen = new Set<string>();
    const stack = [...from];
    while (stack.length > 0) {
      const sha = stack.pop()!;
      if (seen.has(sha)) continue;
      seen.add(sha);
      const c = await this.readCommit(gitDir, sha);
      for (const p of c?.parents ?? []) if (!seen.has(p)) stack.push(p);
    }
    return seen;
  }

  /** Commit shas reachable from `from` (newest first, as `git log`), optionally touching `path`. */
  async log(
    gitDir: string,
    opts: { from: string; path?: string; skip?: number; limit?: number; not?: string },
  ): Promise<string[]> {
    const args = ['rev-list'];
    if (opts.skip) args.push(`--skip=${opts.skip}`);
    if (opts.limit !== undefined) args.push(`--max-count=${opts.limit}`);
    args.push(opts.from);
    if (opts.not) args.push(`^${opts.not}`);
    if (opts.path) args.push('--', opts.path);
    const out = await runGit(gitDir, args);
    return out.toString('utf8').split('\n').filter(Boolean);
  }

  /** How many commits `log` would list without paging. */
  async count(gitDir: string, opts: { from: string; path?: string }): Promise<number> {
    const args = ['rev-list', '--count', opts.from];
    if (opts.path) args.push('--', opts.path);
    return Number((await runGit(gitDir, args)).toString('utf8').trim());
  }

  /**
   * Computes (and caches) line stats for many commits with one `git diff-tree --stdin` process,
   * so a page of commits costs one spawn instead of one per commit.
   */
  async prefetchNumstats(gitDir: string, shas: string[]): Promise<void> {
    const missing = [...new Set(shas)].filter((sha) => !this.numstats.has(`${gitDir}\0numstat\0${sha}`));
    if (missing.length === 0) return;
    const out = await runGit(
      gitDir,
      ['diff-tree', '--stdin', '--always', '--root', '-r', '--numstat', '-m', '--first-parent'],
      { input: `${missing.join('\n')}\n` },
    );
    let current: Map<string, { additions: number; deletions: number }> | null = null;
    const seen = new Set<string>();
    for (const line of out.toString('utf8').split('\n')) {
      // Each commit starts with its sha; with -m a merge gets one "<sha> (from <parent>)" section
      // per parent, first parent first: keep only that one.
      const header = /^([0-9a-f]{40})(?: \(from [0-9a-f]{40}\))?$/.exec(line);
      if (header) {
        const key = `${gitDir}\0numstat\0${header[1]}`;
        if (seen.has(key)) {
          current = null;
          continue;
        }
        seen.add(key);
        current = new Map();
        this.numstats.set(key, current);
        continue;
      }
      const [a, d, p] = line.split('\t');
      if (p === undefined || !current) continue;
      current.set(p, { additions: Number(a) || 0, deletions: Number(d) || 0 });
    }
  }

  /** Line additions and deletions of a commit against its first parent (`git diff-tree --numstat`). */
  async numstat(gitDir: string, sha: string): Promise<Map<string, { additions: number; deletions: number }>> {
    const key = `${gitDir}\0numstat\0${sha}`;
    if (!this.numstats.has(key)) await this.prefetchNumstats(gitDir, [sha]);
    const m = this.numstats.get(key) ?? new Map<string, { additions: number; deletions: number }>();
    if (this.numstats.size > MAX_PARSED) this.numstats.clear();
    return m;
  }

  private readonly numstats = new Map<string, Map<string, { additions: number; deletions: number }>>();

  /** Stops the cat-file processes. */
  close(): void {
    for (const c of this.catFiles.values()) c.close();
    this.catFiles.clear();
  }
}

interface DirNode {
  entries: Map<string, { entry: TreeEntry } | { dir: DirNode }>;
  base: string | null;
  loaded?: boolean;
}

function parseSignature(text: string): Signature {
  const m = /^(.*) <([^>]*)> (\d+) ([+-]\d{4})$/.exec(text);
  if (!m) return { name: text, email: '', when: 0, tz: '+0000' };
  return { name: m[1]!, email: m[2]!, when: Number(m[3]), tz: m[4]! };
}

function formatSignature(s: Signature): string {
  return `${s.name} <${s.email}> ${s.when} ${s.tz}`;
}

/** Parses a raw commit object. */
export function parseCommit(sha: string, data: Buffer): CommitObject {
  const text = data.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  const c: CommitObject = {
    sha,
    tree: '',
    parents: [],
    author: parseSignature(''),
    committer: parseSignature(''),
    message,
  };
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue;
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') c.tree = value;
    else if (key === 'parent') c.parents.push(value);
    else if (key === 'author') c.author = parseSignature(value);
    else if (key === 'committer') c.committer = parseSignature(value);
  }
  return c;
}

/** Parses a raw tree object. */
export function parseTree(data: Buffer): TreeEntry[] {
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(32, i);
    const nul = data.indexOf(0, sp);
    const mode = data.subarray(i, sp).toString('utf8');
    const name = data.subarray(sp + 1, nul).toString('utf8');
    const sha = data.subarray(nul + 1, nul + 21).toString('hex');
    const type = mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    out.push({ mode: mode === '40000' ? '040000' : mode, name, sha, type });
    i = nul + 21;
  }
  return out;
}

/** Git's tree order: byte order of names, with directory names compared as `name/`. */
function serializeTree(entries: TreeEntry[]): Buffer {
  const key = (e: TreeEntry) => Buffer.from(e.type === 'tree' ? `${e.name}/` : e.name, 'utf8');
  const sorted = [...entries].sort((a, b) => Buffer.compare(key(a), key(b)));
  return Buffer.concat(
    sorted.map((e) =>
      Buffer.concat([
        Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`, 'utf8'),
        Buffer.from(e.sha, 'hex'),
      ]),
    ),
  );
}

/** A signature for `when` (UTC). */
export function signatureAt(name: string, email: string, when: Date): Signature {
  return { name, email, when: Math.floor(when.getTime() / 1000), tz: '+0000' };
}

/** A signature's time as RFC 3339 in its own offset (`Z` for UTC, as Go formats it). */
export function signatureIso(s: Signature): string {
  const sign = s.tz.startsWith('-') ? -1 : 1;
  const offMin = sign * (Number(s.tz.slice(1, 3)) * 60 + Number(s.tz.slice(3, 5)));
  const local = new Date((s.when + offMin * 60) * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  if (offMin === 0) return `${local}Z`;
  return `${local}${s.tz.slice(0, 3)}:${s.tz.slice(3, 5)}`;
}

/** Reads a loose object in-process (no git process); null when it is packed or absent. */
function readLoose(gitDir: string, sha: string): RawObject | null {
  let raw: Buffer;
  try {
    raw = readFileSync(join(gitDir, 'objects', sha.slice(0, 2), sha.slice(2)));
  } catch {
    return null;
  }
  const full = inflateSync(raw);
  const nul = full.indexOf(0);
  const [type] = full.subarray(0, nul).toString('utf8').split(' ');
  return { type: type as ObjectType, data: Buffer.from(full.subarray(nul + 1)) };
}

/** `packed-refs` as ref → sha (peeled `^` lines skipped). */
function packedRefs(gitDir: string): Map<string, string> {
  const refs = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
  } catch {
    return refs;
  }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const sp = line.indexOf(' ');
    refs.set(line.slice(sp + 1), line.slice(0, sp));
  }
  return refs;
}

/** All refs under `refs/`: packed ones overridden by loose files, as git resolves them. */
function readRefsFromDisk(gitDir: string): Map<string, string> {
  const refs = packedRefs(gitDir);
  const walk = (dir: string, prefix: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.endsWith('.lock')) continue;
      const path = join(dir, name);
      const ref = `${prefix}/${name}`;
      let text: string;
      try {
        text = readFileSync(path, 'utf8').trim();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EISDIR') walk(path, ref);
        continue;
      }
      if (/^[0-9a-f]{40}$/.test(text)) refs.set(ref, text);
    }
  };
  walk(join(gitDir, 'refs'), 'refs');
  return new Map([...refs.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** One ref's value (loose file, else packed-refs), or null. */
function readRefFromDisk(gitDir: string, ref: string): string | null {
  try {
    const text = readFileSync(join(gitDir, ref), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(text)) return text;
  } catch {
    // not a loose ref
  }
  return packedRefs(gitDir).get(ref) ?? null;
}

/** Removes directories left empty by a deleted ref, up to `refs/heads` or `refs/tags`. */
function pruneEmptyDirs(gitDir: string, dir: string): void {
  const stop = new Set([join(gitDir, 'refs'), join(gitDir, 'refs', 'heads'), join(gitDir, 'refs', 'tags')]);
  let d = dir;
  while (!stop.has(d) && d.startsWith(join(gitDir, 'refs'))) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
    d = dirname(d);
  }
}
