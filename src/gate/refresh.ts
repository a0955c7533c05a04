/**
 * The targeted cache refresh after a gate write. Events made with the job token trigger no
 * workflow, so the job that wrote feeds the cache's `refresh` the events its writes would have
 * sent: a push for the meta repo's default branch (entries) and for a new RFC repo, a
 * pull_request per PR, a create per branch. Issues and comments are not in the cache.
 */
import { refresh } from '../cache/refresh.ts';
import type { GiteaClient } from '../gitea/client.ts';
import { isStatus } from '../gitea/errors.ts';
import { splitRepo } from './context.ts';
import type { AfterWrite, Touched } from './types.ts';

/** One synthetic Actions event. */
export interface SyntheticEvent {
  name: 'push' | 'pull_request' | 'create';
  payload: Record<string, unknown>;
}

async function tip(client: GiteaClient, repo: string, branch: string): Promise<string | null> {
  try {
    const res = await client.request<{ commit: { id: string } }>(
      'GET',
      '/repos/{owner}/{repo}/branches/{branch}',
      {
        path: { ...splitRepo(repo), branch },
      },
    );
    return res.data.commit.id;
  } catch (e) {
    if (isStatus(e, 404)) return null;
    throw e;
  }
}

/** The events that tell the cache about `touched`, entries and repos first (a new RFC repo is known from its entry). */
export async function eventsFor(
  touched: readonly Touched[],
  opts: { client: GiteaClient; defaultBranch: string },
): Promise<SyntheticEvent[]> {
  const order: Record<Touched['kind'], number> = { entry: 0, repo: 1, branch: 2, pull: 3, issue: 4 };
  const events: SyntheticEvent[] = [];
  const pushed = new Set<string>();
  for (const t of [...touched].sort((a, b) => order[a.kind] - order[b.kind])) {
    const repository = { full_name: t.repo, default_branch: opts.defaultBranch };
    if (t.kind === 'entry' || t.kind === 'repo') {
      if (pushed.has(t.repo)) continue;
      pushed.add(t.repo);
      const after = await tip(opts.client, t.repo, opts.defaultBranch);
      if (after)
        events.push({
          name: 'push',
          payload: { ref: `refs/heads/${opts.defaultBranch}`, after, repository },
        });
    } else if (t.kind === 'branch') {
      events.push({ name: 'create', payload: { ref: t.branch, ref_type: 'branch', repository } });
    } else if (t.kind === 'pull') {
      events.push({
        name: 'pull_request',
        payload: { number: t.number, pull_request: { number: t.number }, repository },
      });
    }
  }
  return events;
}

/** An `afterWrite` hook that refreshes the artifact in `out` for what a command touched. */
export function cacheRefresher(opts: {
  client: GiteaClient;
  out: string;
  metaRepo: string;
  defaultBranch?: string;
  botLogin?: string;
}): AfterWrite {
  return async ({ touched }) => {
    const events = await eventsFor(touched, {
      client: opts.client,
      defaultBranch: opts.defaultBranch ?? 'main',
    });
    for (const event of events) {
      await refresh(
        {
          out: opts.out,
          metaRepo: opts.metaRepo,
          event,
          ...(opts.botLogin ? { botLogin: opts.botLogin } : {}),
        },
        { client: opts.client },
      );
    }
  };
}
