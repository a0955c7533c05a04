/**
 * Contents API: read a file or list a dir, create/update/delete one file, change several files in
 * one commit, raw files. Error statuses follow Gitea's `handleChangeRepoFilesError`
 * (routers/api/v1/repo/file.go): sha mismatch, missing sha, existing file and existing new branch
 * are 422; a missing branch or file is 404.
 */
import type { FileChange, Signature } from '../git.ts';
import { runGit, signatureAt } from '../git.ts';
import { contentsEntry, fileCommit, resolveRef, UNSIGNED } from '../refs.ts';
import { commitChanges } from '../repo-writes.ts';
import { ApiError, type Ctx, type SimCore } from '../server.ts';
import type { RepoRecord, UserRecord } from '../store.ts';
import { base64Content, bodyObject, str } from './util.ts';

type Operation = 'create' | 'update' | 'delete';

interface FileOp {
  operation: Operation;
  path: string;
  content?: Buffer;
  sha?: string;
  fromPath?: string;
}

/** Cleans a tree path like Gitea's `CleanUploadFileName`; 422 for paths that escape or touch `.git`. */
function cleanPath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 || parts.some((s) => s === '..' || s.toLowerCase() === '.git')) {
    throw new ApiError(422, `path is invalid [path: ${p}]`);
  }
  return parts.join('/');
}

function identity(v: unknown, field: string): { name: string; email: string } | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object') throw new ApiError(422, `[${field}]: must be an object with name and email`);
  const o = v as Record<string, unknown>;
  const name = typeof o.name === 'string' ? o.name : '';
  const email = typeof o.email === 'string' ? o.email : '';
  if (!email) return null;
  return { name, email };
}

function parseDate(v: unknown, field: string): Date | null {
  if (v === undefined || v === null || v === '') return null;
  const d = new Date(String(v));
  if (Number.isNaN(d.getTime()))
    throw new ApiError(422, `[dates.${field}]: not an RFC 3339 date: "${String(v)}"`);
  return d;
}

/**
 * Author and committer as Gitea's `GetAuthorAndCommitterUsers`: one given identity is used for
 * both, none means the doer; a given email equal to the doer's keeps the doer (with the given name).
 */
function signatures(
  core: SimCore,
  b: Record<string, unknown>,
  doer: UserRecord,
): { author: Signature; committer: Signature } {
  const dates = (typeof b.dates === 'object' && b.dates !== null ? b.dates : {}) as Record<string, unknown>;
  const now = core.clock.now();
  const authorDate = parseDate(dates.author, 'author') ?? now;
  const committerDate = parseDate(dates.committer, 'committer') ?? authorDate;
  const toUser = (id: { name: string; email: string } | null) => {
    if (!id) return null;
    if (id.email.toLowerCase() === doer.email.toLowerCase())
      return { name: id.name || doer.fullName || doer.login, email: doer.email };
    return id;
  };
  const a = toUser(identity(b.author, 'author'));
  const c = toUser(identity(b.committer, 'committer'));
  const doerId = { name: doer.fullName || doer.login, email: doer.email };
  const authorId = a ?? c ?? doerId;
  const committerId = c ?? authorId;
  return {
    author: signatureAt(authorId.name, authorId.email, authorDate),
    committer: signatureAt(committerId.name, committerId.email, committerDate),
  };
}

/** Gitea appends a `Signed-off-by` trailer for the committer when `signoff` is set. */
function withSignoff(message: string, b: Record<string, unknown>, committer: Signature): string {
  if (b.signoff !== true) return message;
  return `${message.replace(/\n+$/, '')}\n\nSigned-off-by: ${committer.name} <${committer.email}>`;
}

function defaultMessage(ops: FileOp[]): string {
  const by = (o: Operation) => ops.filter((x) => x.operation === o).map((x) => x.path);
  const parts: string[] = [];
  if (by('create').length) parts.push(`Add ${by('create').join(', ')}`);
  if (by('update').length) parts.push(`Update ${by('update').join(', ')}`);
  if (by('delete').length) parts.push(`Delete ${by('delete').join(', ')}`);
  return parts.join('\n');
}

