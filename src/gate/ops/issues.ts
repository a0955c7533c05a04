/** The operations of the seed gate: create_issue, add_comment, close_issue, assign_issue, merge_pr. */
import { classifyBranch, parseOnBehalfOf } from '../../entry/index.ts';
import { isStatus } from '../../gitea/errors.ts';
import { type Author, cellNeedsRoster, type MergeKind } from '../auth.ts';
import { type GiteaIssue, type OpContext, type OpOutcome, splitRepo } from '../context.ts';
import { defineOp } from '../registry-types.ts';
import { GateRefusedError } from '../types.ts';

const noRoles = (repo: string) => ({ repo, slug: null, owners: [], arbiters: [], author: null });

/** Who opened an issue or PR, and whom its On-behalf-of trailer names (trusted only when the bot opened it). */
export function authorOf(issue: GiteaIssue): Author {
  return { opener: issue.user?.login ?? null, onBehalfOf: parseOnBehalfOf(issue.body ?? '') };
}

export const createIssue = defineOp<{ title: string; body: string; labels?: string[]; assignees?: string[] }>(
  {
    name: 'create_issue',
    summary: 'open an issue (probe: our key marker in any issue of the repo, all states, all pages)',
    fields: {
      title: { type: 'string', required: true, description: 'issue title' },
      body: { type: 'text', required: true, description: 'issue body (Markdown)' },
      labels: { type: 'strings', required: false, description: 'label names; each must exist in the repo' },
      assignees: { type: 'logins', required: false, description: 'logins to assign' },
    },
    async plan(ctx, p) {
      const repo = ctx.command.repo;
      return {
        cell: 'create_issue',
        facts: noRoles(repo),
        run: async () => {
          let labelIds: number[] | undefined;
          if (p.labels?.length) {
            let labels: { id: number; name: string }[] = [];
            try {
              labels = await ctx.gitea.paginate('/repos/{owner}/{repo}/labels', { path: splitRepo(repo) });
            } catch (e) {
              // 404: a repo without the labels unit (or a server without the route) has no labels.
              if (!isStatus(e, 404)) throw e;
            }
            labelIds = p.labels.map((name) => {
              const l = labels.find((x) => x.name === name);
              if (!l)
                throw new GateRefusedError(
                  `"${repo}" has no label "${name}" (field "labels"); create it or drop it`,
                );
              return l.id;
            });
          }
          const found = (i: GiteaIssue): OpOutcome => {
            ctx.touch({ kind: 'issue', repo, number: i.number });
            return {
              url: i.html_url,
              number: i.number,
              message: `issue #${i.number} "${i.title}"`,
              executedAt: i.created_at,
            };
          };
          return ctx.withClaim(
            repo,
            async () => {
              const i = await ctx.findMarkedIssue(repo, 'issues');
              return i ? found(i) : null;
            },
            async () => {
              const res = await ctx.write<GiteaIssue>('POST', '/repos/{owner}/{repo}/issues', {
                path: splitRepo(repo),
                body: {
                  title: p.title,
                  body: ctx.personBody(p.body),
                  ...(labelIds ? { labels: labelIds } : {}),
                  ...(p.assignees?.length ? { assignees: p.assignees } : {}),
                },
              });
              return {
                ...found(res.data),
                message: `created issue #${res.data.number} "${res.data.title}"`,
                executedAt: null,
              };
            },
            { probeFirst: !ctx.writeFirst },
          );
        },
      };
    },
  },
);

export const addComment = defineOp<{ number: number; body: string }>({
  name: 'add_comment',
  summary: 'comment on an issue or PR (probe: our key marker in its comments, all pages)',
  fields: {
    number: { type: 'integer', required: true, description: 'issue or PR number' },
    body: { type: 'text', required: true, description: 'comment body (Markdown)' },
  },
  async plan(ctx, p) {
    const repo = ctx.command.repo;
    return {
      cell: 'add_comment',
      facts: noRoles(repo),
      run: async () => {
        ctx.touch({ kind: 'issue', repo, number: p.number });
        return ctx.withClaim(
          repo,
          async () => {
            const c = await ctx.findMarkedComment(repo, p.number);
            return c
              ? {
                  url: c.html_url,
                  number: p.number,
                  message: `comment on #${p.number}`,
                  executedAt: c.created_at,
                }
              : null;
          },
          async () => {
            try {
              const res = await ctx.write<{ html_url: string }>(
                'POST',
                '/repos/{owner}/{repo}/issues/{index}/comments',
                {
                  path: { ...splitRepo(repo), index: p.number },
                  body: { body: ctx.markedBody(p.body) },
                },
              );
              return { url: res.data.html_url, number: p.number, message: `commented on #${p.number}` };
            } catch (e) {
              if (isStatus(e, 404))
                throw new GateRefusedError(`"${repo}" has no issue or PR #${p.number}`, { cause: e });
              throw e;
            }
          },
          { probeFirst: !ctx.writeFirst },
        );
      },
    };
  },
});

