/** The RFC operations: propose, edit, metadata, claim, branch PRs, withdrawals and graduation. */
import {
  classifyBranch,
  dashedBranchName,
  type Entry,
  entryPath,
  parseEntry,
  serializeEntry,
  validateEntry,
} from '../../entry/index.ts';
import { isStatus } from '../../gitea/errors.ts';
import { cellNeedsRoster, isAuthor } from '../auth.ts';
import {
  type GiteaIssue,
  type OpContext,
  type OpOutcome,
  RetryableConflict,
  type ScannedEntry,
  type StoredEntry,
  splitRepo,
} from '../context.ts';
import { keySuffix } from '../key.ts';
import { defineOp } from '../registry-types.ts';
import { GateRefusedError } from '../types.ts';
import { authorOf } from './issues.ts';

/** ISO 8601 date-time to the second, as written into entries. */
export function isoSecond(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function roles(ctx: OpContext, stored: StoredEntry | null, slug: string, repo = ctx.metaRepo) {
  return {
    repo,
    slug,
    owners: stored?.entry.owners ?? [],
    arbiters: stored?.entry.arbiters ?? [],
    author: null,
  };
}

function checkEntry(entry: Entry, what: string): void {
  const problems = validateEntry(entry, { path: entryPath(entry.slug) });
  if (problems.length) {
    const why = problems.map((p) => `"${p.field ?? 'entry'}": ${p.message}`).join('; ');
    throw new GateRefusedError(`${what} would make an invalid entry: ${why}`);
  }
}

function requireState(stored: StoredEntry, states: Entry['state'][], op: string): void {
  if (!states.includes(stored.entry.state)) {
    throw new GateRefusedError(
      `${op} needs RFC "${stored.entry.slug}" in state ${states.map((s) => `"${s}"`).join(' or ')}; it is "${stored.entry.state}"`,
    );
  }
}

/**
 * Ensures `branch` holds our commit of `content` at `path`: a branch carrying our Gate-Key (or,
 * for key-derived names, any branch of that name) is adopted; otherwise the branch and the commit
 * are made in one request, so no run can leave the branch without the commit.
 */
async function commitOnOwnBranch(
  ctx: OpContext,
  opts: {
    branch: string;
    keyDerived: boolean;
    path: string;
    content: string;
    sha: string | null;
    subject: string;
    taken: string;
  },
): Promise<'created' | 'adopted'> {
  const repo = ctx.metaRepo;
  ctx.touch({ kind: 'branch', repo, branch: opts.branch });
  const adopt = async (): Promise<boolean> => {
    const head = await ctx.branchHead(repo, opts.branch);
    if (!head) return false;
    if (ctx.headIsOurs(head, repo)) return true;
    if (opts.keyDerived) {
      ctx.foundOwn = true;
      return true;
    }
    throw new GateRefusedError(opts.taken);
  };
  // Creating the branch is atomic (Gitea: 409/422 when it exists), so an unrecorded command commits
  // first and adopts only after a conflict.
  if (!ctx.writeFirst && (await adopt())) return 'adopted';
  try {
    await ctx.commitNewBranch(repo, opts.branch, ctx.commitMessage(opts.subject), [
      opts.sha
        ? { operation: 'update', path: opts.path, content: opts.content, sha: opts.sha }
        : { operation: 'create', path: opts.path, content: opts.content },
    ]);
  } catch (e) {
    if (!isStatus(e, 409, 422)) throw e;
    if (await adopt()) return 'adopted';
    if (opts.sha === null) {
      throw new GateRefusedError(`"${repo}" already has "${opts.path}" on "${ctx.config.defaultBranch}"`, {
        cause: e,
      });
    }
    throw new RetryableConflict(`"${repo}" file "${opts.path}" changed while branching "${opts.branch}"`, {
      cause: e,
    });
  }
  return 'created';
}

async function entryPr(
  ctx: OpContext,
  opts: {
    branch: string;
    keyDerived: boolean;
    entry: Entry;
    sha: string | null;
    subject: string;
    title: string;
    body: string;
    taken: string;
  },
): Promise<OpOutcome> {
  checkEntry(opts.entry, opts.subject);
  const made = await commitOnOwnBranch(ctx, {
    branch: opts.branch,
    keyDerived: opts.keyDerived,
    path: entryPath(opts.entry.slug),
    content: serializeEntry(opts.entry),
    sha: opts.sha,
    subject: opts.subject,
    taken: opts.taken,
  });
  return ctx.ensurePull(ctx.metaRepo, {
    head: opts.branch,
    base: ctx.config.defaultBranch,
    title: opts.title,
    body: opts.body,
    freshHead: made === 'created',
  });
}

export const proposeRfc = defineOp<{ slug: string; title: string; body: string; tags?: string[] }>({
  name: 'propose_rfc',
  summary:
    'branch propose/<slug> with the new entry, and its PR (probe: our Gate-Key on the branch, our marker on the PR)',
  fields: {
    slug: { type: 'slug', required: true, description: 'the RFC slug (file rfcs/<slug>.md)' },
    title: { type: 'string', required: true, description: 'RFC title' },
    body: { type: 'text', required: true, description: 'RFC text (Markdown)' },
    tags: { type: 'strings', required: false, description: 'tags' },
  },
  async plan(ctx, p) {
    return {
      cell: 'propose_rfc',
      facts: roles(ctx, null, p.slug),
      run: async () => {
        const entry: Entry = {
          slug: p.slug,
          title: p.title,
          state: 'super-draft',
          id: null,
          repo: null,
          proposed_by: ctx.actor,
          proposed_at: isoSecond(ctx.now),
          graduated_by: null,
          graduated_at: null,
          owners: [ctx.actor],
          arbiters: [],
          tags: p.tags ?? [],
          body: p.body,
          extra: {},
        };
        const branch = `propose/${p.slug}`;
        return entryPr(ctx, {
          branch,
          keyDerived: false,
          entry,
          sha: null,
          subject: `Propose RFC "${p.slug}": ${p.title}`,
          title: `Propose RFC: ${p.title}`,
          body: `Proposes RFC \`${p.slug}\`: ${p.title}.`,
          taken: `branch "${branch}" already exists and was not made by this command: "${p.slug}" is already proposed; pick another slug`,
        });
      },
    };
  },
});

export const startEditBranch = defineOp<{ slug: string; name?: string }>({
  name: 'start_edit_branch',
  summary:
    'create an edit branch for a super-draft (desired state: an existing branch of that name is adopted)',
  fields: {
    slug: { type: 'slug', required: true, description: 'the RFC' },
    name: {
      type: 'string',
      required: false,
      description: 'branch edit/<slug>/<name>; default edit-<slug>-<6 hex of the key>',
    },
  },
  check: (p) =>
    p.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(p.name)
      ? [`field "name" "${p.name}" must be 1-63 of A-Z a-z 0-9 . _ -`]
      : [],
  async plan(ctx, p) {
    const stored = await ctx.requireEntry(p.slug);
    return {
      cell: 'start_edit_branch',
      facts: roles(ctx, stored, p.slug),
      run: async () => {
        requireState(stored, ['super-draft'], 'start_edit_branch');
        const repo = ctx.metaRepo;
        const branch = p.name
          ? `edit/${p.slug}/${p.name}`
          : dashedBranchName('edit', p.slug, keySuffix(ctx.key));
        ctx.touch({ kind: 'branch', repo, branch });
        // Branch creation answers 409 for an existing branch: an unrecorded command skips the probe.
        const head = ctx.writeFirst ? null : await ctx.branchHead(repo, branch);
        const made = head ? 'exists' : await ctx.createBranch(repo, branch);
        // Gitea answers 409 also for a name that clashes with another branch's path (`edit/x` blocks
        // `edit/x/y`, a git ref rule), so a 409 is only "exists" once the branch is seen.
        if (made === 'exists' && !head && !(await ctx.branchHead(repo, branch))) {
          throw new GateRefusedError(
            `cannot create branch "${branch}" in "${repo}": its name clashes with an existing branch (field "name"); pick another name`,
          );
        }
        const url = ctx.webUrl(`${repo}/src/branch/${branch}`);
        return {
          url,
          number: null,
          message:
            made === 'created' ? `created branch "${branch}"` : `branch "${branch}" exists; nothing to write`,
        };
      },
    };
  },
});

export const openBodyEditPr = defineOp<{ slug: string; body: string; title?: string; branch?: string }>({
  name: 'open_body_edit_pr',
  summary:
    'commit a new entry body and open its PR (probe: our Gate-Key on the branch head, our marker on the PR)',
  fields: {
    slug: { type: 'slug', required: true, description: 'the RFC (a super-draft)' },
    body: { type: 'text', required: true, description: 'the new RFC text (Markdown)' },
    title: { type: 'string', required: false, description: 'PR title' },
    branch: {
      type: 'string',
      required: false,
      description:
        'an existing edit branch to commit on (from start_edit_branch); default edit-<slug>-<6 hex of the key>',
    },
  },
  async plan(ctx, p) {
    // Without `branch`, the first write is the new branch's commit guarded by this entry's sha.
    const stored = await ctx.requireEntry(p.slug, { guarded: !p.branch });
    return {
      cell: 'open_body_edit_pr',
      facts: roles(ctx, stored, p.slug),
      run: async () => {
        requireState(stored, ['super-draft'], 'open_body_edit_pr');
        const title = p.title ?? `Edit RFC "${p.slug}"`;
        const subject = `Edit the text of RFC "${p.slug}"`;
        if (!p.branch) {
          return entryPr(ctx, {
            branch: dashedBranchName('edit', p.slug, keySuffix(ctx.key)),
            keyDerived: true,
            entry: { ...stored.entry, body: p.body },
            sha: stored.sha,
            subject,
            title,
            body: `Edits the text of RFC \`${p.slug}\`.`,
            taken: '',
          });
        }
        return commitOnExistingBranch(ctx, { slug: p.slug, branch: p.branch, body: p.body, subject, title });
      },
    };
  },
});

async function readPullOrNull(ctx: OpContext, repo: string, number: number): Promise<GiteaIssue | null> {
  try {
    return await ctx.getPull(repo, number);
  } catch (e) {
    if (e instanceof GateRefusedError && isStatus(e.cause, 404)) return null;
    throw e;
  }
}

async function commitOnExistingBranch(
  ctx: OpContext,
  opts: { slug: string; branch: string; body: string; subject: string; title: string },
): Promise<OpOutcome> {
  const repo = ctx.metaRepo;
  ctx.touch({ kind: 'branch', repo, branch: opts.branch });
  const head = await ctx.branchHead(repo, opts.branch);
  if (!head)
    throw new GateRefusedError(
      `"${repo}" has no branch "${opts.branch}" (field "branch"); run start_edit_branch first`,
    );
  if (!ctx.headIsOurs(head, repo)) {
    const onBranch = await ctx.readEntry(opts.slug, opts.branch);
    if (!onBranch) throw new GateRefusedError(`branch "${opts.branch}" has no "${entryPath(opts.slug)}"`);
    const entry = { ...onBranch.entry, body: opts.body };
    checkEntry(entry, opts.subject);
    await ctx.putFile(repo, {
      branch: opts.branch,
      path: onBranch.path,
      content: serializeEntry(entry),
      sha: onBranch.sha,
      message: ctx.commitMessage(opts.subject),
    });
  }
  return ctx.ensurePull(repo, {
    head: opts.branch,
    base: ctx.config.defaultBranch,
    title: opts.title,
    body: `Edits the text of RFC \`${opts.slug}\`.`,
  });
}

const METADATA_FIELDS = ['title', 'owners', 'arbiters', 'tags'] as const;

export const openMetadataPr = defineOp<{ slug: string; changes: Record<string, unknown>; reason?: string }>({
  name: 'open_metadata_pr',
  summary: 'commit frontmatter changes (validated by the entry model first) and open their PR',
  fields: {
    slug: { type: 'slug', required: true, description: 'the RFC' },
    changes: {
      type: 'object',
      required: true,
      description: `new values of ${METADATA_FIELDS.join(', ')} (state, id, repo and dates change through their own operations)`,
    },
    reason: { type: 'text', required: false, description: 'why; goes into the PR body' },
  },
  check: (p) => {
    const bad = Object.keys(p.changes).filter((k) => !(METADATA_FIELDS as readonly string[]).includes(k));
    const out = bad.map(
      (k) => `field "changes" may not set "${k}"; it may set ${METADATA_FIELDS.join(', ')}`,
    );
    if (Object.keys(p.changes).length === 0) out.push('field "changes" is empty');
    return out;
  },
  async plan(ctx, p) {
    const stored = await ctx.requireEntry(p.slug, { guarded: true });
    const entry = { ...stored.entry, ...p.changes } as Entry;
    checkEntry(entry, `open_metadata_pr for "${p.slug}"`);
    return {
      cell: 'open_metadata_pr',
      facts: roles(ctx, stored, p.slug),
      run: () =>
        entryPr(ctx, {
          branch: dashedBranchName('metadata', p.slug, keySuffix(ctx.key)),
          keyDerived: true,
          entry,
          sha: stored.sha,
          subject: `Change the metadata of RFC "${p.slug}": ${Object.keys(p.changes).sort().join(', ')}`,
          title: `Metadata of RFC "${p.slug}": ${Object.keys(p.changes).sort().join(', ')}`,
          body: p.reason ?? `Changes ${Object.keys(p.changes).sort().join(', ')} of RFC \`${p.slug}\`.`,
          taken: '',
        }),
    };
  },
});

export const openClaimPr = defineOp<{ slug: string; reason?: string }>({
  name: 'open_claim_pr',
  summary: 'branch claim/<slug> adding the actor to owners, and its PR',
  fields: {
    slug: { type: 'slug', required: true, description: 'the RFC' },
    reason: { type: 'text', required: false, description: 'why; goes into the PR body' },
  },
  async plan(ctx, p) {
    const stored = await ctx.requireEntry(p.slug, { guarded: true });
    return {
      cell: 'open_claim_pr',
      facts: roles(ctx, stored, p.slug),
      run: async () => {
        if (stored.entry.owners.some((o) => o.toLowerCase() === ctx.actor.toLowerCase())) {
          throw new GateRefusedError(`"${ctx.actor}" already owns RFC "${p.slug}"; nothing to claim`);
        }
        const branch = `claim/${p.slug}`;
        return entryPr(ctx, {
          branch,
          keyDerived: false,
          entry: { ...stored.entry, owners: [...stored.entry.owners, ctx.actor] },
          sha: stored.sha,
          subject: `Claim RFC "${p.slug}" for ${ctx.actor}`,
          title: `Claim RFC "${p.slug}" for @${ctx.actor}`,
          body: p.reason ?? `@${ctx.actor} asks to become an owner of RFC \`${p.slug}\`.`,
          taken: `branch "${branch}" already holds another claim; it must be merged or closed and the branch deleted first`,
        });
      },
    };
  },
});

export const openBranchPr = defineOp<{
  slug: string;
  head: string;
  base?: string;
  title: string;
  body?: string;
}>({
  name: 'open_branch_pr',
  summary:
    "open a PR in an active RFC's own repo (probe: our marker on the PR of that head; 409 on a second open PR)",
  fields: {
    slug: { type: 'slug', required: true, description: 'the RFC (active)' },
    head: { type: 'string', required: true, description: 'branch in the RFC repo' },
    base: { type: 'string', required: false, description: 'target branch (default main)' },
    title: { type: 'string', required: true, description: 'PR title' },
    body: { type: 'text', required: false, description: 'PR body (Markdown)' },
  },
  async plan(ctx, p) {
    // The PR create carries no entry sha, so no read makes the "active" check atomic: a fresh
    // entry is only fresher. An active row of the cache artifact (refreshed by every push to the
    // meta repo and after every gate write) gives state and repo; anything else reads the entry,
    // so an RFC graduated since the artifact was written is never refused on its stale row.
    // A matrix that gives the cell to owners or arbiters needs them fresh.
    const byRole = cellNeedsRoster(ctx.config.matrix, 'open_branch_pr');
    const row = byRole ? undefined : (await ctx.cachedEntries()).get(entryPath(p.slug));
    const stored = row?.state === 'active' && row.repo ? null : await ctx.requireEntry(p.slug);
    if (stored) requireState(stored, ['active'], 'open_branch_pr');
    const repo = stored ? stored.entry.repo : (row?.repo ?? null);
    if (!repo) throw new GateRefusedError(`active RFC "${p.slug}" has no "repo" in its entry`);
    return {
      cell: 'open_branch_pr',
      // Without the entry, its owners and arbiters allow nothing: the permission on the repo decides.
      facts: roles(ctx, stored, p.slug, repo),
      run: async () => {
        try {
          return await ctx.ensurePull(repo, {
            head: p.head,
            base: p.base ?? ctx.config.defaultBranch,
            title: p.title,
            body: p.body ?? '',
          });
        } catch (e) {
          if (isStatus(e, 404, 422)) {
            throw new GateRefusedError(
              `cannot open a PR from "${p.head}" in "${repo}": check that the branch exists`,
              { cause: e },
            );
          }
          throw e;
        }
      },
    };
  },
});

export const withdrawBranchPr = defineOp<{ slug: string; number: number; where?: 'rfc' | 'meta' }>({
  name: 'withdraw_branch_pr',
  summary:
    'close a PR as withdrawn by its author or an owner (probe: our marker in its comments; closed writes no close)',
  fields: {
    slug: { type: 'slug', required: true, description: 'the RFC' },
    number: { type: 'integer', required: true, description: 'PR number' },
    where: {
      type: 'enum',
      required: false,
      values: ['rfc', 'meta'],
      description:
        "the PR's repo: the RFC's own repo or the meta repo (default: rfc when the RFC has a repo)",
    },
  },
  async plan(ctx, p) {
    const where = p.where ?? (ctx.command.repo === ctx.metaRepo ? 'meta' : 'rfc');
    let stored: StoredEntry | null = null;
    const entry = async () => {
      stored ??= await ctx.requireEntry(p.slug);
      return stored;
    };
    const entryRepo = async () => {
      const repo = where === 'rfc' ? (await entry()).entry.repo : ctx.metaRepo;
      if (!repo) throw new GateRefusedError(`RFC "${p.slug}" has no repo of its own (field "where")`);
      return repo;
    };
    // The PR's repo: the meta repo, the RFC repo the command names, or the RFC's repo as the cache
    // artifact has it. The last two are only hints: the PR read from there must show that its repo
    // is the RFC's, else the entry decides.
    let repo =
      where === 'meta'
        ? ctx.metaRepo
        : ctx.command.repo !== ctx.metaRepo
          ? ctx.command.repo
          : ((await ctx.cachedEntries()).get(entryPath(p.slug))?.repo ?? (await entryRepo()));
    let pr = await readPullOrNull(ctx, repo, p.number);
    const belongs = (x: GiteaIssue | null) =>
      x !== null &&
      (where === 'meta'
        ? classifyBranch(x.head?.ref ?? '').slug === p.slug
        : (x.base?.repo?.description ?? '').includes(graduationTag(ctx.metaRepo, p.slug)));
    const byAuthor =
      (ctx.config.matrix.withdraw_branch_pr ?? []).includes('author') &&
      pr !== null &&
      (await isAuthor(authorOf(pr), ctx.actor, () => ctx.botLogin()));
    // The entry is read unless the PR itself shows it is this RFC's and the actor may withdraw it
    // as its author: then the entry's owners could change nothing.
    if (!(byAuthor && belongs(pr))) {
      await entry();
      const named = await entryRepo();
      if (named !== repo) {
        if (ctx.command.repo !== ctx.metaRepo) {
          throw new GateRefusedError(
            `the command names "${ctx.command.repo}", but RFC "${p.slug}" lives in "${named}"`,
          );
        }
        repo = named;
        pr = await readPullOrNull(ctx, repo, p.number);
      }
    }
    if (pr === null) throw new GateRefusedError(`"${repo}" has no PR #${p.number}`);
    return {
      cell: 'withdraw_branch_pr',
      facts: { ...roles(ctx, stored, p.slug, repo), author: authorOf(pr) },
      run: async () => {
        ctx.touch({ kind: 'pull', repo, number: p.number });
        if (pr.merged)
          throw new GateRefusedError(`PR #${p.number} in "${repo}" is merged; it cannot be withdrawn`);
        // Close first, then comment. The probe before a claim only spares a replay the claim's
        // writes; a run that found the PR open has written already, so it probes under the claim
        // only (which also sees a racing run's comment).
        const wasOpen = pr.state === 'open';
        if (wasOpen) {
          await ctx.write('PATCH', '/repos/{owner}/{repo}/pulls/{index}', {
            path: { ...splitRepo(repo), index: p.number },
            body: { state: 'closed' },
            idempotent: true,
          });
        }
        const comment = await ctx.withClaim(
          repo,
          () => ctx.findMarkedComment(repo, p.number),
          async () =>
            (
              await ctx.write<{ html_url: string; created_at: string }>(
                'POST',
                '/repos/{owner}/{repo}/issues/{index}/comments',
                {
                  path: { ...splitRepo(repo), index: p.number },
                  body: { body: ctx.markedBody(`Withdrawn by @${ctx.actor}.`) },
                },
              )
            ).data,
          { probeFirst: !wasOpen },
        );
        return {
          url: pr.html_url,
          number: p.number,
          message: `withdrew PR #${p.number} in "${repo}"`,
          executedAt: comment.created_at,
        };
      },
    };
  },
});

export const withdrawRfc = defineOp<{ slug: string; reason?: string }>({
  name: 'withdraw_rfc',
  summary:
    'set the entry state to withdrawn (desired state: withdrawn writes nothing; the commit is sha-guarded)',
  fields: {
    slug: { type: 'slug', required: true, description: 'the RFC' },
    reason: { type: 'text', required: false, description: 'why; goes into the commit message' },
  },
  async plan(ctx, p) {
    // The entry is also the probe here: a stale checkout would make a replay try its write again.
    const stored = await ctx.requireEntry(p.slug);
    return {
      cell: 'withdraw_rfc',
      facts: roles(ctx, stored, p.slug),
      run: async () => {
        const repo = ctx.metaRepo;
        ctx.touch({ kind: 'entry', repo, slug: p.slug });
        const url = ctx.webUrl(`${repo}/src/branch/${ctx.config.defaultBranch}/${stored.path}`);
        if (stored.entry.state === 'withdrawn')
          return { url, number: stored.entry.id, message: `RFC "${p.slug}" is withdrawn; nothing to write` };
        await ctx.putFile(repo, {
          branch: ctx.config.defaultBranch,
          path: stored.path,
          content: serializeEntry({ ...stored.entry, state: 'withdrawn' }),
          sha: stored.sha,
          message: ctx.commitMessage(`Withdraw RFC "${p.slug}"`, p.reason ?? ''),
        });
        return { url, number: stored.entry.id, message: `withdrew RFC "${p.slug}"` };
      },
    };
  },
});

interface GiteaRepo {
  full_name: string;
  html_url: string;
  description: string;
  empty?: boolean;
}

/** The tag in an RFC repo's description that ties it to its entry; a retry adopts a repo carrying it. */
export function graduationTag(metaRepo: string, slug: string): string {
  return `[rfc-actions ${metaRepo} ${entryPath(slug)}]`;
}

export const graduateRfc = defineOp<{ slug: string }>({
  name: 'graduate_rfc',
  summary:
    'create the RFC repo with the bot token, push RFC.md, then set state active, id, repo, graduated_by/at (resumable: adopts the repo of a failed attempt)',
  fields: { slug: { type: 'slug', required: true, description: 'the RFC (a super-draft)' } },
  needsBot: true,
  async plan(ctx, p) {
    // The first write (the repo) is not guarded by the entry's sha, so a checkout is only trusted
    // for blobs the listing shows are still current: the used-ids scan and the entry cost one request.
    if (ctx.entries && !ctx.state.apiEntries) {
      const scan = scanOf(ctx, await ctx.scanEntries({ path: entryPath(p.slug), known: null }), p.slug);
      if (!scan.ours) throw noEntry(ctx, p.slug);
      const stored = scan.ours;
      return {
        cell: 'graduate_rfc',
        facts: roles(ctx, stored, p.slug),
        run: () => graduate(ctx, stored, scan),
      };
    }
    const stored = await ctx.requireEntry(p.slug);
    return {
      cell: 'graduate_rfc',
      facts: roles(ctx, stored, p.slug),
      run: () => graduate(ctx, stored, null),
    };
  },
});

function noEntry(ctx: OpContext, slug: string): GateRefusedError {
  return new GateRefusedError(
    `"${ctx.metaRepo}" has no RFC "${slug}" (no "${entryPath(slug)}" on the default branch)`,
  );
}

interface IdScan {
  ids: Set<number>;
  ours: StoredEntry | null;
}

/** The ids the entries hold, and the entry of `slug` among them. */
function scanOf(ctx: OpContext, files: ScannedEntry[] | null, slug: string): IdScan {
  const ids = new Set<number>();
  let ours: StoredEntry | null = null;
  for (const file of files ?? []) {
    if (file.text === null) {
      if (file.cachedId !== null) ids.add(file.cachedId);
      continue;
    }
    if (file.path === entryPath(slug)) ours = ctx.storedOf(file);
    const parsed = parseEntry(file.text, { path: file.path });
    // An entry that does not parse may still hold an id; reading it from the raw text keeps the
    // id from being handed out twice.
    const id = parsed.ok ? parsed.entry.id : Number(/^id:\s*(\d+)\s*$/m.exec(file.text)?.[1] ?? Number.NaN);
    if (id !== null && Number.isSafeInteger(id)) ids.add(id);
  }
  return { ids, ours };
}

/**
 * The ids every entry holds, from one listing (each other entry's id from the cache artifact when
 * it has that blob), and the entry of `slug` as it is now: the planned read when the listing shows
 * the same blob, else read again (a racing run may have graduated it since the plan).
 */
async function usedIds(ctx: OpContext, planned: StoredEntry): Promise<IdScan> {
  const files = await ctx.scanEntries({
    path: planned.path,
    known: { sha: planned.sha, text: planned.text },
  });
  return scanOf(ctx, files, planned.entry.slug);
}

async function graduate(ctx: OpContext, planned: StoredEntry, scanned: IdScan | null): Promise<OpOutcome> {
  const bot = ctx.botGitea;
  if (!bot)
    throw new GateRefusedError(
      'graduate_rfc needs a bot token ("--bot-token" / the "bot-token" input): the job token cannot create repos',
    );
  const meta = ctx.metaRepo;
  ctx.touch({ kind: 'entry', repo: meta, slug: planned.entry.slug });
  const { ids, ours } =
    planned.entry.state === 'super-draft'
      ? (scanned ?? (await usedIds(ctx, planned)))
      : { ids: new Set<number>(), ours: null };
  const stored = ours ?? planned;
  const { entry } = stored;
  if (entry.state === 'active' && entry.repo) {
    return {
      url: ctx.webUrl(entry.repo),
      number: entry.id,
      message: `RFC "${entry.slug}" is active in "${entry.repo}"; nothing to write`,
    };
  }
  requireState(stored, ['super-draft'], 'graduate_rfc');
  const owner = ctx.config.rfcRepoOwner ?? ctx.meta.owner;
  const tag = graduationTag(meta, entry.slug);
  let id = 0;
  let repo: GiteaRepo | null = null;
  // A repo made by this very request has only the auto-init README: no RFC.md to look for.
  let created = false;
  // No read before the create while nothing this call sent is in doubt: a first run's create
  // succeeds, and a name already taken answers 409 (Gitea: IsErrRepoAlreadyExist in
  // CreateUserRepo, routers/api/v1/repo/repo.go), after which the repo is read and adopted when it
  // carries our tag. After a write whose response was lost the repo is read first, since the
  // create's answer may be lost again. A replay of a finished graduation never gets here: it finds
  // the entry active.
  for (let candidate = 1; repo === null; candidate++) {
    if (candidate > ids.size + 10_000) throw new GateRefusedError(`no free RFC repo name under "${owner}"`);
    if (ids.has(candidate)) continue;
    const name = ctx.config.rfcRepoName(candidate);
    let existing = ctx.state.uncertain ? await getRepo(bot, owner, name) : null;
    let made = false;
    if (existing === null) {
      const wrote = ctx.state.wrote;
      ctx.state.wrote = false;
      try {
        existing = await createRepo(ctx, bot, owner, name, `${entry.title} ${tag}`);
      } finally {
        made = ctx.state.wrote;
        ctx.state.wrote ||= wrote;
      }
    }
    if ((existing.description ?? '').includes(tag)) {
      repo = existing;
      id = candidate;
      created = made;
    }
  }
  ctx.touch({ kind: 'repo', repo: repo.full_name });
  const rfcMd = created ? null : await ctx.readFile(repo.full_name, 'RFC.md', null, bot);
  if (!rfcMd) {
    await ctx.putFile(
      repo.full_name,
      {
        branch: ctx.config.defaultBranch,
        path: 'RFC.md',
        content: entry.body,
        sha: null,
        message: ctx.commitMessage(`Add RFC.md of "${entry.slug}"`),
      },
      bot,
    );
  }
  const graduated: Entry = {
    ...entry,
    state: 'active',
    id,
    repo: repo.full_name,
    graduated_by: ctx.actor,
    graduated_at: isoSecond(ctx.now),
  };
  checkEntry(graduated, `graduate_rfc for "${entry.slug}"`);
  await ctx.putFile(meta, {
    branch: ctx.config.defaultBranch,
    path: stored.path,
    content: serializeEntry(graduated),
    sha: stored.sha,
    message: ctx.commitMessage(`Graduate RFC "${entry.slug}" as #${id} in ${repo.full_name}`),
  });
  return {
    url: repo.html_url,
    number: id,
    message: `graduated RFC "${entry.slug}" as #${id} into "${repo.full_name}"`,
  };
}

async function getRepo(bot: OpContext['gitea'], owner: string, name: string): Promise<GiteaRepo | null> {
  try {
    return (await bot.request<GiteaRepo>('GET', '/repos/{owner}/{repo}', { path: { owner, repo: name } }))
      .data;
  } catch (e) {
    if (isStatus(e, 404)) return null;
    throw e;
  }
}

/** Creates the repo; on 409 (the name was taken meanwhile) answers the repo that holds the name. */
async function createRepo(
  ctx: OpContext,
  bot: OpContext['gitea'],
  owner: string,
  name: string,
  description: string,
): Promise<GiteaRepo> {
  const body = {
    name,
    description,
    auto_init: true,
    default_branch: ctx.config.defaultBranch,
    private: false,
  };
  try {
    try {
      return (await ctx.write<GiteaRepo>('POST', '/orgs/{org}/repos', { path: { org: owner }, body }, bot))
        .data;
    } catch (e) {
      // Not an org: the bot creates the repo under its own account.
      if (!isStatus(e, 404)) throw e;
      return (await ctx.write<GiteaRepo>('POST', '/user/repos', { body }, bot)).data;
    }
  } catch (e) {
    if (!isStatus(e, 409)) throw e;
    const taken = await getRepo(bot, owner, name);
    if (taken === null)
      throw new RetryableConflict(`repo "${owner}/${name}" was taken and removed meanwhile`, { cause: e });
    return taken;
  }
}