async function applyOps(
  ctx: Ctx,
  core: SimCore,
  repo: RepoRecord,
  b: Record<string, unknown>,
  ops: FileOp[],
) {
  const doer = ctx.requireUser();
  const gitDir = core.git.pathOf(repo.owner, repo.name);
  const branch = str(b, 'branch') || repo.defaultBranch;
  const newBranch = str(b, 'new_branch');
  const { author, committer } = signatures(core, b, doer);
  const changes: FileChange[] = [];
  for (const op of ops) {
    if (op.fromPath && op.fromPath !== op.path) changes.push({ path: op.fromPath, content: null });
    changes.push({ path: op.path, content: op.operation === 'delete' ? null : op.content! });
  }
  const result = await commitChanges(
    core,
    repo,
    {
      branch,
      newBranch,
      changes,
      message: withSignoff(str(b, 'message') ?? defaultMessage(ops), b, committer),
      author,
      committer,
      doer,
    },
    async (head) => {
      for (const op of ops) {
        const source = op.operation === 'update' && op.fromPath ? op.fromPath : op.path;
        const entry = head ? await core.git.entryAt(gitDir, head, source) : null;
        if (op.operation === 'create') {
          if (entry) throw new ApiError(422, `repository file already exists [path: ${op.path}]`);
          continue;
        }
        if (!op.sha) throw new ApiError(422, `a SHA or commit ID must be proved [path: ${op.path}]`);
        if (entry?.type !== 'blob')
          throw new ApiError(404, `repository file does not exist [path: ${source}]`);
        if (entry.sha !== op.sha) {
          throw new ApiError(422, `sha does not match [given: ${op.sha}, expected: ${entry.sha}]`);
        }
      }
    },
  );
  const commit = (await core.git.readCommit(gitDir, result.sha))!;
  const ref = { name: result.branch, kind: 'branch' as const, sha: result.sha };
  const files = await Promise.all(
    ops.map(async (op) => {
      if (op.operation === 'delete') return null;
      const entry = await core.git.entryAt(gitDir, result.sha, op.path);
      return entry ? contentsEntry(core, repo, ref, op.path, entry, true) : null;
    }),
  );
  return { commit: fileCommit(core, repo, commit), files };
}

/** The archive formats of services/repository/archiver (the bundle format is not served). */
const ARCHIVE_FORMATS = [
  { ext: '.tar.gz', git: 'tar.gz' },
  { ext: '.zip', git: 'zip' },
] as const;

