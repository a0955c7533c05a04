/** Git data: refs, trees, blobs, single commits and the commits list. */
import { apiCommit, escapePath, resolveRef } from '../refs.ts';
import { ApiError, type Ctx, type SimCore } from '../server.ts';
import { queryBool } from './util.ts';

/** Gitea's `setting.API.DefaultGitTreesPerPage`. */
const DEFAULT_GIT_TREES_PER_PAGE = 1000;
/** Gitea's `setting.Git.CommitsRangeSize`. */
const COMMITS_RANGE_SIZE = 50;

export function register(core: SimCore): void {
  const { router } = core;

  router.add(
    'GET',
    '/repos/{owner}/{repo}/git/trees/{sha}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      const sha = ctx.params.sha!;
      if (!sha) throw new ApiError(400, 'sha not provided');
      // Gitea's GetTreeBySHA accepts a tree, a commit or a ref name.
      let treeSha: string | null = null;
      if (/^[0-9a-f]{40}$/.test(sha) && (await core.git.readTree(gitDir, sha))) treeSha = sha;
      else {
        const commit = await core.git.resolveCommit(gitDir, sha);
        if (commit) treeSha = (await core.git.readCommit(gitDir, commit))?.tree ?? null;
      }
      if (!treeSha) throw new ApiError(400, `sha ${sha} not found`);
      const recursive = queryBool(ctx.query, 'recursive', false);
      const api = `${core.baseUrl}/api/v1/repos/${repo.owner}/${repo.name}`;
      const listed = recursive
        ? await core.git.walkTree(gitDir, treeSha)
        : ((await core.git.readTree(gitDir, treeSha)) ?? []).map((entry) => ({ path: entry.name, entry }));
      let page = Number.parseInt(ctx.query.get('page') ?? '', 10) || 1;
      if (page <= 0) page = 1;
      let perPage = Number.parseInt(ctx.query.get('per_page') ?? '', 10) || 0;
      if (perPage <= 0 || perPage > DEFAULT_GIT_TREES_PER_PAGE) perPage = DEFAULT_GIT_TREES_PER_PAGE;
      const start = perPage * (page - 1);
      const body: Record<string, unknown> = {
        page,
        sha: treeSha,
        total_count: listed.length,
        tree: [] as unknown[],
        truncated: false,
        url: `${api}/git/trees/${treeSha}`,
      };
      if (start >= listed.length) return { status: 200, body };
      const end = Math.min(start + perPage, listed.length);
      body.truncated = end < listed.length;
      const entries = [];
      for (const { path, entry } of listed.slice(start, end)) {
        let size = 0;
        if (entry.type === 'blob') size = (await core.git.readBlob(gitDir, entry.sha))?.length ?? 0;
        // Submodule entries carry an empty url, as GitHub's API does (Gitea's tree.go).
        const url =
          entry.type === 'tree'
            ? `${api}/git/trees/${entry.sha}`
            : entry.type === 'commit'
              ? ''
              : `${api}/git/blobs/${entry.sha}`;
        entries.push({ mode: entry.mode, path, sha: entry.sha, size, type: entry.type, url });
      }
      body.tree = entries;
      return { status: 200, body };
    },
    { scope: 'repository' },
  );

  /** Gitea's `getGitRefs`: every ref under `refs/<filter>`, 404 when none (routers/api/v1/repo/git_ref.go). */
  const refs = async (ctx: Ctx) => {
    const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
    const gitDir = core.git.pathOf(repo.owner, repo.name);
    const api = `${core.baseUrl}/api/v1/repos/${repo.owner}/${repo.name}`;
    const prefix = `refs/${ctx.params.ref ?? ''}`;
    const out = [];
    const all = [...(await core.git.listRefs(gitDir)).entries()].sort((a, b) =>
      a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
    );
    for (const [ref, sha] of all) {
      if (!ref.startsWith(prefix)) continue;
      const type = (await core.git.readRaw(gitDir, sha))?.type ?? 'commit';
      out.push({
        object: { sha, type, url: `${api}/git/${type}s/${sha}` },
        ref,
        url: `${api}/git/${escapePath(ref)}`,
      });
    }
    if (out.length === 0) throw new ApiError(404, "The target couldn't be found.");
    return { status: 200, body: out };
  };
  router.add('GET', '/repos/{owner}/{repo}/git/refs', refs, { scope: 'repository' });
  router.add('GET', '/repos/{owner}/{repo}/git/refs/{ref}', refs, { scope: 'repository' });

  router.add(
    'GET',
    '/repos/{owner}/{repo}/git/blobs/{sha}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      const sha = ctx.params.sha!.toLowerCase();
      const blob = /^[0-9a-f]{40}$/.test(sha) ? await core.git.readBlob(gitDir, sha) : null;
      if (!blob) throw new ApiError(404, `object does not exist [id: ${sha}, rel_path: ]`);
      return {
        status: 200,
        body: {
          content: blob.toString('base64'),
          encoding: 'base64',
          sha,
          size: blob.length,
          url: `${core.baseUrl}/api/v1/repos/${repo.owner}/${repo.name}/git/blobs/${sha}`,
        },
      };
    },
    { scope: 'repository' },
  );

  router.add(
    'GET',
    '/repos/{owner}/{repo}/git/commits/{sha}',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      const sha = ctx.params.sha!;
      if (!/^[A-Za-z0-9_./-]+$/.test(sha)) throw new ApiError(422, `no valid ref or sha: ${sha}`);
      const full = await core.git.resolveCommit(gitDir, sha);
      const c = full ? await core.git.readCommit(gitDir, full) : null;
      if (!c) throw new ApiError(404, `object does not exist [id: ${sha}, rel_path: ]`);
      const opts = {
        stat: queryBool(ctx.query, 'stat', true),
        files: queryBool(ctx.query, 'files', true),
        verification: queryBool(ctx.query, 'verification', true),
      };
      return { status: 200, body: await apiCommit(core, repo, c, opts) };
    },
    { scope: 'repository' },
  );

  router.add(
    'GET',
    '/repos/{owner}/{repo}/commits',
    async (ctx) => {
      const { repo } = ctx.requireRepo(ctx.params.owner!, ctx.params.repo!);
      if (repo.empty) throw new ApiError(409, 'Git Repository is empty.');
      const gitDir = core.git.pathOf(repo.owner, repo.name);
      const p = ctx.paging();
      const limit = Math.min(p.limit, COMMITS_RANGE_SIZE);
      const skip = (p.page - 1) * limit;
      const from = await resolveRef(core, repo, ctx.query.get('sha'));
      const path = ctx.query.get('path') || undefined;
      const not = ctx.query.get('not') || undefined;
      const notSha = not ? await core.git.resolveCommit(gitDir, not) : undefined;
      const total = notSha
        ? (await core.git.log(gitDir, { from: from.sha, path, not: notSha })).length
        : await core.git.count(gitDir, { from: from.sha, path });
      const shas = await core.git.log(gitDir, {
        from: from.sha,
        path,
        skip,
        limit,
        not: notSha ?? undefined,
      });
      const opts = {
        stat: queryBool(ctx.query, 'stat', true),
        files: queryBool(ctx.query, 'files', true),
        verification: queryBool(ctx.query, 'verification', true),
      };
      if (opts.stat) await core.git.prefetchNumstats(gitDir, shas);
      const items = [];
      for (const sha of shas) {
        const c = await core.git.readCommit(gitDir, sha);
        if (c) items.push(await apiCommit(core, repo, c, opts));
      }
      const pageCount = Math.ceil(total / limit);
      const reply = ctx.listReply(items, total, { page: p.page, limit, skip });
      // Gitea's GetAllCommits also sets these (routers/api/v1/repo/commits.go).
      reply.headers = {
        ...reply.headers,
        'x-hasmore': String(p.page < pageCount),
        'x-page': String(p.page),
        'x-pagecount': String(pageCount),
        'x-perpage': String(limit),
      };
      return reply;
    },
    { scope: 'repository' },
  );
}
