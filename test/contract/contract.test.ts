/**
 * The contract flow: every route the simulator serves is called with real requests (success and
 * the error statuses the spec documents), every response is validated against Gitea 1.23.8's
 * swagger, and the last test fails when a served route was never validated. One file, one
 * process, so the coverage is computed over the whole flow.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractLedger } from './client.ts';
import { contractSpec, type Fixture, repoCall, startFixture } from './fixture.ts';

const run = promisify(execFile);
const ledger = new ContractLedger();
let f: Fixture;

/** Endpoints served outside the API router: git smart HTTP and the simulator's admin API. */
const OTHER_ENDPOINTS = [
  'GIT /{owner}/{repo}.git (smart HTTP)',
  'GET /_sim/faults',
  'POST /_sim/faults',
  'DELETE /_sim/faults',
  'DELETE /_sim/faults/{id}',
  'GET /_sim/events',
  'DELETE /_sim/events',
  'GET /_sim/requests',
];

beforeAll(async () => {
  f = await startFixture({ ledger, repo: 'meta' });
});

afterAll(async () => {
  await f?.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('misc, users, orgs', () => {
  it('version, user, users, admin users, tokens, orgs', async () => {
    await f.admin.call({ method: 'GET', template: '/version', expect: 200 });
    await f.alice.call({ method: 'GET', template: '/user', expect: 200 });
    await f.alice.call({ method: 'GET', template: '/user', token: null, expect: 401 });
    await f.bob.call({
      method: 'GET',
      template: '/users/{username}',
      path: { username: 'alice' },
      expect: 200,
    });
    await f.bob.call({
      method: 'GET',
      template: '/users/{username}',
      path: { username: 'acme' },
      expect: 200,
    });
    await f.bob.call({
      method: 'GET',
      template: '/users/{username}',
      path: { username: 'nobody' },
      expect: 404,
    });

    const user = {
      username: 'carol',
      email: 'carol@example.org',
      password: 'pw-carol-123',
      must_change_password: false,
    };
    await f.admin.call({ method: 'POST', template: '/admin/users', body: user, expect: 201 });
    await f.admin.call({ method: 'POST', template: '/admin/users', body: user, expect: 422 });
    await f.bob.call({
      method: 'POST',
      template: '/admin/users',
      body: { username: 'dave', email: 'd@example.org' },
      expect: 403,
    });

    const basic = { user: 'carol', password: 'pw-carol-123' };
    const token = await f.admin.call<{ sha1: string; name: string }>({
      method: 'POST',
      template: '/users/{username}/tokens',
      path: { username: 'carol' },
      body: { name: 'ci', scopes: ['write:repository', 'write:issue'] },
      basic,
      expect: 201,
    });
    expect(token.data.sha1).toMatch(/^[0-9a-f]{40}$/);
    await f.admin.call({
      method: 'POST',
      template: '/users/{username}/tokens',
      path: { username: 'carol' },
      body: { name: 'ci', scopes: ['write:repository'] },
      basic,
      expect: 400,
    });
    await f.admin.call({
      method: 'POST',
      template: '/users/{username}/tokens',
      path: { username: 'alice' },
      body: { name: 'steal', scopes: ['all'] },
      basic,
      expect: 403,
    });
    // Gitea's /users/{username}/tokens group sits behind reqBasicOrRevProxyAuth.
    await f.admin.call({
      method: 'GET',
      template: '/users/{username}/tokens',
      path: { username: 'carol' },
      basic,
      expect: 200,
    });
    await f.admin.call({
      method: 'GET',
      template: '/users/{username}/tokens',
      path: { username: 'alice' },
      basic,
      expect: 403,
    });

    await f.admin.call({ method: 'GET', template: '/orgs/{org}', path: { org: 'acme' }, expect: 200 });
    await f.admin.call({ method: 'GET', template: '/orgs/{org}', path: { org: 'nope' }, expect: 404 });
    await f.admin.call({ method: 'POST', template: '/orgs', body: { username: 'acme' }, expect: 422 });
    await f.bob.call({
      method: 'POST',
      template: '/orgs',
      body: { username: 'bobs-org' },
      expect: [201, 403],
    });
  });
});

describe('repositories', () => {
  it('get, create in org and for the user, list an org', async () => {
    await f.admin.call(repoCall(f, { method: 'GET', template: '/repos/{owner}/{repo}', expect: 200 }));
    await f.admin.call({
      method: 'GET',
      template: '/repos/{owner}/{repo}',
      path: { owner: 'acme', repo: 'nope' },
      expect: 404,
    });
    await f.admin.call({
      method: 'POST',
      template: '/orgs/{org}/repos',
      path: { org: 'acme' },
      body: { name: 'second', auto_init: true },
      expect: 201,
    });
    const edited = await f.admin.call<{ description: string }>({
      method: 'PATCH',
      template: '/repos/{owner}/{repo}',
      path: { owner: 'acme', repo: 'second' },
      body: { description: 'edited' },
      expect: 200,
    });
    expect(edited.data.description).toBe('edited');
    await f.bob.call({
      method: 'PATCH',
      template: '/repos/{owner}/{repo}',
      path: { owner: 'acme', repo: 'second' },
      body: { description: 'x' },
      expect: 403,
    });
    await f.admin.call({
      method: 'PATCH',
      template: '/repos/{owner}/{repo}',
      path: { owner: 'acme', repo: 'nope' },
      body: { description: 'x' },
      expect: 404,
    });
    await f.admin.call({
      method: 'PATCH',
      template: '/repos/{owner}/{repo}',
      path: { owner: 'acme', repo: 'second' },
      body: { private: 'yes' },
      expect: 422,
    });
    await f.admin.call({
      method: 'POST',
      template: '/orgs/{org}/repos',
      path: { org: 'nope' },
      body: { name: 'x' },
      expect: 404,
    });
    await f.bob.call({
      method: 'POST',
      template: '/orgs/{org}/repos',
      path: { org: 'acme' },
      body: { name: 'bobs' },
      expect: 403,
    });
    await f.alice.call({ method: 'POST', template: '/user/repos', body: { name: 'mine' }, expect: 201 });
    await f.alice.call({ method: 'POST', template: '/user/repos', body: { name: 'mine' }, expect: 409 });
    const list = await f.admin.call<{ full_name: string }[]>({
      method: 'GET',
      template: '/orgs/{org}/repos',
      path: { org: 'acme' },
      expect: 200,
    });
    expect(list.data.map((r) => r.full_name)).toContain('acme/second');
    await f.admin.call({ method: 'GET', template: '/orgs/{org}/repos', path: { org: 'nope' }, expect: 404 });
  });
});

describe('contents, raw, git data, commits', () => {
  it('creates, reads, updates and deletes files', async () => {
    const created = await f.alice.call<{ content: { sha: string } }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/a.md' },
        body: { content: b64('a\n'), message: 'add a' },
        expect: 201,
      }),
    );
    await f.bob.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/b.md' },
        body: { content: b64('b\n') },
        expect: 403,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/a.md' },
        body: { content: b64('again\n') },
        expect: 422,
      }),
    );
    const got = await f.admin.call<{ sha: string }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/a.md' },
        expect: 200,
      }),
    );
    expect(got.data.sha).toBe(created.data.content.sha);
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs' },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'nope.md' },
        expect: 404,
      }),
    );
    await f.admin.call(
      repoCall(f, { method: 'GET', template: '/repos/{owner}/{repo}/contents', expect: 200 }),
    );
    await f.admin.call({
      method: 'GET',
      template: '/repos/{owner}/{repo}/contents',
      path: { owner: 'acme', repo: 'nope' },
      expect: 404,
    });
    const updated = await f.alice.call<{ content: { sha: string } }>(
      repoCall(f, {
        method: 'PUT',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/a.md' },
        body: { content: b64('a2\n'), sha: got.data.sha },
        expect: 200,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PUT',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/a.md' },
        body: { content: b64('a3\n'), sha: got.data.sha },
        expect: [409, 422],
      }),
    );
    const raw = await f.admin.call<string>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/raw/{filepath}',
        path: { filepath: 'rfcs/a.md' },
        expect: 200,
      }),
    );
    expect(raw.text).toBe('a2\n');
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/raw/{filepath}',
        path: { filepath: 'rfcs/zz.md' },
        expect: 404,
      }),
    );
    for (const [archive, status] of [
      ['main.tar.gz', 200],
      ['main.zip', 200],
      ['main.rar', 404],
      ['no-such-ref.tar.gz', 404],
    ] as const) {
      const got = await f.admin.call(
        repoCall(f, {
          method: 'GET',
          template: '/repos/{owner}/{repo}/archive/{archive}',
          path: { archive },
          expect: status,
        }),
      );
      if (status === 200) expect(got.headers.get('content-type')).toBe('application/octet-stream');
    }
    const multi = await f.alice.call<{ commit: { sha: string }; files: { sha: string }[] }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/contents',
        body: {
          files: [
            { operation: 'create', path: 'rfcs/c.md', content: b64('c\n') },
            { operation: 'create', path: 'rfcs/d.md', content: b64('d\n') },
            { operation: 'update', path: 'rfcs/a.md', content: b64('a4\n'), sha: updated.data.content.sha },
          ],
        },
        expect: 201,
      }),
    );
    const withDelete = await f.alice.call<{ files: unknown[] }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/contents',
        body: { files: [{ operation: 'delete', path: 'rfcs/d.md', sha: multi.data.files[1]!.sha }] },
        expect: 201,
      }),
    );
    expect(withDelete.data.files).toEqual([null]);
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/contents',
        body: { files: [] },
        expect: 422,
      }),
    );
    const c = await f.admin.call<{ sha: string }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/c.md' },
        expect: 200,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'DELETE',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/c.md' },
        body: { sha: c.data.sha },
        expect: 200,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'DELETE',
        template: '/repos/{owner}/{repo}/contents/{filepath}',
        path: { filepath: 'rfcs/c.md' },
        body: { sha: c.data.sha },
        expect: [404, 400],
      }),
    );

    const commit = await f.admin.call<{ commit: { tree: { sha: string } } }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/commits/{sha}',
        path: { sha: multi.data.commit.sha },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/commits/{sha}',
        path: { sha: 'f'.repeat(40) },
        expect: [404, 422],
      }),
    );
    const tree = await f.admin.call<{ tree: { path: string; sha: string; type: string }[] }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/trees/{sha}',
        path: { sha: commit.data.commit.tree.sha },
        query: { recursive: true },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/trees/{sha}',
        path: { sha: 'f'.repeat(40) },
        expect: [400, 404],
      }),
    );
    const blob = tree.data.tree.find((e) => e.type === 'blob')!;
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/blobs/{sha}',
        path: { sha: blob.sha },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/blobs/{sha}',
        path: { sha: 'f'.repeat(40) },
        expect: [400, 404],
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/commits',
        query: { sha: 'main', path: 'rfcs/a.md', limit: 2 },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/commits',
        query: { sha: 'no-such-branch' },
        expect: [404, 409],
      }),
    );
  });
});