export const closeIssue = defineOp<{ number: number }>({
  name: 'close_issue',
  summary: 'close an issue or PR (desired state: already closed writes nothing)',
  fields: { number: { type: 'integer', required: true, description: 'issue or PR number' } },
  async plan(ctx, p) {
    const repo = ctx.command.repo;
    const issue = await ctx.getIssue(repo, p.number);
    return {
      cell: 'close_issue',
      facts: { ...noRoles(repo), author: authorOf(issue) },
      run: async () => {
        const now = issue;
        ctx.touch({ kind: 'issue', repo, number: p.number });
        if (now.state === 'closed') {
          return { url: now.html_url, number: p.number, message: `#${p.number} is closed; nothing to write` };
        }
        await ctx.write('PATCH', '/repos/{owner}/{repo}/issues/{index}', {
          path: { ...splitRepo(repo), index: p.number },
          body: { state: 'closed' },
          idempotent: true,
        });
        return { url: now.html_url, number: p.number, message: `closed #${p.number}` };
      },
    };
  },
});

export const assignIssue = defineOp<{ number: number; assignees: string[] }>({
  name: 'assign_issue',
  summary: 'add assignees to an issue or PR (desired state: already assigned writes nothing)',
  fields: {
    number: { type: 'integer', required: true, description: 'issue or PR number' },
    assignees: { type: 'logins', required: true, description: 'logins that must be among the assignees' },
  },
  check: (p) => (p.assignees.length === 0 ? ['field "assignees" must name at least one login'] : []),
  async plan(ctx, p) {
    const repo = ctx.command.repo;
    const issue = await ctx.getIssue(repo, p.number);
    return {
      cell: 'assign_issue',
      facts: noRoles(repo),
      run: async () => {
        ctx.touch({ kind: 'issue', repo, number: p.number });
        const have = (issue.assignees ?? []).map((u) => u.login);
        const lower = new Set(have.map((l) => l.toLowerCase()));
        const missing = p.assignees.filter((l) => !lower.has(l.toLowerCase()));
        if (missing.length === 0) {
          return {
            url: issue.html_url,
            number: p.number,
            message: `#${p.number} already has ${p.assignees.join(', ')}; nothing to write`,
          };
        }
        await ctx.write('PATCH', '/repos/{owner}/{repo}/issues/{index}', {
          path: { ...splitRepo(repo), index: p.number },
          body: { assignees: [...have, ...missing] },
          idempotent: true,
        });
        return {
          url: issue.html_url,
          number: p.number,
          message: `assigned ${missing.join(', ')} to #${p.number}`,
        };
      },
    };
  },
});

const MERGE_STYLES = ['merge', 'squash', 'rebase', 'rebase-merge'] as const;

