/**
 * Gitea API objects built from store records and git objects, by the swagger definitions
 * (User, Organization, Repository, PayloadCommit, Commit, ...) and `modules/structs/hook.go`.
 */
import { createHash } from 'node:crypto';
import { isoSeconds } from './clock.ts';
import { type CommitObject, type FileDiff, type Signature, signatureIso } from './git.ts';
import type { OrgRecord, Permission, RepoRecord, Store, UserRecord } from './store.ts';

/** Go's zero time, which Gitea prints for never-set timestamps such as `last_login`. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function avatar(base: string, email: string): string {
  return `${base}/avatars/${createHash('md5').update(email.toLowerCase()).digest('hex')}`;
}

/** The User definition. */
export function apiUser(base: string, u: UserRecord): Record<string, unknown> {
  return {
    active: true,
    avatar_url: avatar(base, u.email),
    created: u.createdAt,
    description: '',
    email: u.email,
    followers_count: 0,
    following_count: 0,
    full_name: u.fullName,
    html_url: `${base}/${u.login}`,
    id: u.id,
    is_admin: u.isAdmin,
    language: '',
    last_login: ZERO_TIME,
    location: '',
    login: u.login,
    login_name: '',
    prohibit_login: false,
    restricted: false,
    source_id: 0,
    starred_repos_count: 0,
    visibility: 'public',
    website: '',
  };
}

/** An organisation rendered as a User (the owner of an org repo), as Gitea does. */
export function apiOrgAsUser(base: string, o: OrgRecord): Record<string, unknown> {
  return {
    active: false,
    avatar_url: avatar(base, o.email || o.name),
    created: o.createdAt,
    description: o.description,
    email: o.email,
    followers_count: 0,
    following_count: 0,
    full_name: o.fullName,
    html_url: `${base}/${o.name}`,
    id: o.id,
    is_admin: false,
    language: '',
    last_login: ZERO_TIME,
    location: o.location,
    login: o.name,
    login_name: '',
    prohibit_login: false,
    restricted: false,
    source_id: 0,
    starred_repos_count: 0,
    visibility: o.visibility,
    website: o.website,
  };
}

/** The Organization definition. */
export function apiOrg(base: string, o: OrgRecord): Record<string, unknown> {
  return {
    avatar_url: avatar(base, o.email || o.name),
    description: o.description,
    email: o.email,
    full_name: o.fullName,
    id: o.id,
    location: o.location,
    name: o.name,
    repo_admin_change_team_access: false,
    username: o.name,
    visibility: o.visibility,
    website: o.website,
  };
}

/** The owner of a repo as a User object: a user or an organisation. */
export function apiOwner(base: string, store: Store, owner: string): Record<string, unknown> {
  const org = store.orgByName(owner);
  if (org) return apiOrgAsUser(base, org);
  const u = store.userByLogin(owner);
  if (u) return apiUser(base, u);
  return apiUser(base, {
    id: 0,
    login: owner,
    fullName: '',
    email: '',
    password: '',
    isAdmin: false,
    createdAt: ZERO_TIME,
  });
}

/** The Repository definition, with the caller's permissions. */
export function apiRepo(
  base: string,
  store: Store,
  r: RepoRecord,
  permission: Permission,
): Record<string, unknown> {
  const full = `${r.owner}/${r.name}`;
  return {
    allow_fast_forward_only_merge: true,
    allow_merge_commits: true,
    allow_rebase: true,
    allow_rebase_explicit: true,
    allow_rebase_update: true,
    allow_squash_merge: true,
    archived: false,
    archived_at: '1970-01-01T00:00:00Z',
    avatar_url: '',
    clone_url: `${base}/${full}.git`,
    created_at: r.createdAt,
    default_allow_maintainer_edit: false,
    default_branch: r.defaultBranch,
    default_delete_branch_after_merge: false,
    default_merge_style: 'merge',
    description: r.description,
    empty: r.empty,
    fork: false,
    forks_count: 0,
    full_name: full,
    has_actions: true,
    has_issues: true,
    has_packages: true,
    has_projects: true,
    has_pull_requests: true,
    has_releases: true,
    has_wiki: true,
    html_url: `${base}/${full}`,
    id: r.id,
    ignore_whitespace_conflicts: false,
    internal: false,
    internal_tracker: {
      allow_only_contributors_to_track_time: true,
      enable_issue_dependencies: true,
      enable_time_tracker: true,
    },
    language: '',
    languages_url: `${base}/api/v1/repos/${full}/languages`,
    licenses: [],
    link: '',
    mirror: false,
    mirror_interval: '',
    mirror_updated: '0001-01-01T00:00:00Z',
    name: r.name,
    object_format_name: 'sha1',
    open_issues_count: r.openIssues ?? 0,
    open_pr_counter: r.openPulls ?? 0,
    original_url: '',
    owner: apiOwner(base, store, r.owner),
    permissions: {
      admin: permission === 'admin',
      pull: permission !== 'none',
      push: permission === 'admin' || permission === 'write',
    },
    private: r.private,
    projects_mode: 'all',
    release_counter: 0,
    size: 0,
    ssh_url: `git@${base.replace(/^https?:\/\//, '').replace(/:\d+$/, '')}:${full}.git`,
    stars_count: 0,
    template: false,
    topics: [],
    updated_at: r.updatedAt,
    url: `${base}/api/v1/repos/${full}`,
    watchers_count: 0,
    website: '',
  };
}

/** CommitUser: name, email and the signature's date. */
export function apiCommitUser(s: Signature): Record<string, unknown> {
  return { date: signatureIso(s), email: s.email, name: s.name };
}

/** PayloadUser of hook payloads: name, email and the Gitea login owning the email, if any. */
export function payloadUser(store: Store, s: Signature): Record<string, unknown> {
  const u = store.users.values().find((x) => x.email.toLowerCase() === s.email.toLowerCase());
  return { email: s.email, name: s.name, username: u?.login ?? '' };
}

/** PayloadCommit (pushes, branch heads). */
export function payloadCommit(
  base: string,
  store: Store,
  repo: RepoRecord,
  c: CommitObject,
  diff: FileDiff[] | null,
): Record<string, unknown> {
  const pick = (s: FileDiff['status']) =>
    diff ? diff.filter((d) => d.status === s).map((d) => d.path) : null;
  return {
    added: pick('added'),
    author: payloadUser(store, c.author),
    committer: payloadUser(store, c.committer),
    id: c.sha,
    message: c.message,
    modified: pick('modified'),
    removed: pick('removed'),
    timestamp: signatureIso(c.author),
    url: `${base}/${repo.owner}/${repo.name}/commit/${c.sha}`,
    verification: null,
  };
}

/** A user looked up by commit email, rendered as User, or null (Gitea's commit author/committer). */
export function userByEmail(base: string, store: Store, email: string): Record<string, unknown> | null {
  const u = store.users.values().find((x) => x.email.toLowerCase() === email.toLowerCase());
  return u ? apiUser(base, u) : null;
}

/** Now, as Gitea renders stored times. */
export function nowIso(clock: { now(): Date }): string {
  return isoSeconds(clock.now());
}
