/**
 * The simulator's metadata store: documents in one SQLite file under the data dir, mirrored in
 * memory. Git objects and refs live in bare repositories beside it (see git.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Repository permission levels, ordered. */
export type Permission = 'none' | 'read' | 'write' | 'admin';
export const PERMISSION_RANK: Record<Permission, number> = { none: 0, read: 1, write: 2, admin: 3 };

export interface UserRecord {
  id: number;
  login: string;
  fullName: string;
  email: string;
  password: string;
  isAdmin: boolean;
  createdAt: string;
}

/** Gitea token scope names, e.g. `all`, `read:repository`, `write:issue`. */
export interface TokenRecord {
  id: number;
  name: string;
  sha1: string;
  login: string;
  scopes: string[];
}

export interface OrgRecord {
  id: number;
  name: string;
  fullName: string;
  description: string;
  email: string;
  website: string;
  location: string;
  visibility: 'public' | 'limited' | 'private';
  /** Logins in the org's Owners team: admin on every repo of the org. */
  owners: string[];
  createdAt: string;
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  description: string;
  private: boolean;
  defaultBranch: string;
  empty: boolean;
  createdAt: string;
  updatedAt: string;
  /** Open issue count (`open_issues_count`); kept by the issue routes. */
  openIssues?: number;
  /** Open pull request count (`open_pr_counter`); kept by the pull routes. */
  openPulls?: number;
}

export interface CollaboratorRecord {
  repoId: number;
  login: string;
  permission: Exclude<Permission, 'none'>;
}

/** Called after a branch or tag moved, for API writes and git pushes alike. Zero sha = created/deleted. */
export type RefUpdateListener = (
  repo: RepoRecord,
  ref: string,
  oldSha: string,
  newSha: string,
  pusher: UserRecord,
) => void | Promise<void>;

export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** A keyed set of JSON documents, kept in memory and written through to SQLite. */
export class Collection<T> {
  private readonly map = new Map<string, T>();
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(
    db: Database.Database,
    readonly name: string,
  ) {
    this.upsert = db.prepare(
      'INSERT INTO docs (coll, key, json) VALUES (?, ?, ?) ON CONFLICT(coll, key) DO UPDATE SET json = excluded.json',
    );
    this.remove = db.prepare('DELETE FROM docs WHERE coll = ? AND key = ?');
    const rows = db.prepare('SELECT key, json FROM docs WHERE coll = ?').all(name) as {
      key: string;
      json: string;
    }[];
    for (const r of rows) this.map.set(r.key, JSON.parse(r.json) as T);
  }

  get(key: string): T | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Stores (a copy of) `value` under `key`. */
  put(key: string, value: T): T {
    this.upsert.run(this.name, key, JSON.stringify(value));
    this.map.set(key, value);
    return value;
  }

  delete(key: string): boolean {
    this.remove.run(this.name, key);
    return this.map.delete(key);
  }

  values(): T[] {
    return [...this.map.values()];
  }

  entries(): [string, T][] {
    return [...this.map.entries()];
  }

  get size(): number {
    return this.map.size;
  }
}

/** Lower-cased `owner/name`: Gitea resolves owners and repos case-insensitively. */
export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

/** The metadata store. Open one per data dir. */
export class Store {
  readonly db: Database.Database;
  readonly users: Collection<UserRecord>;
  readonly tokens: Collection<TokenRecord>;
  readonly orgs: Collection<OrgRecord>;
  readonly repos: Collection<RepoRecord>;
  readonly collaborators: Collection<CollaboratorRecord>;
  private readonly collections = new Map<string, Collection<unknown>>();
  private readonly refListeners: RefUpdateListener[] = [];

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'sim.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS docs (coll TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (coll, key));
      CREATE TABLE IF NOT EXISTS seqs (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    this.users = this.collection<UserRecord>('users');
    this.tokens = this.collection<TokenRecord>('tokens');
    this.orgs = this.collection<OrgRecord>('orgs');
    this.repos = this.collection<RepoRecord>('repos');
    this.collaborators = this.collection<CollaboratorRecord>('collaborators');
  }

