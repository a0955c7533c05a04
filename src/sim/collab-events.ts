/**
 * Event payloads for pull requests, issues and comments, shaped like go-gitea/gitea
 * `modules/structs/hook.go` (PullRequestPayload, IssuePayload, IssueCommentPayload).
 */
import type { EventRecorder, RecordedEvent } from './events.ts';

/** Actions of the `pull_request` event that the simulator emits (HookIssueAction). */
export type PullRequestAction =
  | 'opened'
  | 'edited'
  | 'closed'
  | 'reopened'
  | 'synchronized'
  | 'assigned'
  | 'unassigned';

/** Actions of the `issues` event that the simulator emits. */
export type IssueAction = 'opened' | 'edited' | 'closed' | 'reopened' | 'assigned' | 'unassigned';

/** ChangesPayload: the previous value of an edited field. */
export interface Changes {
  title?: { from: string };
  body?: { from: string };
}

type Json = Record<string, unknown>;

/** Records a `pull_request` event (PullRequestPayload). A merge is `closed` with `merged: true`. */
export function recordPullRequestEvent(
  events: EventRecorder,
  input: { action: PullRequestAction; pull: Json; repository: Json; sender: Json; changes?: Changes },
): RecordedEvent {
  const payload: Json = {
    action: input.action,
    number: input.pull.number,
    pull_request: input.pull,
    requested_reviewer: null,
    repository: input.repository,
    sender: input.sender,
    commit_id: '',
    review: null,
  };
  // hook.go: `Changes *ChangesPayload json:"changes,omitempty"`.
  if (input.changes) payload.changes = input.changes;
  return events.record('pull_request', payload);
}

/** Records an `issues` event (IssuePayload). */
export function recordIssueEvent(
  events: EventRecorder,
  input: { action: IssueAction; issue: Json; repository: Json; sender: Json; changes?: Changes },
): RecordedEvent {
  const payload: Json = {
    action: input.action,
    number: input.issue.number,
    issue: input.issue,
    repository: input.repository,
    sender: input.sender,
    commit_id: '',
  };
  if (input.changes) payload.changes = input.changes;
  return events.record('issues', payload);
}

/** Records an `issue_comment` event (IssueCommentPayload); `is_pull` marks comments on pull requests. */
export function recordIssueCommentEvent(
  events: EventRecorder,
  input: { action: 'created'; issue: Json; comment: Json; repository: Json; sender: Json; isPull: boolean },
): RecordedEvent {
  return events.record('issue_comment', {
    action: input.action,
    issue: input.issue,
    comment: input.comment,
    repository: input.repository,
    sender: input.sender,
    is_pull: input.isPull,
  });
}