describe('git refs', () => {
  it('lists refs and filters them by prefix', async () => {
    const all = await f.admin.call<{ ref: string }[]>(
      repoCall(f, { method: 'GET', template: '/repos/{owner}/{repo}/git/refs', expect: 200 }),
    );
    expect(all.data.map((r) => r.ref)).toContain('refs/heads/main');
    await f.admin.call({
      method: 'GET',
      template: '/repos/{owner}/{repo}/git/refs',
      path: { owner: 'acme', repo: 'nope' },
      expect: 404,
    });
    const heads = await f.admin.call<{ ref: string }[]>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/refs/{ref}',
        path: { ref: 'heads/main' },
        expect: 200,
      }),
    );
    expect(heads.data.map((r) => r.ref)).toEqual(['refs/heads/main']);
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/git/refs/{ref}',
        path: { ref: 'heads/no-such' },
        expect: 404,
      }),
    );
  });
});

describe('branches and collaborators', () => {
  it('lists, gets, creates and deletes branches', async () => {
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/branches',
        body: { new_branch_name: 'edit/x/y' },
        expect: 201,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/branches',
        body: { new_branch_name: 'edit/x/y' },
        expect: 409,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/branches',
        body: { new_branch_name: 'z', old_branch_name: 'nope' },
        expect: 404,
      }),
    );
    await f.bob.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/branches',
        body: { new_branch_name: 'b' },
        expect: 403,
      }),
    );
    await f.admin.call(
      repoCall(f, { method: 'GET', template: '/repos/{owner}/{repo}/branches', expect: 200 }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/branches/{branch}',
        path: { branch: 'edit/x/y' },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/branches/{branch}',
        path: { branch: 'nope' },
        expect: 404,
      }),
    );
    await f.bob.call(
      repoCall(f, {
        method: 'DELETE',
        template: '/repos/{owner}/{repo}/branches/{branch}',
        path: { branch: 'edit/x/y' },
        expect: 403,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'DELETE',
        template: '/repos/{owner}/{repo}/branches/{branch}',
        path: { branch: 'edit/x/y' },
        expect: 204,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'DELETE',
        template: '/repos/{owner}/{repo}/branches/{branch}',
        path: { branch: 'edit/x/y' },
        expect: 404,
      }),
    );
  });

  it('adds, checks, lists and removes collaborators', async () => {
    await f.admin.call(
      repoCall(f, {
        method: 'PUT',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}',
        path: { collaborator: 'bob' },
        body: { permission: 'read' },
        expect: 204,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'PUT',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}',
        path: { collaborator: 'nobody' },
        expect: 422,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PUT',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}',
        path: { collaborator: 'bob' },
        expect: 403,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}',
        path: { collaborator: 'bob' },
        expect: 204,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}',
        path: { collaborator: 'nobody' },
        expect: 422,
      }),
    );
    await f.admin.call(
      repoCall(f, { method: 'GET', template: '/repos/{owner}/{repo}/collaborators', expect: 200 }),
    );
    await f.admin.call({
      method: 'GET',
      template: '/repos/{owner}/{repo}/collaborators',
      path: { owner: 'acme', repo: 'nope' },
      expect: 404,
    });
    const perm = await f.bob.call<{ permission: string }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}/permission',
        path: { collaborator: 'bob' },
        expect: 200,
      }),
    );
    expect(perm.data.permission).toBe('read');
    await f.bob.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}/permission',
        path: { collaborator: 'alice' },
        expect: 403,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}/permission',
        path: { collaborator: 'nobody' },
        expect: 404,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'DELETE',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}',
        path: { collaborator: 'bob' },
        expect: 204,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'DELETE',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}',
        path: { collaborator: 'nobody' },
        expect: 422,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/collaborators/{collaborator}',
        path: { collaborator: 'bob' },
        expect: 404,
      }),
    );
  });
});

