/**
 * The SQLite form of the cache: versioned migrations and a loader that regenerates
 * `cache.sqlite` from the artifact's JSON in one transaction.
 */
import Database from 'better-sqlite3';
import type { Artifact } from './model.ts';

/** One schema step; `version` is what `PRAGMA user_version` holds once it has run. */
export interface Migration {
  version: number;
  sql: string;
}

/** The schema, oldest first. Never edit a released step: append a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE artifact (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rfcs (
  slug TEXT PRIMARY KEY, title TEXT NOT NULL, state TEXT NOT NULL, id INTEGER, repo TEXT,
  proposed_by TEXT, proposed_at TEXT, graduated_by TEXT, graduated_at TEXT,
  owners_json TEXT NOT NULL, arbiters_json TEXT NOT NULL, tags_json TEXT NOT NULL,
  body TEXT NOT NULL, body_source TEXT NOT NULL, entry_path TEXT NOT NULL, entry_sha TEXT,
  body_sha TEXT, entry_body TEXT, deleted_out_of_band INTEGER NOT NULL
);
CREATE TABLE branches (
  rfc_slug TEXT NOT NULL REFERENCES rfcs(slug), repo TEXT NOT NULL, name TEXT NOT NULL,
  kind TEXT NOT NULL, state TEXT NOT NULL, head_sha TEXT, synthetic INTEGER NOT NULL,
  PRIMARY KEY (rfc_slug, repo, name, synthetic)
);
CREATE TABLE prs (
  repo TEXT NOT NULL, number INTEGER NOT NULL, rfc_slug TEXT REFERENCES rfcs(slug),
  title TEXT NOT NULL, kind TEXT NOT NULL, head TEXT NOT NULL, base TEXT NOT NULL,
  state TEXT NOT NULL, gitea_state TEXT NOT NULL, opened_by TEXT NOT NULL, author_login TEXT NOT NULL,
  url TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, merged_at TEXT, closed_at TEXT,
  merged_by TEXT, supersedes_json TEXT NOT NULL, superseded_by INTEGER, superseded_by_login TEXT,
  withdrawn_by TEXT, trailer_login TEXT,
  PRIMARY KEY (repo, number, rfc_slug)
);
CREATE TABLE ideas (
  number INTEGER PRIMARY KEY, slug TEXT NOT NULL, title TEXT NOT NULL, url TEXT NOT NULL,
  opened_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE problems (file TEXT PRIMARY KEY, sha TEXT, reasons_json TEXT NOT NULL);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY, key TEXT NOT NULL, op TEXT NOT NULL, repo TEXT NOT NULL, actor TEXT NOT NULL,
  source TEXT NOT NULL, request TEXT NOT NULL, outcome TEXT NOT NULL, number INTEGER, url TEXT,
  message TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX prs_by_slug ON prs(rfc_slug);
CREATE INDEX branches_by_repo ON branches(repo, name);
CREATE INDEX audit_by_key ON audit(key, outcome);
`,
  },
  {
    version: 2,
    sql: `
ALTER TABLE rfcs ADD COLUMN withdrawn_by TEXT;
ALTER TABLE rfcs ADD COLUMN withdrawn_at TEXT;
`,
  },
  {
    version: 3,
    sql: `
ALTER TABLE audit ADD COLUMN wrote INTEGER;
`,
  },
];

/** Opens (creating when missing) a cache database and runs the migrations it lacks, each in a transaction. */
export function openCache(path: string): Database.Database {
  const db = new Database(path);
  migrate(db);
  return db;
}

/** Runs the pending migrations; refuses a database newer than this code. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (current > latest) {
    throw new Error(
      `cache database schema version ${current} is newer than this code knows (${latest}); delete "cache.sqlite" to regenerate it`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}

const json = (v: unknown): string => JSON.stringify(v);
const bool = (v: boolean): number => (v ? 1 : 0);

/** Loads the whole artifact into a fresh, migrated database in one transaction. `digest` identifies the JSON it came from. */
export function loadArtifact(db: Database.Database, a: Artifact, digest: string): void {
  const insertArtifact = db.prepare('INSERT INTO artifact (key, value) VALUES (?, ?)');
  const insertCursor = db.prepare('INSERT INTO cursors (name, value) VALUES (?, ?)');
  const insertRfc = db.prepare(
    `INSERT INTO rfcs VALUES (@slug, @title, @state, @id, @repo, @proposedBy, @proposedAt, @graduatedBy,
      @graduatedAt, @owners, @arbiters, @tags, @body, @bodySource, @entryPath, @entrySha, @bodySha, @entryBody,
      @deleted, @withdrawnBy, @withdrawnAt)`,
  );
  const insertBranch = db.prepare('INSERT OR REPLACE INTO branches VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertPr = db.prepare(
    `INSERT OR REPLACE INTO prs VALUES (@repo, @number, @slug, @title, @kind, @head, @base, @state, @giteaState,
      @openedBy, @authorLogin, @url, @createdAt, @updatedAt, @mergedAt, @closedAt, @mergedBy, @supersedes,
      @supersededBy, @supersededByLogin, @withdrawnBy, @trailerLogin)`,
  );
  const insertIdea = db.prepare('INSERT OR REPLACE INTO ideas VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertProblem = db.prepare('INSERT INTO problems VALUES (?, ?, ?)');
  const insertAudit = db.prepare('INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    insertArtifact.run('digest', digest);
    insertArtifact.run('giteaUrl', a.meta.giteaUrl);
    insertArtifact.run('metaRepo', a.meta.metaRepo);
    insertArtifact.run('defaultBranch', a.meta.defaultBranch);
    insertArtifact.run('schemaVersion', String(a.meta.schemaVersion));
    for (const [k, v] of Object.entries(a.meta.cursors)) insertCursor.run(k, v);
    for (const r of a.rfcs) {
      insertRfc.run({
        ...r,
        owners: json(r.owners),
        arbiters: json(r.arbiters),
        tags: json(r.tags),
        deleted: bool(r.deletedOutOfBand),
      });
      for (const b of r.branches) {
        insertBranch.run(r.slug, b.repo, b.name, b.kind, b.state, b.headSha, bool(b.synthetic));
      }
      for (const p of r.prs) insertPr.run({ ...p, slug: r.slug, supersedes: json(p.supersedes) });
    }
    for (const p of a.unattached) insertPr.run({ ...p, slug: null, supersedes: json(p.supersedes) });
    for (const i of a.ideas)
      insertIdea.run(i.number, i.slug, i.title, i.url, i.openedBy, i.createdAt, i.updatedAt);
    for (const p of a.problems) insertProblem.run(p.file, p.sha, json(p.reasons));
    a.audit.forEach((r, i) => {
      insertAudit.run(
        i + 1,
        r.key,
        r.op,
        r.repo,
        r.actor,
        r.source,
        r.request,
        r.outcome,
        r.number,
        r.url,
        r.message,
        r.at,
        r.wrote === undefined ? null : bool(r.wrote),
      );
    });
  })();
}

/** The digest stored in a cache database, or null when the file is missing, unreadable or older. */
export function storedDigest(path: string): string | null {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== MIGRATIONS[MIGRATIONS.length - 1]!.version) return null;
    const row = db.prepare("SELECT value FROM artifact WHERE key = 'digest'").get() as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  } catch {
    // A missing or corrupt database is regenerated from the JSON.
    return null;
  } finally {
    db?.close();
  }
}