export function register(core: SimCore): void {
  const { router } = core;

  const getContents = async (ctx: Ctx) => {
    const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
    // An empty repository has no commit to read: Gitea's GetContentsOrList answers 404.
    if (repo.empty) throw new ApiError(404, `object does not exist [id: ${repo.defaultBranch}, rel_path: ]`);
    const ref = await resolveRef(core, repo, ctx.query.get('ref')?.trim());
    const gitDir = core.git.pathOf(repo.owner, repo.name);
    const path = (ctx.params.filepath ?? '')
      .split('/')
      .filter((s) => s !== '')
      .join('/');
    const entry = await core.git.entryAt(gitDir, ref.sha, path);
    if (!entry) throw new ApiError(404, `object does not exist [id: ${ref.sha}, rel_path: ${path}]`);
    if (entry.type !== 'tree')
      return { status: 200, body: await contentsEntry(core, repo, ref, path, entry, true) };
    const tree = (await core.git.readTree(gitDir, entry.sha)) ?? [];
    const list = [];
    for (const e of tree)
      list.push(await contentsEntry(core, repo, ref, path ? `${path}/${e.name}` : e.name, e, false));
    return { status: 200, body: list };
  };
  router.add('GET', '/repos/{owner}/{repo}/contents/{filepath}', getContents, { scope: 'repository' });
  router.add('GET', '/repos/{owner}/{repo}/contents', getContents, { scope: 'repository' });

  router.add(
    'POST',
    '/repos/{owner}/{repo}/contents/{filepath}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'write');
      const b = bodyObject(ctx.body);
      const path = cleanPath(ctx.params.filepath!);
      const r = await applyOps(ctx, core, repo, b, [
        { operation: 'create', path, content: base64Content(b.content) },
      ]);
      return { status: 201, body: { commit: r.commit, content: r.files[0], verification: UNSIGNED } };
    },
    { scope: 'repository' },
  );

  router.add(
    'PUT',
    '/repos/{owner}/{repo}/contents/{filepath}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'write');
      const b = bodyObject(ctx.body);
      const path = cleanPath(ctx.params.filepath!);
      const sha = str(b, 'sha');
      const fromPath = str(b, 'from_path');
      const r = await applyOps(ctx, core, repo, b, [
        {
          operation: 'update',
          path,
          content: base64Content(b.content),
          sha,
          fromPath: fromPath ? cleanPath(fromPath) : undefined,
        },
      ]);
      return { status: 200, body: { commit: r.commit, content: r.files[0], verification: UNSIGNED } };
    },
    { scope: 'repository' },
  );

  router.add(
    'DELETE',
    '/repos/{owner}/{repo}/contents/{filepath}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'write');
      const b = bodyObject(ctx.body);
      const path = cleanPath(ctx.params.filepath!);
      const r = await applyOps(ctx, core, repo, b, [{ operation: 'delete', path, sha: str(b, 'sha') }]);
      // Gitea answers 200 with `content: null` (FileDeleteResponse).
      return { status: 200, body: { commit: r.commit, content: null, verification: UNSIGNED } };
    },
    { scope: 'repository' },
  );

  router.add(
    'POST',
    '/repos/{owner}/{repo}/contents',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!, 'write');
      const b = bodyObject(ctx.body);
      if (!Array.isArray(b.files) || b.files.length === 0) throw new ApiError(422, '[files]: Required');
      const ops: FileOp[] = b.files.map((f: unknown, i: number) => {
        const o = bodyObject(f);
        const operation = str(o, 'operation', true) as Operation;
        if (!['create', 'update', 'delete'].includes(operation)) {
          throw new ApiError(
            422,
            `[files[${i}].operation]: must be create, update or delete, got "${operation}"`,
          );
        }
        const fromPath = str(o, 'from_path');
        return {
          operation,
          path: cleanPath(str(o, 'path', true)!),
          content: operation === 'delete' ? undefined : base64Content(o.content, `files[${i}].content`),
          sha: str(o, 'sha'),
          fromPath: fromPath ? cleanPath(fromPath) : undefined,
        };
      });
      const r = await applyOps(ctx, core, repo, b, ops);
      // Deleted files are `null` in `files`, as Gitea returns them.
      return { status: 201, body: { commit: r.commit, files: r.files, verification: UNSIGNED } };
    },
    { scope: 'repository' },
  );

  // routers/api/v1/repo/file.go GetArchive: `<ref>.<format>`; an unknown ref is 404
  // (RepoRefNotFoundError). Gitea answers an unknown format with 400 (ErrUnknownArchiveFormat),
  // which the spec does not list for this operation; the simulator keeps to the spec's 404. The tree is prefixed
  // with the repo's directory name, as modules/git/repo_archive.go CreateArchive does under the
  // default `[repository] PREFIX_ARCHIVE_FILES = true`.
  router.add(
    'GET',
    '/repos/{owner}/{repo}/archive/{archive}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const spec = ctx.params.archive!;
      const format = ARCHIVE_FORMATS.find((f) => spec.endsWith(f.ext) && spec.length > f.ext.length);
      if (!format) throw new ApiError(404, `unknown format: ${spec}`);
      const refName = spec.slice(0, -format.ext.length);
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      const sha = repo.empty ? null : await core.git.resolveCommit(gitDir, refName);
      if (!sha) throw new ApiError(404, `unrecognized reference: ${refName}`);
      const prefix = `${repo.name.toLowerCase()}/`;
      const bytes = await runGit(gitDir, ['archive', `--format=${format.git}`, `--prefix=${prefix}`, sha]);
      return {
        status: 200,
        body: bytes,
        headers: {
          'content-type': 'application/octet-stream',
          'content-disposition': `attachment; filename="${repo.name}-${spec}"`,
        },
      };
    },
    { scope: 'repository' },
  );

  router.add(
    'GET',
    '/repos/{owner}/{repo}/raw/{filepath}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      let path = ctx.params.filepath!;
      let refName = ctx.query.get('ref')?.trim() || null;
      if (!refName) {
        // Gitea also accepts the ref as leading path segments (`raw/{branch}/{path}`).
        const parts = path.split('/');
        const refs = await core.git.listRefs(gitDir);
        for (let i = parts.length - 1; i >= 1; i--) {
          const candidate = parts.slice(0, i).join('/');
          if (refs.has(`refs/heads/${candidate}`) || refs.has(`refs/tags/${candidate}`)) {
            const rest = parts.slice(i).join('/');
            const ref = await resolveRef(core, repo, candidate);
            if (await core.git.entryAt(gitDir, ref.sha, rest)) {
              refName = candidate;
              path = rest;
            }
            break;
          }
        }
      }
      if (repo.empty) throw new ApiError(404, 'repository is empty');
      const ref = await resolveRef(core, repo, refName);
      const entry = await core.git.entryAt(gitDir, ref.sha, path);
      if (entry?.type !== 'blob')
        throw new ApiError(404, `object does not exist [id: ${ref.sha}, rel_path: ${path}]`);
      const blob = (await core.git.readBlob(gitDir, entry.sha)) ?? Buffer.alloc(0);
      const binary = blob.subarray(0, 8000).includes(0);
      return {
        status: 200,
        body: blob,
        headers: { 'content-type': binary ? 'application/octet-stream' : 'text/plain; charset=utf-8' },
      };
    },
    { scope: 'repository' },
  );
}
