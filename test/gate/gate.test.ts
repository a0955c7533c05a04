/** The gate on the simulator: refusals, denials, failed probes, markers, and the exact writes of each operation. */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseGateKeyTrailer, parseKeyMarker, parseOnBehalfOf } from '../../src/entry/index.ts';
import { commandKey, GateInputError, OP_NAMES, readAudit, runGate } from '../../src/gate/index.ts';
import {
  counts,
  type Fixture,
  META,
  type Recorded,
  RFC_REPO,
  sampleCommands,
  snapshot,
  startFixture,
  writes,
} from './harness.ts';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
}, 30_000);
afterAll(async () => f.close());

const freshAudit = () => mkdtemp(join(f.auditDir, 'a-'));

/** A write request with its base64 contents decoded and the key-dependent parts kept (they are deterministic). */
function readable(r: Recorded): unknown {
  const decode = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(decode);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          k,
          k === 'content' && typeof x === 'string'
            ? Buffer.from(x, 'base64').toString('utf8')
            : k === 'head_commit_id'
              ? '<commit sha: depends on commit times>'
              : decode(x),
        ]),
      );
    }
    return v;
  };
  return { method: r.method, path: r.path, body: decode(r.body) };
}

describe('same request, different payload', () => {
  test('is refused from the audit log, and writes nothing', async () => {
    const cmd = { ...sampleCommands('refuse-1').create_issue, payload: { title: 'One', body: 'first' } };
    expect((await runGate(cmd, f.deps())).success).toBe(true);
    f.log.length = 0;
    const ack = await runGate({ ...cmd, payload: { title: 'One', body: 'edited' } }, f.deps());
    expect(ack).toMatchObject({ success: false, prior_execution: false });
    expect(ack.message).toMatch(/already ran create_issue with another payload/);
    expect(f.log).toEqual([]);
  });

  test('is refused from the markers in Gitea when the audit log is gone', async () => {
    const cmd = { ...sampleCommands('refuse-2').add_comment, payload: { number: 2, body: 'first' } };
    expect((await runGate(cmd, f.deps({ auditDir: await freshAudit() }))).success).toBe(true);
    f.log.length = 0;
    const ack = await runGate(
      { ...cmd, payload: { number: 2, body: 'edited' } },
      f.deps({ auditDir: await freshAudit() }),
    );
    expect(ack.message).toMatch(/already ran add_comment with another payload .*a comment on rfcs\/meta#2/);
    expect(writes(f.log).filter((w) => !w.path.includes('/branches'))).toEqual([]);
  });

  test('a new request with the same content is honoured', async () => {
    const payload = { title: 'Twice on purpose', body: 'again' };
    const before = counts(await snapshot(f.admin));
    const a = await runGate({ ...sampleCommands('honour-1').create_issue, payload }, f.deps());
    const b = await runGate({ ...sampleCommands('honour-2').create_issue, payload }, f.deps());
    expect([a.prior_execution, b.prior_execution]).toEqual([false, false]);
    expect(b.number).not.toBe(a.number);
    expect(counts(await snapshot(f.admin)).issues).toBe((before.issues ?? 0) + 2);
  });
});

describe('denials', () => {
  test.each([
    ['close_issue', 'bob', /needs the author \("alice"\) or write access/],
    ['assign_issue', 'alice', /needs write access to "rfcs\/meta"; "alice" has "read"/],
    [
      'merge_pr',
      'alice',
      /merge_pr:edit: it needs an owner of "intro" \(held by "carol"\) or an arbiter of "intro" \(held by "bob"\)/,
    ],
    ['withdraw_branch_pr', 'alice', /needs the author \("carol"\) or an owner of "live"/],
    ['graduate_rfc', 'alice', /needs an arbiter of "grad" \(held by "bob"\) or admin access/],
    ['withdraw_rfc', 'erin', /needs an owner of "gone" \(held by "carol"\) or an arbiter/],
  ] as const)('%s as %s writes nothing but a denied row', async (op, actor, why) => {
    const cmd = { ...sampleCommands(`deny-${op}`)[op], actor };
    f.log.length = 0;
    const ack = await runGate(cmd, f.deps());
    expect(ack.success).toBe(false);
    expect(ack.message).toMatch(why);
    expect(writes(f.log)).toEqual([]);
    const rows = (await readAudit(f.auditDir)).filter((r) => r.key === ack.key);
    expect(rows.map((r) => r.outcome)).toEqual(['denied']);
    // A re-run denied for the same reason leaves the audit log, and so the artifact, as it was.
    const again = await runGate(cmd, f.deps());
    expect(again.message).toBe(ack.message);
    expect(writes(f.log)).toEqual([]);
    expect((await readAudit(f.auditDir)).filter((r) => r.key === ack.key)).toEqual(rows);
  });
});

describe('invalid commands', () => {
  test.each([
    [{ op: 'drop_table' }, /unknown operation "drop_table"/],
    [{ op: 'create_issue', payload: { title: 'x' } }, /field "body" is required/],
    [
      { op: 'create_issue', payload: { title: 'x', body: 'y', color: 1 } },
      /field "color" is not a field of create_issue/,
    ],
    [{ op: 'add_comment', payload: { number: -1, body: 'y' } }, /field "number" must be a positive integer/],
    [
      { op: 'propose_rfc', payload: { slug: 'Bad Slug', title: 't', body: 'b' } },
      /field "slug" must be a slug/,
    ],
    [
      { op: 'open_metadata_pr', payload: { slug: 'intro', changes: { state: 'active' } } },
      /may not set "state"/,
    ],
    [
      { op: 'create_issue', payload: { title: 'x', body: 'y' }, request: '' },
      /request must be a non-empty string/,
    ],
  ])('%j', async (change, why) => {
    const cmd = { ...sampleCommands().create_issue, ...change } as Parameters<typeof runGate>[0];
    f.log.length = 0;
    const err = await runGate(cmd, f.deps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateInputError);
    expect((err as Error).message).toMatch(why);
    expect(f.log).toEqual([]);
  });

  test('metadata changes are validated by the entry model before any write', async () => {
    f.log.length = 0;
    const cmd = {
      ...sampleCommands('meta-bad').open_metadata_pr,
      payload: { slug: 'intro', changes: { owners: ['not a login'] } },
    };
    const ack = await runGate(cmd, f.deps());
    expect(ack).toMatchObject({ success: false });
    expect(ack.message).toMatch(/invalid entry: "owners"/);
    expect(writes(f.log)).toEqual([]);
  });
});

describe('refusals found in Gitea write nothing', () => {
  test.each([
    ['graduate_rfc without a bot token', 'graduate_rfc', { botGitea: undefined }, {}, /needs a bot token/],
    [
      'an unknown label',
      'create_issue',
      {},
      { title: 'L', body: 'b', labels: ['nope'] },
      /has no label "nope"/,
    ],
    ['a missing RFC', 'withdraw_rfc', {}, { slug: 'missing' }, /has no RFC "missing"/],
    [
      'a claim by an owner',
      'open_claim_pr',
      {},
      { slug: 'intro', __actor: 'carol' },
      /already owns RFC "intro"/,
    ],
  ] as const)('%s', async (_name, op, deps, payload, why) => {
    const base = sampleCommands(`refusal-${op}`)[op];
    const { __actor, ...rest } = payload as Record<string, unknown>;
    const cmd = {
      ...base,
      actor: (__actor as string | undefined) ?? base.actor,
      payload: Object.keys(rest).length ? rest : base.payload,
    };
    f.log.length = 0;
    const ack = await runGate(cmd, { ...f.deps(), ...deps });
    expect(ack).toMatchObject({ success: false, prior_execution: false });
    expect(ack.message).toMatch(why);
    expect(writes(f.log)).toEqual([]);
  });
});

describe('a failed probe aborts the command', () => {
  test('500 on the issue listing: no write, a failed ack', async () => {
    const remove = f.sim.faults.add({ method: 'GET', route: '/repos/{owner}/{repo}/issues', status: 500 });
    f.log.length = 0;
    try {
      const ack = await runGate(
        { ...sampleCommands('probe-500').create_issue },
        f.deps({ config: { attempts: 2, retryDelayMs: 0 } }),
      );
      expect(ack).toMatchObject({ success: false, prior_execution: false });
      expect(ack.message).toMatch(/failed after 2 attempt\(s\).*returned 500/);
    } finally {
      remove();
    }
    expect(writes(f.log).filter((w) => !w.path.includes('/branches'))).toEqual([]);
  });

  test('past the 50-item page, a prior issue is still found', async () => {
    for (let i = 0; i < 55; i++) {
      await f.admin.request('POST', '/repos/{owner}/{repo}/issues', {
        path: { owner: 'rfcs', repo: 'meta' },
        body: { title: `filler ${i}`, body: '' },
      });
    }
    const cmd = { ...sampleCommands('page-1').create_issue, payload: { title: 'Deep', body: 'x' } };
    const first = await runGate(cmd, f.deps({ auditDir: await freshAudit() }));
    for (let i = 0; i < 55; i++) {
      await f.admin.request('POST', '/repos/{owner}/{repo}/issues', {
        path: { owner: 'rfcs', repo: 'meta' },
        body: { title: `later ${i}`, body: '' },
      });
    }
    const again = await runGate(cmd, f.deps({ auditDir: await freshAudit() }));
    expect(again).toMatchObject({ prior_execution: true, number: first.number });
  });
});

describe('markers and the writes of each operation', () => {
  let g: Fixture;
  beforeAll(async () => {
    g = await startFixture();
  }, 30_000);
  afterAll(async () => g.close());

  test.each(OP_NAMES.map((op) => [op]))('%s', async (op) => {
    g.log.length = 0;
    const ack = await runGate(sampleCommands()[op], g.deps());
    expect(ack.success).toBe(true);
    const sent = writes(g.log).map(readable);
    expect(sent).toMatchSnapshot();
    for (const w of writes(g.log)) {
      const body = (w.body ?? {}) as Record<string, unknown>;
      if (w.method === 'POST' && /\/(issues|pulls|comments)$/.test(w.path)) {
        expect(parseKeyMarker(String(body.body))).toBe(ack.key);
        if (!w.path.endsWith('/comments'))
          expect(parseOnBehalfOf(String(body.body))).toBe(sampleCommands()[op].actor);
      }
      if (typeof body.message === 'string') {
        expect(parseGateKeyTrailer(body.message)).toBe(ack.key);
        expect(parseOnBehalfOf(body.message)).toBe(sampleCommands()[op].actor);
      }
      if (typeof body.MergeMessageField === 'string')
        expect(parseGateKeyTrailer(body.MergeMessageField)).toBe(ack.key);
    }
  });

  test('propose_rfc writes the entry with proposed_by and proposed_at', async () => {
    const file = await g.admin.request<{ content: string }>(
      'GET',
      '/repos/{owner}/{repo}/contents/{filepath}',
      {
        path: { owner: 'rfcs', repo: 'meta', filepath: 'rfcs/fresh.md' },
        query: { ref: 'propose/fresh' },
      },
    );
    const text = Buffer.from(file.data.content, 'base64').toString('utf8');
    expect(text).toContain('proposed_by: alice');
    expect(text).toContain('proposed_at: 2026-03-01T12:00:00Z');
  });

  test('graduate_rfc set state, id, repo, graduated_by and graduated_at', async () => {
    const file = await g.admin.request<{ content: string }>(
      'GET',
      '/repos/{owner}/{repo}/contents/{filepath}',
      {
        path: { owner: 'rfcs', repo: 'meta', filepath: 'rfcs/grad.md' },
      },
    );
    const text = Buffer.from(file.data.content, 'base64').toString('utf8');
    expect(text).toMatch(/state: active\nid: 2\nrepo: rfcs\/rfc-0002\n/);
    expect(text).toContain('graduated_by: bob');
    expect(text).toContain('graduated_at: 2026-03-01T12:00:00Z');
  });
});

describe('graduate_rfc resumes', () => {
  test('a repo left by a failed attempt is adopted, not duplicated', async () => {
    const h = await startFixture();
    try {
      // The attempt dies after creating the repo: RFC.md and the entry update fail for good.
      const removes = [
        h.sim.faults.add({ method: 'POST', route: '/repos/{owner}/{repo}/contents/{filepath}', status: 500 }),
      ];
      const failed = await runGate(
        sampleCommands('grad-1').graduate_rfc,
        h.deps({ config: { attempts: 1 } }),
      );
      for (const r of removes) r();
      expect(failed.success).toBe(false);
      const repos = (await snapshot(h.admin)).repos;
      expect(repos).toContain('rfcs/rfc-0002');
      // A new request (another run) finishes the job in the same repo.
      const ack = await runGate(
        sampleCommands('grad-2').graduate_rfc,
        h.deps({ auditDir: await mkdtemp(join(h.auditDir, 'b')) }),
      );
      expect(ack).toMatchObject({ success: true, number: 2, url: expect.stringMatching(/rfcs\/rfc-0002$/) });
      expect((await snapshot(h.admin)).repos).toEqual(repos);
    } finally {
      await h.close();
    }
  });
});

test('the meta repo constant matches the fixture', () => {
  expect(META).toBe('rfcs/meta');
});

describe('commands named on an RFC repo (config.metaRepo)', () => {
  test('merge_pr of an RFC-repo PR needs the slug and checks the RFC owners', async () => {
    const h = await startFixture();
    try {
      const deps = h.deps({ config: { metaRepo: META, retryDelayMs: 0 } });
      const base = { op: 'merge_pr' as const, repo: RFC_REPO, source: 'test', request: 'm1' };
      const noSlug = await runGate({ ...base, actor: 'carol', payload: { number: 1 } }, deps);
      expect(noSlug.message).toMatch(/give the RFC \(field "slug"\)/);
      const denied = await runGate(
        { ...base, request: 'm2', actor: 'alice', payload: { number: 1, slug: 'live' } },
        deps,
      );
      expect(denied.message).toMatch(/merge_pr:rfc: it needs an owner of "live"/);
      const ok = await runGate(
        { ...base, request: 'm3', actor: 'carol', payload: { number: 1, slug: 'live' } },
        deps,
      );
      expect(ok).toMatchObject({ success: true, number: 1, prior_execution: false });
      const pr = await h.admin.request<{ merged: boolean }>('GET', '/repos/{owner}/{repo}/pulls/{index}', {
        path: { owner: 'rfcs', repo: 'rfc-0001', index: 1 },
      });
      expect(pr.data.merged).toBe(true);
    } finally {
      await h.close();
    }
  });

  test('withdraw_branch_pr defaults to the repo the command names', async () => {
    const h = await startFixture();
    try {
      const cmd = {
        op: 'withdraw_branch_pr' as const,
        repo: RFC_REPO,
        source: 'test',
        request: 'w1',
        actor: 'carol',
        payload: { slug: 'live', number: 1 },
      };
      const ack = await runGate(cmd, h.deps({ config: { metaRepo: META } }));
      expect(ack).toMatchObject({ success: true, url: expect.stringContaining('/rfcs/rfc-0001/pulls/1') });
      const rows = (await readAudit(h.auditDir)).filter((r) => r.key === ack.key && r.outcome === 'success');
      expect(rows).toMatchObject([{ op: 'withdraw_branch_pr', number: 1, actor: 'carol' }]);
    } finally {
      await h.close();
    }
  });
});

describe('afterWrite', () => {
  test('runs once after a write with what was touched, never on a replay', async () => {
    const calls: unknown[] = [];
    const afterWrite = async (info: { touched: unknown[] }) => {
      calls.push(info.touched);
    };
    const cmd = sampleCommands('after-1').start_edit_branch;
    const first = await runGate(cmd, { ...f.deps(), afterWrite });
    await runGate(cmd, { ...f.deps(), afterWrite });
    expect(calls).toEqual([[{ kind: 'branch', repo: META, branch: first.url!.split('/src/branch/')[1] }]]);
  });

  test('a failing refresh fails the call but keeps the success in the audit log', async () => {
    const cmd = sampleCommands('after-2').create_issue;
    const err = await runGate(cmd, {
      ...f.deps(),
      afterWrite: async () => {
        throw new Error('disk full');
      },
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/create_issue succeeded .* but the cache refresh after it failed/);
    const rows = (await readAudit(f.auditDir)).filter((r) => r.request === 'after-2');
    expect(rows.map((r) => r.outcome)).toEqual(['pending', 'success']);
  });
});

describe('claim branches', () => {
  test('a claim left by a killed run delays the next run by lockWaitMs, then is taken over and removed', async () => {
    const cmd = sampleCommands('stale-claim').create_issue;
    const key = commandKey(cmd);
    await f.admin.request('POST', '/repos/{owner}/{repo}/branches', {
      path: { owner: 'rfcs', repo: 'meta' },
      body: { new_branch_name: `rfc-actions/claim/${key}` },
    });
    const slept: number[] = [];
    const ack = await runGate(cmd, {
      ...f.deps({ config: { lockWaitMs: 30, lockPollMs: 10 } }),
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    expect(ack).toMatchObject({ success: true, prior_execution: false });
    expect(slept).toEqual([10, 10, 10]);
    const branches = await f.admin.paginate<{ name: string }>('/repos/{owner}/{repo}/branches', {
      path: { owner: 'rfcs', repo: 'meta' },
    });
    expect(branches.map((b) => b.name).filter((n) => n.startsWith('rfc-actions/'))).toEqual([]);
  });

  test("a claim create whose answer is lost waits as for a twin's claim, and the twin's effect is found", async () => {
    const cmd = sampleCommands('lost-claim').create_issue;
    const key = commandKey(cmd);
    // The twin holds the claim; our create is answered 409, and that answer is lost.
    await f.admin.request('POST', '/repos/{owner}/{repo}/branches', {
      path: { owner: 'rfcs', repo: 'meta' },
      body: { new_branch_name: `rfc-actions/claim/${key}` },
    });
    const remove = f.sim.faults.add({
      method: 'POST',
      route: '/repos/{owner}/{repo}/branches',
      dropResponse: true,
      times: 1,
    });
    const before = (
      await f.admin.paginate('/repos/{owner}/{repo}/issues', {
        path: { owner: 'rfcs', repo: 'meta' },
        query: { state: 'all', type: 'issues' },
      })
    ).length;
    let polls = 0;
    let ack: Awaited<ReturnType<typeof runGate>>;
    try {
      ack = await runGate(cmd, {
        ...f.deps({ auditDir: await freshAudit(), config: { lockWaitMs: 1000, lockPollMs: 10 } }),
        sleep: async () => {
          // While this run waits, the twin writes its issue (with the same key) and releases.
          if (++polls === 2) {
            const twin = await runGate(
              cmd,
              f.deps({ auditDir: await freshAudit(), config: { lockWaitMs: 0 } }),
            );
            expect(twin.success).toBe(true);
          }
        },
      });
    } finally {
      remove();
    }
    expect(ack).toMatchObject({ success: true, prior_execution: true });
    const after = await f.admin.paginate('/repos/{owner}/{repo}/issues', {
      path: { owner: 'rfcs', repo: 'meta' },
      query: { state: 'all', type: 'issues' },
    });
    expect(after.length).toBe(before + 1);
  });
});

describe('start_edit_branch with a name that clashes with a branch path', () => {
  test('is refused with the reason, and nothing is written', async () => {
    await f.admin.request('POST', '/repos/{owner}/{repo}/branches', {
      path: { owner: 'rfcs', repo: 'meta' },
      body: { new_branch_name: 'edit/intro/zz/deeper' },
    });
    const cmd = { ...sampleCommands('clash').start_edit_branch, payload: { slug: 'intro', name: 'zz' } };
    const ack = await runGate(cmd, f.deps({ auditDir: await freshAudit() }));
    expect(ack.success).toBe(false);
    expect(ack.message).toMatch(/cannot create branch "edit\/intro\/zz" .* clashes with an existing branch/);
    const names = (
      await f.admin.paginate<{ name: string }>('/repos/{owner}/{repo}/branches', {
        path: { owner: 'rfcs', repo: 'meta' },
      })
    ).map((b) => b.name);
    expect(names).not.toContain('edit/intro/zz');
    await f.admin.request('DELETE', '/repos/{owner}/{repo}/branches/{branch}', {
      path: { owner: 'rfcs', repo: 'meta', branch: 'edit/intro/zz/deeper' },
    });
  });
});
