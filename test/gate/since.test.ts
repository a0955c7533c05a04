/**
 * `GateDeps.requestedAt`: the probes that list issues or comments ask Gitea only for what changed
 * since the request, so a first execution reads one page however long the history, and every
 * guarantee that rests on those probes (replay, fresh runner, conflicting payload) still holds.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Command, GateInputError, requestTime, runGate } from '../../src/gate/index.ts';
import { GiteaClient } from '../../src/gitea/client.ts';
import { type Fixture, META, startFixture } from './harness.ts';

let f: Fixture;
/** the issue with a long thread */
let thread: number;
/** created_at of the comment that asked for the writes, by the simulator's clock */
let requestedAt: string;
const OLD_ISSUES = 120;
const OLD_COMMENTS = 110;

beforeAll(async () => {
  f = await startFixture();
  const alice = new GiteaClient({ baseUrl: f.sim.url, token: f.tokens.alice!, sleep: async () => {} });
  const path = { owner: 'rfcs', repo: 'meta' };
  // History from before the request: three pages of issues, three of comments on one thread.
  f.sim.core.clock.useFixed('2026-05-01T00:00:00Z', 1000);
  for (let i = 0; i < OLD_ISSUES; i++) {
    await alice.request('POST', '/repos/{owner}/{repo}/issues', {
      path,
      body: { title: `Old issue ${i}`, body: `Old ${i}.` },
    });
  }
  thread = (
    await alice.request<{ number: number }>('POST', '/repos/{owner}/{repo}/issues', {
      path,
      body: { title: 'A long thread', body: 'Talk.' },
    })
  ).data.number;
  for (let i = 0; i < OLD_COMMENTS; i++) {
    await alice.request('POST', '/repos/{owner}/{repo}/issues/{index}/comments', {
      path: { ...path, index: thread },
      body: { body: `Reply ${i}.` },
    });
  }
  f.sim.core.clock.useFixed('2026-06-01T00:00:00Z', 1000);
  requestedAt = (
    await alice.request<{ created_at: string }>('POST', '/repos/{owner}/{repo}/issues/{index}/comments', {
      path: { ...path, index: thread },
      body: { body: '/rfc do things' },
    })
  ).data.created_at;
  // The gate runs later, on Gitea's real clock.
  f.sim.core.clock.useReal();
}, 120_000);

afterAll(async () => {
  await f?.close();
});

const command = (
  op: 'create_issue' | 'add_comment',
  request: string,
  body = 'Asked in a comment.',
): Command => ({
  op,
  repo: META,
  payload: op === 'create_issue' ? { title: `Gate issue ${request}`, body } : { number: thread, body },
  actor: 'alice',
  source: 'slash-command',
  request,
});

/** The list reads of one run, and its writes other than the claim's. */
function requests(since: number) {
  const log = f.log.slice(since);
  const lists = log.filter((r) => r.method === 'GET' && /\/issues(\/\d+\/comments)?(\?|$)/.test(r.path));
  const writes = log.filter((r) => r.method !== 'GET' && !r.path.includes('/branches'));
  return { lists, writes };
}

// Issues come in pages of 50; a thread's comments in one answer (Gitea's issueGetComments is not
// paged), which the probe must read whole: 111 comments once looped on "page" until maxPages.
describe.each([
  ['create_issue', 2 * (Math.floor(OLD_ISSUES / 50) + 1)] as const,
  ['add_comment', 2] as const,
])('%s with requestedAt', (op, unboundedReads) => {
  it('probes one page with since, where the unbounded probe reads the whole history', async () => {
    const dir = () => mkdtemp(join(f.auditDir, `${op}-`));
    const at = f.log.length;
    const bounded = await runGate(command(op, `b-${op}`), f.deps({ auditDir: await dir(), requestedAt }));
    expect(bounded.success).toBe(true);
    expect(bounded.prior_execution).toBe(false);
    const b = requests(at);
    // The probe before the claim and the one under it: one page each.
    expect(b.lists).toHaveLength(2);
    for (const r of b.lists) expect(new URL(r.path, f.sim.url).searchParams.get('since')).toBe(requestedAt);
    expect(b.writes).toHaveLength(1);

    const at2 = f.log.length;
    const unbounded = await runGate(command(op, `u-${op}`), f.deps({ auditDir: await dir() }));
    expect(unbounded.success).toBe(true);
    const u = requests(at2);
    expect(u.lists).toHaveLength(unboundedReads);
    for (const r of u.lists) expect(r.path).not.toContain('since=');
  });

  it('a replay on a fresh runner finds the first run inside the window and writes nothing', async () => {
    const request = `r-${op}`;
    const first = await runGate(
      command(op, request),
      f.deps({ auditDir: await mkdtemp(join(f.auditDir, 'r1-')), requestedAt }),
    );
    expect(first.prior_execution).toBe(false);
    const at = f.log.length;
    const replay = await runGate(
      command(op, request),
      f.deps({ auditDir: await mkdtemp(join(f.auditDir, 'r2-')), requestedAt }),
    );
    expect(replay).toMatchObject({ success: true, prior_execution: true, url: first.url });
    const r = requests(at);
    expect(r.writes).toHaveLength(0);
    expect(f.log.slice(at).filter((x) => x.method !== 'GET')).toHaveLength(0);
    expect(r.lists).toHaveLength(1);
  });

  it('the same request with another payload is still refused', async () => {
    const request = `c-${op}`;
    await runGate(
      command(op, request),
      f.deps({ auditDir: await mkdtemp(join(f.auditDir, 'c1-')), requestedAt }),
    );
    const at = f.log.length;
    const other = await runGate(
      command(op, request, 'Another text.'),
      f.deps({ auditDir: await mkdtemp(join(f.auditDir, 'c2-')), requestedAt }),
    );
    expect(other.success).toBe(false);
    expect(other.message).toContain('another payload');
    expect(f.log.slice(at).filter((x) => x.method !== 'GET')).toHaveLength(0);
  });
});

describe('requestedAt values', () => {
  it.each([
    ['2026-06-01T00:00:00Z', '2026-06-01T00:00:00Z'],
    ['2026-06-01T02:00:00+02:00', '2026-06-01T00:00:00Z'],
    // Truncated, never rounded up: a later bound could hide a run made in that second.
    ['2026-06-01T00:00:00.999Z', '2026-06-01T00:00:00Z'],
    ['2026-06-01t00:00:00z', '2026-06-01T00:00:00Z'],
  ])('"%s" bounds the probes at %s', (raw, want) => {
    expect(requestTime(raw)).toBe(want);
  });

  it.each(['yesterday', '2026-06-01', '2026-06-01 00:00:00', '2026-13-01T00:00:00Z', ''])(
    '"%s" is refused before any request',
    async (raw) => {
      const at = f.log.length;
      await expect(runGate(command('create_issue', 'bad'), f.deps({ requestedAt: raw }))).rejects.toThrow(
        GateInputError,
      );
      await expect(runGate(command('create_issue', 'bad'), f.deps({ requestedAt: raw }))).rejects.toThrow(
        /"requestedAt" must be an RFC 3339 date-time/,
      );
      expect(f.log.length).toBe(at);
    },
  );
});
