/** Reads entries from a local checkout of the meta repo with the `git` CLI: no API requests. */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `git -C dir ...args` and returns stdout; throws naming the command on failure. */
export async function git(dir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', dir, ...args], { maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (cause) {
    throw new Error(`"git ${args.join(' ')}" failed in "${dir}"`, { cause });
  }
}

/** The commit `HEAD` points at, or null when `dir` is not a git checkout. */
export async function headCommit(dir: string): Promise<string | null> {
  try {
    return (await git(dir, ['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  } catch {
    return null;
  }
}

/** True when the checkout lacks history (e.g. `actions/checkout` with the default depth 1). */
export async function isShallow(dir: string): Promise<boolean> {
  return (await git(dir, ['rev-parse', '--is-shallow-repository'])).trim() === 'true';
}

/** `rfcs/*.md` files (directly in `rfcs/`) at `commit`: path -> blob sha. */
export async function listEntryBlobs(dir: string, commit: string): Promise<Map<string, string>> {
  const out = await git(dir, ['ls-tree', '-z', commit, 'rfcs/']);
  const files = new Map<string, string>();
  for (const rec of out.split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(rfcs\/[^/]+\.md)$/.exec(rec);
    if (m) files.set(m[2]!, m[1]!);
  }
  return files;
}

/** The contents of many blobs through one `git cat-file --batch`. */
export async function readBlobs(dir: string, shas: string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  if (shas.length === 0) return result;
  const child = spawn('git', ['-C', dir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(`${shas.join('\n')}\n`);
  const code = await done;
  if (code !== 0) throw new Error(`"git cat-file --batch" failed in "${dir}" (exit ${code})`);
  const buf = Buffer.concat(chunks);
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString('utf8');
    const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
    if (!m) throw new Error(`"git cat-file --batch" in "${dir}" answered "${header}"; the object is missing`);
    const size = Number(m[3]);
    result.set(m[1]!, buf.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return result;
}

/** Entry paths removed somewhere in the history of `commit` and absent at `commit`, each with its last version. */
export async function deletedEntries(
  dir: string,
  commit: string,
  present: Set<string>,
): Promise<{ path: string; sha: string; text: string }[]> {
  const out = await git(dir, ['log', '--format=', '--name-only', '--diff-filter=D', commit, '--', 'rfcs/']);
  const paths = [
    ...new Set(out.split('\n').filter((p) => /^rfcs\/[^/]+\.md$/.test(p) && !present.has(p))),
  ].sort();
  const found: { path: string; sha: string }[] = [];
  for (const path of paths) found.push(await lastVersionOf(dir, commit, path));
  const texts = await readBlobs(
    dir,
    found.map((f) => f.sha),
  );
  return found.map((f) => ({ ...f, text: texts.get(f.sha) ?? '' }));
}

/** The blob of `path` just before the newest commit (from `commit` back) that touched it. */
export async function lastVersionOf(
  dir: string,
  commit: string,
  path: string,
): Promise<{ path: string; sha: string }> {
  const last = (await git(dir, ['rev-list', '-1', commit, '--', path])).trim();
  const sha = (await git(dir, ['rev-parse', `${last}^:${path}`])).trim();
  return { path, sha };
}

/** What `shallowFetch` did: the fetched tip, or why it failed, and the smart-HTTP requests it made. */
export type ShallowFetch =
  | { ok: true; commit: string; requests: number }
  | { ok: false; error: Error; requests: number };

/**
 * Fetches one branch of `url` (or, with `branch: 'HEAD'`, whatever the remote's HEAD names: its
 * default branch) at depth 1, with every blob, into the bare repo `dir` (created when missing).
 * The token goes in an `http.extraHeader` through `GIT_CONFIG_*` variables, never in argv or on
 * disk. Requests are counted from `GIT_TRACE_CURL`, even when the fetch fails.
 */
export async function shallowFetch(options: {
  dir: string;
  url: string;
  branch: string;
  token?: string;
}): Promise<ShallowFetch> {
  const { dir, url, branch } = options;
  await mkdir(dir, { recursive: true });
  const trace = join(dir, `trace-${process.pid}-${Date.now()}.log`);
  const env: Record<string, string | undefined> = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_TRACE_CURL: trace,
    GIT_TRACE_CURL_NO_DATA: '1',
    GIT_CONFIG_COUNT: '0',
  };
  if (options.token) {
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: token ${options.token}`;
  }
  const ref = `refs/remotes/meta/${branch}`;
  const source = branch === 'HEAD' ? 'HEAD' : `refs/heads/${branch}`;
  try {
    await run('git', ['init', '--quiet', '--bare', dir]);
    await run('git', ['-C', dir, 'fetch', '--quiet', '--no-tags', '--depth', '1', url, `+${source}:${ref}`], {
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    const commit = (await git(dir, ['rev-parse', '--verify', `${ref}^{commit}`])).trim();
    return { ok: true, commit, requests: await countRequests(trace) };
  } catch (cause) {
    return {
      ok: false,
      error: new Error(`shallow fetch of "${branch}" from "${url}" failed`, { cause }),
      requests: await countRequests(trace),
    };
  } finally {
    await rm(trace, { force: true });
  }
}

/** HTTP requests in a `GIT_TRACE_CURL` log (one "Send header" request line per round trip). */
async function countRequests(trace: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(trace, 'utf8');
  } catch {
    return 0;
  }
  return text.split('\n').filter((l) => /=> Send header: (GET|POST|HEAD) /.test(l)).length;
}

/** The tree sha of the top-level directory `name` at `commit`, or null when there is none. */
export async function treeOf(dir: string, commit: string, name: string): Promise<string | null> {
  const out = await git(dir, ['ls-tree', '-z', commit, '--', name]);
  for (const rec of out.split('\0')) {
    const m = /^\d+ tree ([0-9a-f]+)\t(.+)$/.exec(rec);
    if (m && m[2] === name) return m[1]!;
  }
  return null;
}
