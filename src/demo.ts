/**
 * `npm run demo`: the whole main job on the simulator with the example meta repo.
 * Starts the simulator, sweeps it into a cache artifact, builds the static site, serves the
 * site on 127.0.0.1 and prints where everything is. `--once` builds, prints and exits.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { reconcile } from './cache/reconcile.ts';
import { GiteaClient } from './gitea/index.ts';
import { startSimulator } from './sim/index.ts';
import { buildSite } from './site/build.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/atom+xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves a directory read-only on 127.0.0.1; resolves once listening. */
function serveDir(root: string, port: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) throw new Error('outside');
      const info = await stat(file).catch(() => null);
      const target = info?.isDirectory() ? join(file, 'index.html') : file;
      const body = await readFile(target);
      res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { once: { type: 'boolean' }, port: { type: 'string' }, dir: { type: 'string' } },
  });
  const work = values.dir ?? (await mkdtemp(join(tmpdir(), 'rfc-actions-demo-')));
  const log = (line: string) => process.stderr.write(`${line}\n`);

  log('starting the Gitea simulator with the example meta repo ...');
  const sim = await startSimulator({ dataDir: join(work, 'gitea'), seed: 'example' });
  const client = new GiteaClient({ baseUrl: sim.url, token: sim.token });
  const out = join(work, 'cache-artifacts');
  log('sweeping Gitea into the cache artifact ...');
  const sweep = await reconcile({ out, metaRepo: sim.metaRepo, full: true }, { client });
  log(
    `  ${sweep.counts.rfcs} RFCs, ${sweep.counts.prs} PRs, ${sweep.counts.problems} problem entries, ${sweep.requests.total} requests`,
  );
  log('building the static site ...');
  const siteDir = join(work, 'site');
  const site = await buildSite({ cacheDir: out, outDir: siteDir });
  log(`  ${site.pagesWritten} pages written`);
  const server = await serveDir(siteDir, Number(values.port ?? 0));
  const address = server.address();
  const siteUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}/` : '';

  const summary = {
    gitea: sim.url,
    token: sim.token,
    metaRepo: sim.metaRepo,
    artifact: out,
    site: siteUrl,
    counts: sweep.counts,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  log('');
  log(`Gitea simulator  ${sim.url}/api/v1  (token ${sim.token})`);
  log(`  clone          git clone ${sim.url}/${sim.metaRepo}.git`);
  log(`cache artifact   ${out}`);
  log(`static site      ${siteUrl}`);

  const stop = async () => {
    server.close();
    await sim.close();
    if (!values.dir) await rm(work, { recursive: true, force: true });
  };
  if (values.once) {
    await stop();
    return;
  }
  log('\nPress Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stop();
}

try {
  await main();
} catch (e) {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