export const mergePr = defineOp<{
  number: number;
  slug?: string;
  pr_repo?: string;
  style?: (typeof MERGE_STYLES)[number];
}>({
  name: 'merge_pr',
  summary: 'merge a PR at the head it was reviewed at (probe: GET .../merge; "already merged" is success)',
  fields: {
    number: { type: 'integer', required: true, description: 'PR number' },
    pr_repo: {
      type: 'repo',
      required: false,
      description: "owner/name of an RFC's own repo holding the PR (default: the command's repo)",
    },
    slug: {
      type: 'slug',
      required: false,
      description: 'the RFC; required for a PR outside the meta repo (its branches do not name the RFC)',
    },
    style: {
      type: 'enum',
      required: false,
      values: MERGE_STYLES,
      description: 'merge style (default merge)',
    },
  },
  check: (p) => (p.pr_repo && !p.slug ? ['field "slug" is required with "pr_repo"'] : []),
  async plan(ctx, p) {
    const repo = p.pr_repo ?? ctx.command.repo;
    const pr = await ctx.getPull(repo, p.number);
    let kind: MergeKind;
    let slug: string | null;
    if (repo !== ctx.metaRepo) {
      kind = 'rfc';
      slug = p.slug ?? null;
      if (slug === null) {
        throw new GateRefusedError(
          `PR #${p.number} is in "${repo}", not the meta repo: give the RFC (field "slug")`,
        );
      }
    } else {
      const c = classifyBranch(pr.head?.ref ?? '');
      kind = c.kind;
      slug = c.slug;
    }
    let owners: string[] = [];
    let arbiters: string[] = [];
    const cell = `merge_pr:${kind}` as const;
    // The entry only matters for its roles, and for an RFC-repo PR to check that the repo is the RFC's.
    const needsEntry = kind === 'rfc' || cellNeedsRoster(ctx.config.matrix, cell);
    if (slug !== null && needsEntry) {
      const stored =
        (await ctx.readEntry(slug)) ??
        (kind === 'propose' ? await ctx.readEntry(slug, pr.head?.ref ?? null) : null);
      if (stored) {
        owners = stored.entry.owners;
        arbiters = stored.entry.arbiters;
        if (kind === 'rfc' && stored.entry.repo !== repo) {
          throw new GateRefusedError(
            `RFC "${slug}" has repo "${stored.entry.repo ?? 'none'}", not "${repo}" (field "pr_repo")`,
          );
        }
      } else if (kind === 'rfc') {
        throw new GateRefusedError(`"${ctx.metaRepo}" has no RFC "${slug}" (field "slug")`);
      }
    }
    return {
      cell,
      facts: { repo, slug, owners, arbiters, author: authorOf(pr) },
      run: () => mergeRun(ctx, { repo, pr, style: p.style ?? 'merge', slug }),
    };
  },
});

async function isMerged(ctx: OpContext, repo: string, number: number): Promise<boolean> {
  try {
    await ctx.gitea.request('GET', '/repos/{owner}/{repo}/pulls/{index}/merge', {
      path: { ...splitRepo(repo), index: number },
    });
    return true;
  } catch (e) {
    if (isStatus(e, 404)) return false;
    throw e;
  }
}

async function mergeRun(
  ctx: OpContext,
  opts: { repo: string; pr: GiteaIssue; style: string; slug: string | null },
): Promise<OpOutcome> {
  const { repo, pr, style } = opts;
  const number = pr.number;
  ctx.touch({ kind: 'pull', repo, number });
  // The merge moves the base branch: in the meta repo that changes entries, in an RFC repo its
  // RFC.md, and the cache learns either only from a push.
  ctx.touch(
    repo === ctx.metaRepo && opts.slug !== null
      ? { kind: 'entry', repo, slug: opts.slug }
      : { kind: 'repo', repo },
  );
  // `merged` of the PR read just before is the column GET .../merge answers from (Gitea's
  // `pull_request.has_merged`), so it is the same probe without another request.
  if (pr.merged) {
    return { url: pr.html_url, number, message: `PR #${number} is merged; nothing to write` };
  }
  if (pr.state === 'closed')
    throw new GateRefusedError(`PR #${number} in "${repo}" is closed; reopen it before merging`);
  const title = `Merge PR #${number}: ${pr.title}`;
  try {
    await ctx.write('POST', '/repos/{owner}/{repo}/pulls/{index}/merge', {
      path: { ...splitRepo(repo), index: number },
      body: {
        Do: style,
        head_commit_id: pr.head?.sha,
        MergeTitleField: title,
        MergeMessageField: ctx.commitMessage(title).slice(title.length).replace(/^\n+/, ''),
      },
    });
  } catch (e) {
    // Gitea answers 405 both to "already merged" and to "not allowed": only GET .../merge tells.
    if (isStatus(e, 405) && (await isMerged(ctx, repo, number))) {
      return { url: pr.html_url, number, message: `PR #${number} is merged; nothing to write` };
    }
    if (isStatus(e, 409)) {
      throw new GateRefusedError(
        `PR #${number} in "${repo}" moved past ${pr.head?.sha ?? '?'} while merging; review the new head and retry`,
        { cause: e },
      );
    }
    if (isStatus(e, 405)) {
      throw new GateRefusedError(
        `Gitea does not allow merging PR #${number} in "${repo}" now (405): check conflicts, required approvals and checks`,
        { cause: e },
      );
    }
    throw e;
  }
  return { url: pr.html_url, number, message: `merged PR #${number} at ${pr.head?.sha ?? '?'}` };
}