describe('pulls, issues, comments, search', () => {
  it('runs the pull lifecycle through every pull route', async () => {
    await f.commit({ branch: 'propose/ct', path: 'rfcs/ct.md', text: 'ct\n' });
    const pr = await f.alice.call<{ number: number; head: { sha: string } }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'propose/ct', base: 'main', title: 'Propose ct' },
        expect: 201,
      }),
    );
    const n = pr.data.number;
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'propose/ct', base: 'main', title: 'dup' },
        expect: 409,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'nope', base: 'main', title: 'x' },
        expect: 404,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'main', base: 'main', title: 'x' },
        expect: 422,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls',
        query: { state: 'all', limit: 10 },
        expect: 200,
      }),
    );
    await f.admin.call({
      method: 'GET',
      template: '/repos/{owner}/{repo}/pulls',
      path: { owner: 'acme', repo: 'nope' },
      expect: 404,
    });
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: n },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: 9999 },
        expect: 404,
      }),
    );
    await f.commit({ branch: 'simple', path: 'rfcs/simple.md', text: 's\n' });
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls',
        body: { head: 'simple', base: 'main', title: 'Simple' },
        expect: 201,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{base}/{head}',
        path: { base: 'main', head: 'simple' },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{base}/{head}',
        path: { base: 'main', head: 'none' },
        expect: 404,
      }),
    );
    const slashed = await f.admin.call<{ number: number }>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{base}/{head}',
        path: { base: 'main', head: 'propose/ct' },
        expect: 200,
      }),
    );
    expect(slashed.data.number).toBe(n);
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}.{diffType}',
        path: { index: n, diffType: 'diff' },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}.{diffType}',
        path: { index: 9999, diffType: 'diff' },
        expect: 404,
      }),
    );
    await f.bob.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: n },
        body: { title: 'x' },
        expect: 403,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: n },
        body: { title: 'Propose ct (edited)' },
        expect: 201,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: 9999 },
        body: { title: 'x' },
        expect: 404,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: n },
        body: { base: 'nope' },
        expect: 404,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: n },
        expect: 404,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: n },
        body: { Do: 'merge', head_commit_id: '0'.repeat(40) },
        expect: 409,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: 9999 },
        body: { Do: 'merge' },
        expect: 404,
      }),
    );
    await f.bob.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: n },
        body: { Do: 'merge' },
        expect: 405,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: n },
        body: { Do: 'merge', head_commit_id: pr.data.head.sha },
        expect: 200,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: n },
        body: { Do: 'merge' },
        expect: 405,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls/{index}/merge',
        path: { index: n },
        expect: 204,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/pulls/{index}',
        path: { index: n },
        body: { state: 'closed' },
        expect: 412,
      }),
    );
  });

  it('runs issues and comments through every issue route', async () => {
    const issue = await f.alice.call<{ number: number; updated_at: string }>(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues',
        body: { title: 'Contract issue', body: 'b' },
        expect: 201,
      }),
    );
    const n = issue.data.number;
    await f.alice.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues',
        body: { body: 'no title' },
        expect: 422,
      }),
    );
    await f.alice.call({
      method: 'POST',
      template: '/repos/{owner}/{repo}/issues',
      path: { owner: 'acme', repo: 'nope' },
      body: { title: 't' },
      expect: 404,
    });
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues',
        query: { state: 'all', type: 'issues', since: issue.data.updated_at },
        expect: 200,
      }),
    );
    await f.admin.call({
      method: 'GET',
      template: '/repos/{owner}/{repo}/issues',
      path: { owner: 'acme', repo: 'nope' },
      expect: 404,
    });
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: n },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: 9999 },
        expect: 404,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: n },
        body: { state: 'closed', assignees: ['alice'] },
        expect: 201,
      }),
    );
    await f.bob.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: n },
        body: { title: 'x' },
        expect: 403,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: 9999 },
        body: { title: 'x' },
        expect: 404,
      }),
    );
    const merged = await f.admin.call<{ number: number }[]>(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/pulls',
        query: { state: 'closed' },
        expect: 200,
      }),
    );
    await f.alice.call(
      repoCall(f, {
        method: 'PATCH',
        template: '/repos/{owner}/{repo}/issues/{index}',
        path: { index: merged.data[0]!.number },
        body: { state: 'open' },
        expect: 412,
      }),
    );
    await f.bob.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: n },
        body: { body: 'hi' },
        expect: 201,
      }),
    );
    await f.bob.call(
      repoCall(f, {
        method: 'POST',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: 9999 },
        body: { body: 'hi' },
        expect: 404,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: n },
        expect: 200,
      }),
    );
    await f.admin.call(
      repoCall(f, {
        method: 'GET',
        template: '/repos/{owner}/{repo}/issues/{index}/comments',
        path: { index: 9999 },
        expect: 404,
      }),
    );
    await f.admin.call({
      method: 'GET',
      template: '/repos/issues/search',
      query: { owner: 'acme', type: 'pulls', state: 'all', since: issue.data.updated_at },
      expect: 200,
    });
    await f.admin.call({
      method: 'GET',
      template: '/repos/issues/search',
      query: { owner: 'nobody' },
      expect: 400,
    });
    await f.admin.call({
      method: 'GET',
      template: '/repos/issues/search',
      query: { since: 'not a time' },
      expect: 422,
    });
  });
});

