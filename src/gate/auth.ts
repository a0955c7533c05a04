/**
 * Who may run what. A matrix maps each cell (an operation, or merge_pr by the kind of PR) to the
 * roles that allow it; holding any one role is enough. Roles come from the entry (owners,
 * arbiters), from the object (its author, the person behind a bot-opened PR) and from Gitea's
 * collaborator permission on the repo.
 */
import type { OpName } from './types.ts';

/** A role that allows a cell. */
export type Role = 'commenter' | 'writer' | 'admin' | 'owner' | 'arbiter' | 'author';

/** The kinds of PR merge_pr tells apart (branch names per PRODUCT.md; `rfc`: a PR in an RFC's own repo). */
export const MERGE_KINDS = ['propose', 'edit', 'metadata', 'claim', 'rfc', 'other'] as const;
export type MergeKind = (typeof MERGE_KINDS)[number];

/** One cell of the matrix. */
export type AuthCell = Exclude<OpName, 'merge_pr'> | `merge_pr:${MergeKind}`;

/** The authorization matrix: cell -> roles that allow it. */
export type AuthMatrix = Record<AuthCell, readonly Role[]>;

/** The default matrix (docs/gate.md lists it). */
export const DEFAULT_MATRIX: AuthMatrix = {
  create_issue: ['commenter'],
  add_comment: ['commenter'],
  close_issue: ['author', 'writer'],
  assign_issue: ['writer'],
  'merge_pr:propose': ['writer'],
  'merge_pr:edit': ['owner', 'arbiter'],
  'merge_pr:rfc': ['owner', 'arbiter'],
  'merge_pr:metadata': ['arbiter', 'admin'],
  'merge_pr:claim': ['arbiter', 'admin'],
  'merge_pr:other': ['writer'],
  propose_rfc: ['commenter'],
  start_edit_branch: ['commenter'],
  open_body_edit_pr: ['commenter'],
  open_metadata_pr: ['commenter'],
  open_claim_pr: ['commenter'],
  open_branch_pr: ['commenter'],
  withdraw_branch_pr: ['author', 'owner'],
  graduate_rfc: ['arbiter', 'admin'],
  withdraw_rfc: ['owner', 'arbiter'],
};

/** Every cell, in matrix order. */
export const AUTH_CELLS = Object.keys(DEFAULT_MATRIX) as AuthCell[];

/** Gitea's collaborator permission (`GET /repos/{owner}/{repo}/collaborators/{login}/permission`). */
export type Permission = 'none' | 'read' | 'write' | 'admin' | 'owner';

/**
 * Who is behind an issue or PR: the Gitea login that opened it, and the login its
 * `On-behalf-of: Name <login>` trailer names. The trailer counts only when the bot opened it.
 */
export interface Author {
  opener: string | null;
  onBehalfOf: string | null;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The person behind an issue or PR: the trailer's login when the bot (the login `botLogin` gives)
 * opened it, else its opener. Asks `botLogin` only when a trailer names someone other than the opener.
 */
export async function authorLogin(author: Author, botLogin: () => Promise<string>): Promise<string | null> {
  const { opener, onBehalfOf } = author;
  if (opener === null || onBehalfOf === null || same(opener, onBehalfOf)) return opener;
  return same(opener, await botLogin()) ? onBehalfOf : opener;
}

/** Whether `actor` is the person behind `author`; asks `botLogin` only when the answer turns on who the bot is. */
export async function isAuthor(
  author: Author | null,
  actor: string,
  botLogin: () => Promise<string>,
): Promise<boolean> {
  if (author?.opener == null) return false;
  // Someone who neither opened it nor is named by its trailer is not its author, whoever the bot is.
  if (!same(actor, author.opener) && !(author.onBehalfOf !== null && same(actor, author.onBehalfOf)))
    return false;
  const login = await authorLogin(author, botLogin);
  return login !== null && same(login, actor);
}

/** What is known about the actor for one cell; `permission` is fetched only when a role needs it. */
export interface AuthFacts {
  actor: string;
  /** owner/name the permission is about */
  repo: string;
  /** the RFC the command is about, when any */
  slug: string | null;
  owners: readonly string[];
  arbiters: readonly string[];
  /** who is behind the issue or PR the command acts on, when any */
  author: Author | null;
  /** access the command's source already proves on `repo` (e.g. a comment proves read); no lookup up to it */
  proven?: Permission | null;
  permission: () => Promise<Permission>;
  /** the login of the user the gate writes as: only its issues and PRs have their trailer trusted */
  botLogin: () => Promise<string>;
}

export type AuthDecision = { allowed: true; role: Role } | { allowed: false; message: string };

const RANK: Record<Permission, number> = { none: 0, read: 1, write: 2, admin: 3, owner: 3 };
const NEEDS: Partial<Record<Role, number>> = { commenter: 1, writer: 2, admin: 3 };

/** Whether `matrix` lets `cell` turn on the RFC's owners or arbiters, which are then read fresh from its entry. */
export function cellNeedsRoster(matrix: AuthMatrix, cell: AuthCell): boolean {
  return (matrix[cell] ?? []).some((r) => r === 'owner' || r === 'arbiter');
}

/** Decides one cell: the first role of the cell the actor holds, or a message naming the roles and who holds them. */
export async function authorize(cell: AuthCell, facts: AuthFacts, matrix: AuthMatrix): Promise<AuthDecision> {
  const roles = matrix[cell];
  if (!roles || roles.length === 0) {
    return { allowed: false, message: `nobody may run "${cell}": the authorization matrix gives it no role` };
  }
  const actor = facts.actor.toLowerCase();
  const holds = (list: readonly string[]) => list.some((l) => l.toLowerCase() === actor);
  for (const role of roles) {
    if (role === 'owner' && holds(facts.owners)) return { allowed: true, role };
    if (role === 'arbiter' && holds(facts.arbiters)) return { allowed: true, role };
    if (role === 'author' && (await isAuthor(facts.author, facts.actor, facts.botLogin)))
      return { allowed: true, role };
  }
  let permission: Permission | null = null;
  for (const role of roles) {
    const need = NEEDS[role];
    if (need === undefined) continue;
    if (facts.proven && RANK[facts.proven] >= need) return { allowed: true, role };
    permission ??= await facts.permission();
    if ((RANK[permission] ?? 0) >= need) return { allowed: true, role };
  }
  const author =
    roles.includes('author') && facts.author ? await authorLogin(facts.author, facts.botLogin) : null;
  const names = (list: readonly string[]) => (list.length ? list.map((l) => `"${l}"`).join(', ') : 'nobody');
  const what = roles.map((role): string => {
    switch (role) {
      case 'owner':
        return `an owner of "${facts.slug ?? '?'}" (held by ${names(facts.owners)})`;
      case 'arbiter':
        return `an arbiter of "${facts.slug ?? '?'}" (held by ${names(facts.arbiters)})`;
      case 'author':
        return `the author (${author !== null ? `"${author}"` : 'unknown'})`;
      case 'commenter':
        return `read access to "${facts.repo}" (to comment)`;
      case 'writer':
        return `write access to "${facts.repo}"`;
      default:
        return `admin access to "${facts.repo}"`;
    }
  });
  const has = permission === null ? '' : `; "${facts.actor}" has "${permission}" access to "${facts.repo}"`;
  return {
    allowed: false,
    message: `"${facts.actor}" may not run ${cell}: it needs ${what.join(' or ')}${has}`,
  };
}
