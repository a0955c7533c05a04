/**
 * The `author` role and the `On-behalf-of` trailer: the trailer names the author only of an issue
 * or PR the gate's own user opened; anyone else's body cannot make a person its author.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Command, readAudit, runGate } from '../../src/gate/index.ts';
import { GiteaClient } from '../../src/gitea/client.ts';
import { type Fixture, META, RFC_REPO, sampleCommands, startFixture, writes } from './harness.ts';

let f: Fixture;
beforeEach(async () => {
  f = await startFixture();
}, 30_000);
afterEach(async () => {
  await f.close();
});

const TRAILER = '\n\nOn-behalf-of: Alice Example <alice>';
const split = (repo: string) => {
  const [owner, name] = repo.split('/');
  return { owner: owner!, repo: name! };
};
const as = (login: string) =>
  new GiteaClient({ baseUrl: f.sim.url, token: f.tokens[login]!, sleep: async () => {} });
const userReads = () => f.log.filter((r) => r.method === 'GET' && r.path === '/api/v1/user').length;

/** erin opens, as herself, an issue or PR whose body claims it was made for alice. */
async function forged(kind: 'issue' | 'pull'): Promise<number> {
  const res =
    kind === 'pull'
      ? await as('erin').request<{ number: number }>('POST', '/repos/{owner}/{repo}/pulls', {
          path: split(RFC_REPO),
          body: { head: 'work', base: 'main', title: 'Work one', body: `A change.${TRAILER}` },
        })
      : await as('erin').request<{ number: number }>('POST', '/repos/{owner}/{repo}/issues', {
          path: split(META),
          body: { title: 'Close me', body: `Please.${TRAILER}` },
        });
  return res.data.number;
}

/** The gate (as the fixture's job token) opens the same issue or PR for alice: its body carries the trailer. */
async function madeByGate(kind: 'issue' | 'pull'): Promise<number> {
  const s = sampleCommands('open-for-alice');
  const cmd: Command =
    kind === 'pull'
      ? s.open_branch_pr
      : { ...s.create_issue, actor: 'alice', payload: { title: 'Close me', body: 'Please.' } };
  const ack = await runGate(cmd, f.deps());
  expect(ack).toMatchObject({ success: true });
  return ack.number!;
}

function closeCommand(kind: 'issue' | 'pull', number: number, actor: string): Command {
  const s = sampleCommands(`close-${kind}-${actor}`);
  return kind === 'pull'
    ? { ...s.withdraw_branch_pr, actor, payload: { slug: 'live', number, where: 'rfc' } }
    : { ...s.close_issue, actor, payload: { number } };
}

async function stateOf(kind: 'issue' | 'pull', number: number): Promise<string> {
  const res = await f.admin.request<{ state: string }>(
    'GET',
    kind === 'pull' ? '/repos/{owner}/{repo}/pulls/{index}' : '/repos/{owner}/{repo}/issues/{index}',
    { path: { ...split(kind === 'pull' ? RFC_REPO : META), index: number } },
  );
  return res.data.state;
}

describe('a trailer in a body someone else opened names nobody', () => {
  test.each([
    [
      'pull',
      /^denied: "alice" may not run withdraw_branch_pr: it needs the author \("erin"\) or an owner of "live" \(held by "carol"\)/,
    ],
    [
      'issue',
      /^denied: "alice" may not run close_issue: it needs the author \("erin"\) or write access to "rfcs\/meta"/,
    ],
  ] as const)('%s: the person the forged trailer names is denied, nothing is written', async (kind, why) => {
    const number = await forged(kind);
    f.log.length = 0;
    const ack = await runGate(closeCommand(kind, number, 'alice'), f.deps());
    expect(ack.success).toBe(false);
    expect(ack.message).toMatch(why);
    expect(writes(f.log)).toEqual([]);
    expect((await readAudit(f.auditDir)).filter((r) => r.key === ack.key).map((r) => r.outcome)).toEqual([
      'denied',
    ]);
    expect(await stateOf(kind, number)).toBe('open');
  });

  test.each(['pull', 'issue'] as const)('%s: its real opener is its author', async (kind) => {
    const number = await forged(kind);
    const ack = await runGate(closeCommand(kind, number, 'erin'), f.deps());
    expect(ack).toMatchObject({ success: true, number });
    expect(await stateOf(kind, number)).toBe('closed');
  });
});

describe("the trailer of the gate's own issue or PR names its author", () => {
  // botLogin: what the caller says the gate's user is (undefined: the gate asks GET /user).
  test.each([
    ['pull', undefined, true, 1],
    ['pull', 'gitea-admin', true, 0],
    ['pull', 'GITEA-ADMIN', true, 0],
    ['pull', 'rfc-bot', false, 0],
    ['issue', undefined, true, 1],
    ['issue', 'gitea-admin', true, 0],
    ['issue', 'rfc-bot', false, 0],
  ] as const)(
    '%s, botLogin %s: the person it names may close it: %s (GET /user: %i)',
    async (kind, botLogin, allowed, reads) => {
      const number = await madeByGate(kind);
      f.log.length = 0;
      const ack = await runGate(closeCommand(kind, number, 'alice'), f.deps(botLogin ? { botLogin } : {}));
      expect(ack.success).toBe(allowed);
      expect(userReads()).toBe(reads);
      expect(await stateOf(kind, number)).toBe(allowed ? 'closed' : 'open');
      if (!allowed) {
        expect(ack.message).toContain('the author ("gitea-admin")');
        expect(writes(f.log)).toEqual([]);
      }
    },
  );

  test("a bystander's denial names the real author (one GET /user); a PR without a trailer asks nothing", async () => {
    const number = await madeByGate('pull');
    f.log.length = 0;
    const ack = await runGate(closeCommand('pull', number, 'erin'), f.deps());
    expect(ack.message).toContain('the author ("alice") or an owner of "live"');
    expect(userReads()).toBe(1);
    f.log.length = 0;
    expect(await runGate(sampleCommands('own').withdraw_branch_pr, f.deps())).toMatchObject({
      success: true,
    });
    expect(userReads()).toBe(0);
  });

  test.each([
    ['a 403 (no read:user scope) refuses, naming the fix', [403], false, 1],
    ['a 500 is asked again on the next attempt', [500], true, 2],
  ] as const)('GET /user: %s', async (_, statuses, allowed, asked) => {
    const number = await madeByGate('pull');
    const answers: number[] = [...statuses];
    let userCalls = 0;
    const gitea = new GiteaClient({
      baseUrl: f.sim.url,
      token: f.sim.token,
      sleep: async () => {},
      retries: 0,
      fetch: async (input, init) => {
        if (new URL(String(input instanceof Request ? input.url : input)).pathname === '/api/v1/user') {
          userCalls++;
          const status = answers.shift();
          if (status !== undefined) return new Response('{"message":"no"}', { status });
        }
        return fetch(input, init);
      },
    });
    const ack = await runGate(closeCommand('pull', number, 'alice'), { ...f.deps(), gitea });
    expect(ack.success).toBe(allowed);
    if (!allowed)
      expect(ack.message).toMatch(/^refused: cannot read the token's own user .*"read:user" scope/);
    expect(userCalls).toBe(asked);
    expect(await stateOf('pull', number)).toBe(allowed ? 'closed' : 'open');
  });
});