describe('event payloads', () => {
  it('carry spec-valid objects in the hook.go payload shapes', () => {
    const spec = contractSpec();
    const parts: Record<string, Record<string, string>> = {
      pull_request: { pull_request: 'PullRequest', repository: 'Repository', sender: 'User' },
      issues: { issue: 'Issue', repository: 'Repository', sender: 'User' },
      issue_comment: { issue: 'Issue', comment: 'Comment', repository: 'Repository', sender: 'User' },
    };
    const keys: Record<string, string[]> = {
      pull_request: [
        'action',
        'commit_id',
        'number',
        'pull_request',
        'repository',
        'requested_reviewer',
        'review',
        'sender',
      ],
      issues: ['action', 'commit_id', 'issue', 'number', 'repository', 'sender'],
      issue_comment: ['action', 'comment', 'is_pull', 'issue', 'repository', 'sender'],
    };
    const seen = new Set<string>();
    for (const e of f.sim.events.list()) {
      const want = parts[e.name];
      if (!want) continue;
      seen.add(e.name);
      const payload = e.payload as Record<string, unknown>;
      expect(
        Object.keys(payload)
          .filter((k) => k !== 'changes')
          .sort(),
      ).toEqual(keys[e.name]);
      for (const [field, definition] of Object.entries(want)) {
        const result = spec.validateDefinition(definition, payload[field]);
        if (!result.ok)
          throw new Error(
            `${e.name} event #${e.seq} field "${field}" breaks ${definition}: ${result.problem}`,
          );
      }
    }
    expect([...seen].sort()).toEqual(['issue_comment', 'issues', 'pull_request']);
  });
});

