/**
 * Git smart HTTP at `/{owner}/{repo}.git/...` through `git http-backend` run as a CGI program.
 * Reads follow the repository's read permission; receive-pack needs write permission and a
 * token with `write:repository`. After a push the changed refs go through `refsUpdated`.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GIT_ENV } from './git.ts';
import { type GitHttpHandler, type RefChange, type SimCore, tokenAllows } from './server.ts';
import { PERMISSION_RANK, ZERO_SHA } from './store.ts';

function deny(res: ServerResponse, status: number, message: string): number {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (status === 401) headers['www-authenticate'] = 'Basic realm="Gitea"';
  res.writeHead(status, headers);
  res.end(`${message}\n`);
  return status;
}

/** Runs `git http-backend` for one request and streams its CGI response; resolves with the HTTP status. */
function runBackend(
  core: SimCore,
  req: IncomingMessage,
  res: ServerResponse,
  pathInfo: string,
  remoteUser: string,
  deferEnd = false,
): Promise<{ status: number; end: () => void }> {
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...GIT_ENV,
    GIT_PROJECT_ROOT: core.git.root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: pathInfo,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: remoteUser,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  const proto = req.headers['git-protocol'];
  if (typeof proto === 'string') env.GIT_PROTOCOL = proto;
  return new Promise((resolve) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let head = Buffer.alloc(0);
    let status = 200;
    let headersDone = false;
    const stderr: Buffer[] = [];
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.stdout.on('data', (d: Buffer) => {
      if (headersDone) {
        res.write(d);
        return;
      }
      head = Buffer.concat([head, d]);
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) return;
      headersDone = true;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10) || 200;
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      const rest = head.subarray(end + sep);
      if (rest.length > 0) res.write(rest);
    });
    child.on('close', (code) => {
      if (!headersDone) {
        const msg = Buffer.concat(stderr).toString('utf8');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`git http-backend failed (exit ${code}): ${msg}\n`);
        resolve({ status: 500, end: () => {} });
        return;
      }
      if (!deferEnd) res.end();
      resolve({ status, end: () => res.end() });
    });
    child.stdin.on('error', () => {});
    req.pipe(child.stdin);
  });
}

/** The git-over-HTTP handler for the server. */
export function createGitHttpHandler(core: SimCore): GitHttpHandler {
  return async (req, res, owner, name, rest, auth) => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const repo = core.store.repoByName(owner, name);
    const push =
      rest === '/git-receive-pack' ||
      (rest === '/info/refs' && url.searchParams.get('service') === 'git-receive-pack');
    if (auth.invalid) return deny(res, 401, 'invalid credentials');
    if (!repo) {
      if (!auth.user) return deny(res, 401, 'authentication required');
      return deny(res, 404, `repository "${owner}/${name}" not found`);
    }
    const permission = core.store.permission(repo, auth.user);
    const need = push ? 'write' : 'read';
    if (PERMISSION_RANK[permission] < PERMISSION_RANK[need] || !tokenAllows(auth.token, 'repository', need)) {
      if (!auth.user) return deny(res, 401, 'authentication required');
      return deny(
        res,
        403,
        `user "${auth.user.login}" may not ${push ? 'push to' : 'read'} "${repo.owner}/${repo.name}"`,
      );
    }
    const gitDir = core.git.pathOf(repo.owner, repo.name);
    const pathInfo = `/${repo.owner.toLowerCase()}/${repo.name.toLowerCase()}.git${rest}`;
    const remoteUser = auth.user?.login ?? '';
    if (!(push && rest === '/git-receive-pack') || !auth.user) {
      return (await runBackend(core, req, res, pathInfo, remoteUser)).status;
    }

    const pusher = auth.user;
    // The response ends only after the events and listeners ran, so a client that saw its push
    // succeed also sees the pull requests it moved.
    const { status, end, done } = await core.git.withLock(gitDir, async () => {
      core.git.invalidateRefs(gitDir);
      const before = new Map(await core.git.listRefs(gitDir));
      const { status, end } = await runBackend(core, req, res, pathInfo, remoteUser, true);
      core.git.invalidateRefs(gitDir);
      const after = await core.git.listRefs(gitDir);
      const changes: RefChange[] = [];
      for (const ref of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const oldSha = before.get(ref) ?? ZERO_SHA;
        const newSha = after.get(ref) ?? ZERO_SHA;
        if (oldSha !== newSha) changes.push({ ref, oldSha, newSha });
      }
      const done = core.refsUpdated(repo, changes, pusher);
      done.catch(() => undefined);
      return { status, end, done: [done] };
    });
    try {
      await done[0];
    } finally {
      end();
    }
    return status;
  };
}