  /** The named document collection (created on first use); other route modules keep their records here. */
  collection<T>(name: string): Collection<T> {
    let c = this.collections.get(name);
    if (!c) {
      c = new Collection<unknown>(this.db, name);
      this.collections.set(name, c);
    }
    return c as Collection<T>;
  }

  /** The next value of a persistent sequence starting at 1 (`user`, `repo`, `token`, `issue:<repoId>`, ...). */
  nextSeq(name: string): number {
    const row = this.db
      .prepare(
        'INSERT INTO seqs (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value',
      )
      .get(name) as { value: number };
    return row.value;
  }

  /** The current value of a sequence without advancing it (0 if never used). */
  peekSeq(name: string): number {
    const row = this.db.prepare('SELECT value FROM seqs WHERE name = ?').get(name) as
      | { value: number }
      | undefined;
    return row?.value ?? 0;
  }

  /** The next issue/pull number of a repo: one sequence shared by issues and pulls, as in Gitea. */
  nextIssueIndex(repoId: number): number {
    return this.nextSeq(`issue-index:${repoId}`);
  }

  /** A flag or small value kept across restarts. */
  getMeta(key: string): string | undefined {
    return (this.collection<string>('meta').get(key) ?? undefined) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.collection<string>('meta').put(key, value);
  }

  userByLogin(login: string): UserRecord | undefined {
    return this.users.get(login.toLowerCase());
  }

  orgByName(name: string): OrgRecord | undefined {
    return this.orgs.get(name.toLowerCase());
  }

  repoByName(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  repoById(id: number): RepoRecord | undefined {
    if (this.repoKeysById.size !== this.repos.size) {
      this.repoKeysById.clear();
      for (const [key, r] of this.repos.entries()) this.repoKeysById.set(r.id, key);
    }
    const key = this.repoKeysById.get(id);
    return key === undefined ? undefined : this.repos.get(key);
  }

  private readonly repoKeysById = new Map<number, string>();

  /** Saves a changed repo record. */
  saveRepo(repo: RepoRecord): void {
    const key = repoKey(repo.owner, repo.name);
    this.repos.put(key, repo);
    this.repoKeysById.set(repo.id, key);
  }

  collaborator(repoId: number, login: string): CollaboratorRecord | undefined {
    return this.collaborators.get(`${repoId}/${login.toLowerCase()}`);
  }

  setCollaborator(repoId: number, login: string, permission: CollaboratorRecord['permission']): void {
    this.collaborators.put(`${repoId}/${login.toLowerCase()}`, { repoId, login, permission });
  }

  /** The permission a user (or anonymous, `null`) has on a repo, following Gitea's access rules. */
  permission(repo: RepoRecord, user: UserRecord | null): Permission {
    if (user) {
      if (user.isAdmin) return 'admin';
      if (repo.owner.toLowerCase() === user.login.toLowerCase()) return 'admin';
      const org = this.orgByName(repo.owner);
      if (org?.owners.some((o) => o.toLowerCase() === user.login.toLowerCase())) return 'admin';
      const c = this.collaborator(repo.id, user.login);
      if (c) return c.permission;
    }
    return repo.private ? 'none' : 'read';
  }

  /** Registers a listener for ref updates; returns the function that removes it. */
  onRefUpdate(listener: RefUpdateListener): () => void {
    this.refListeners.push(listener);
    return () => {
      const i = this.refListeners.indexOf(listener);
      if (i >= 0) this.refListeners.splice(i, 1);
    };
  }

  /** Runs every ref-update listener in registration order. */
  async emitRefUpdate(
    repo: RepoRecord,
    ref: string,
    oldSha: string,
    newSha: string,
    pusher: UserRecord,
  ): Promise<void> {
    for (const l of [...this.refListeners]) await l(repo, ref, oldSha, newSha, pusher);
  }

  close(): void {
    this.db.close();
  }
}