describe('git smart HTTP and simulator admin endpoints', () => {
  it('clones and pushes over HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-git-'));
    try {
      const url = `http://alice:${f.alice.options.token}@${f.sim.url.replace(/^http:\/\//, '')}/acme/meta.git`;
      const env = {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@example.org',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@example.org',
      };
      // Async: the simulator answers in this process.
      const git = async (...args: string[]) =>
        (await run('git', args, { cwd: dir, env, encoding: 'utf8' })).stdout.trim();
      await git('clone', '-q', url, '.');
      writeFileSync(join(dir, 'pushed.md'), 'pushed\n');
      await git('add', 'pushed.md');
      await git('commit', '-q', '-m', 'pushed');
      await git('push', '-q', 'origin', 'HEAD:refs/heads/pushed');
      const sha = await git('rev-parse', 'HEAD');
      const branch = await f.admin.call<{ commit: { id: string } }>(
        repoCall(f, {
          method: 'GET',
          template: '/repos/{owner}/{repo}/branches/{branch}',
          path: { branch: 'pushed' },
          expect: 200,
        }),
      );
      expect(branch.data.commit.id).toBe(sha);
      ledger.recordOther(
        'GIT /{owner}/{repo}.git (smart HTTP)',
        'exercised: clone + push (git protocol, no JSON)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the /_sim/ admin API', async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${f.sim.url}/_sim${path}`, {
        method,
        headers: { authorization: `token ${f.sim.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, data: text ? (JSON.parse(text) as unknown) : null };
    };
    const added = await call('POST', '/faults', { route: '/version', status: 503, times: 1 });
    expect(added.status).toBe(201);
    const id = (added.data as { id: number }).id;
    const listed = await call('GET', '/faults');
    expect((listed.data as { id: number }[]).map((r) => r.id)).toContain(id);
    expect((await call('DELETE', `/faults/${id}`)).status).toBe(204);
    expect((await call('DELETE', '/faults')).status).toBe(204);
    const events = await call('GET', '/events');
    expect(Array.isArray(events.data)).toBe(true);
    const requests = await call('GET', '/requests');
    expect((requests.data as unknown[]).length).toBeGreaterThan(0);
    expect((await call('DELETE', '/events')).status).toBe(204);
    const how = 'exercised (simulator admin API, not part of the Gitea spec)';
    for (const r of OTHER_ENDPOINTS.filter((e) => e.includes('/_sim/'))) ledger.recordOther(r, how);
  });
});

/** Whether a sample path built from the template reaches that template in the simulator's router. */
function reachable(method: string, template: string): boolean {
  const sample = template.replace(/\{([A-Za-z_]+)\}/g, (_, name: string) =>
    name === 'diffType' ? 'diff' : name === 'index' ? '1' : 'x',
  );
  return f.sim.core.router.match(method, sample)?.template === template;
}

describe('coverage', () => {
  it('validated every served route (route → validated table)', () => {
    const apiRoutes = f.sim.core.router.list();
    const unreachable = apiRoutes.filter((r) => {
      const [method, template] = r.split(' ') as [string, string];
      return !reachable(method, template);
    });
    for (const r of unreachable)
      ledger.recordOther(r, 'UNREACHABLE: the router cannot match this template (not served)');
    const served = [...apiRoutes, ...OTHER_ENDPOINTS];
    console.log(`\nContract coverage (${served.length} served routes)\n${ledger.table(served)}`);
    const notInSpec = apiRoutes.filter((r) => {
      const [method, template] = r.split(' ') as [string, string];
      return !contractSpec().has(method, template);
    });
    expect(notInSpec).toEqual([]);
    expect(ledger.missing(served)).toEqual([]);
  });
});
