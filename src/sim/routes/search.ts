/** `GET /repos/issues/search`: issues and pulls across every repository the caller can read. */
import { ApiError, type SimCore } from '../server.ts';
import { filterIssues, issueFilter, Tracker } from './issues.ts';

/** Gitea's `setting.UI.IssuePagingNum` default: the search's page size when `limit` is absent. */
const ISSUE_PAGING_NUM = 20;
/** `setting.API.MaxResponseItems`. */
const MAX_RESPONSE_ITEMS = 50;

/** Registers the cross-repository issue search. */
export function register(core: SimCore): void {
  const t = new Tracker(core);
  core.router.add(
    'GET',
    '/repos/issues/search',
    (ctx) => {
      const filter = issueFilter(ctx);
      const ownerName = ctx.query.get('owner') ?? '';
      // routers/api/v1/repo/issue.go SearchIssues: an unknown owner is 400 "Owner not found".
      if (ownerName !== '' && !core.store.userByLogin(ownerName) && !core.store.orgByName(ownerName)) {
        throw new ApiError(400, `Owner not found: user does not exist [name: ${ownerName}]`);
      }
      const repos = core.store.repos
        .values()
        .filter((r) => ownerName === '' || r.owner.toLowerCase() === ownerName.toLowerCase())
        .filter((r) => core.store.permission(r, ctx.user) !== 'none');
      const byId = new Map(repos.map((r) => [r.id, r]));
      const all = t
        .issues()
        .values()
        .filter((i) => byId.has(i.repoId));
      const list = filterIssues(all, filter);
      const page = Math.max(1, Number.parseInt(ctx.query.get('page') ?? '', 10) || 1);
      let limit = Number.parseInt(ctx.query.get('limit') ?? '', 10) || 0;
      if (limit <= 0) limit = ISSUE_PAGING_NUM;
      if (limit > MAX_RESPONSE_ITEMS) limit = MAX_RESPONSE_ITEMS;
      const skip = (page - 1) * limit;
      const body = list.slice(skip, skip + limit).map((i) => t.apiIssue(byId.get(i.repoId)!, i));
      return ctx.listReply(body, list.length, { page, limit, skip });
    },
    { scope: 'issue' },
  );
}
