import { describe, expect, it } from 'vitest';
import { ContractLedger } from './client.ts';
import { loadContractSpec } from './spec.ts';

const spec = loadContractSpec();
const json = 'application/json;charset=utf-8';
const pullRoute = { method: 'GET', template: '/repos/{owner}/{repo}/pulls/{index}' };

/** Every PullRequest property, with nulls where Gitea sends them for an open pull. */
function completePull(): Record<string, unknown> {
  const props = Object.keys(spec.doc.definitions.PullRequest?.properties as object);
  const out: Record<string, unknown> = Object.fromEntries(props.map((k) => [k, null]));
  const branch = { label: 'b', ref: 'b', repo: null, repo_id: 1, sha: 'a'.repeat(40) };
  return {
    ...out,
    additions: 1,
    allow_maintainer_edit: false,
    assignees: [],
    base: branch,
    body: '',
    changed_files: 1,
    comments: 0,
    created_at: '2026-01-01T00:00:00Z',
    deletions: 0,
    diff_url: 'u',
    draft: false,
    head: branch,
    html_url: 'u',
    id: 1,
    is_locked: false,
    labels: [],
    merge_base: '',
    mergeable: true,
    merged: false,
    number: 1,
    patch_url: 'u',
    pin_order: 0,
    requested_reviewers: [],
    requested_reviewers_teams: [],
    review_comments: 0,
    state: 'open',
    title: 't',
    updated_at: '2026-01-01T00:00:00Z',
    url: 'u',
    user: sampleUser(),
  };
}

/** A User with every property set to a value of its type. */
function sampleUser(): Record<string, unknown> {
  const props = spec.doc.definitions.User?.properties as Record<string, { type?: string; format?: string }>;
  return Object.fromEntries(
    Object.entries(props).map(([k, p]) => [
      k,
      p.type === 'integer'
        ? 0
        : p.type === 'boolean'
          ? false
          : p.format === 'date-time'
            ? '2026-01-01T00:00:00Z'
            : '',
    ]),
  );
}

describe('contract spec checks', () => {
  it.each([
    ['a complete pull', { ...pullRoute, status: 200, body: completePull() }, true],
    ['an invented field', { ...pullRoute, status: 200, body: { ...completePull(), invented: true } }, false],
    ['a missing field', { ...pullRoute, status: 200, body: { ...completePull(), title: undefined } }, false],
    [
      'null where Gitea never does',
      { ...pullRoute, status: 200, body: { ...completePull(), number: null } },
      false,
    ],
    ['a wrong type', { ...pullRoute, status: 200, body: { ...completePull(), number: '1' } }, false],
    [
      'a bad date-time',
      { ...pullRoute, status: 200, body: { ...completePull(), created_at: 'yesterday' } },
      false,
    ],
    [
      'an APIError body on 404',
      { ...pullRoute, status: 404, body: { message: 'x', url: 'u', errors: null } },
      true,
    ],
    [
      'an error body with extra fields',
      { ...pullRoute, status: 404, body: { message: 'x', url: 'u', code: 1 } },
      false,
    ],
    ['an undocumented status', { ...pullRoute, status: 409, body: { message: 'x', url: 'u' } }, false],
    [
      '401 on any operation',
      { ...pullRoute, status: 401, body: { message: 'token is required', url: 'u' } },
      true,
    ],
  ])('%s', (_, input, ok) => {
    const result = spec.check({ ...input, contentType: json, body: JSON.stringify(input.body) });
    expect(result.ok).toBe(ok);
  });

  it('requires empty bodies where the spec says empty, and text for the diff', () => {
    const merged = {
      method: 'GET',
      template: '/repos/{owner}/{repo}/pulls/{index}/merge',
      status: 204,
      contentType: null,
    };
    expect(spec.check({ ...merged, body: '' }).ok).toBe(true);
    expect(spec.check({ ...merged, body: '{}' }).ok).toBe(false);
    const diff = {
      method: 'GET',
      template: '/repos/{owner}/{repo}/pulls/{index}.{diffType}',
      status: 200,
      contentType: 'text/plain',
    };
    expect(spec.check({ ...diff, body: 'diff --git' })).toEqual({ ok: true, schemaName: 'string' });
  });

  it('refuses a JSON body without a JSON content type, and unknown operations', () => {
    expect(spec.check({ ...pullRoute, status: 200, contentType: 'text/plain', body: '{}' }).ok).toBe(false);
    expect(
      spec.check({ method: 'GET', template: '/nope', status: 200, contentType: json, body: '{}' }).ok,
    ).toBe(false);
  });

  it('fails loudly for a 2xx without a schema that is not listed', () => {
    // `GET /admin/runners/registration-token` documents 200 without a schema.
    expect(() =>
      spec.check({
        method: 'GET',
        template: '/admin/runners/registration-token',
        status: 200,
        contentType: json,
        body: '{}',
      }),
    ).toThrow(/no schema in the spec/);
  });

  it('prints the route table and finds unvalidated routes', () => {
    const ledger = new ContractLedger();
    ledger.record('GET /a', 200, 'X');
    ledger.recordOther('GIT x', 'clone');
    expect(ledger.missing(['GET /a', 'GET /b', 'GIT x'])).toEqual(['GET /b']);
    expect(ledger.table(['GET /b', 'GET /a'])).toBe(
      ['route   validated', '------  ---------', 'GET /a  200 X', 'GET /b  NOT VALIDATED', ''].join('\n'),
    );
  });
});
