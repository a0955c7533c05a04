/**
 * `npm run build [-- --out DIR]`: bundles the action (src/action.ts) into DIR (default dist/):
 *   index.js, *-HASH.js ESM, every dependency inlined (no npm install at run time); the
 *                       commands' chunk loads after the outputs' defaults are set
 *   render-worker.js    the site build's helper worker thread
 *   better_sqlite3.node the better-sqlite3 addon, loaded from beside index.js
 *   native.json         the Node ABI, platform and arch the addon was built for
 *   package.json        {"type":"module"}, so node runs index.js as ESM wherever dist/ is copied
 * The JavaScript is deterministic: the same sources and lockfile give the same bytes.
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'package.json'));

const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
const out = resolve(ROOT, values.out ?? 'dist');

/**
 * better-sqlite3 finds its addon through the `bindings` package, which searches
 * node_modules paths that do not exist beside a bundle. This replaces it with a loader that
 * takes the addon from the bundle's own directory.
 */
const bindingsBesideBundle = {
  name: 'bindings-beside-bundle',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'rfc-bindings' }));
    b.onLoad({ filter: /.*/, namespace: 'rfc-bindings' }, () => ({
      loader: 'js',
      // CommonJS, as better-sqlite3 calls it with require(); `__rfcRequire` comes from the banner.
      contents: "module.exports = function bindings(name) { return __rfcRequire('./' + name); };",
    }));
  },
};

await mkdir(out, { recursive: true });
// Chunk names carry a content hash: drop the previous build's so none is left behind.
for (const name of await readdir(out)) if (name.endsWith('.js')) await rm(join(out, name));
const started = performance.now();
await build({
  absWorkingDir: ROOT,
  // The site's helper worker thread: found beside the chunk that starts it, so large site
  // builds use a second core (without it they run on one thread).
  entryPoints: { index: 'src/action.ts', 'render-worker': 'src/site/render-worker.ts' },
  outdir: out,
  // The entry sets the outputs' defaults and masks the tokens before the commands' chunk loads.
  splitting: true,
  // Beside index.js: the addon loader resolves `./better_sqlite3.node` from the chunk it is in.
  chunkNames: '[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
  // CommonJS dependencies call require(); in an ESM bundle it must be made.
  banner: {
    js: "import { createRequire as __rfcCreateRequire } from 'node:module'; const __rfcRequire = __rfcCreateRequire(import.meta.url); const require = __rfcRequire;",
  },
  plugins: [bindingsBesideBundle],
});

const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(await readFile(join(sqliteDir, 'package.json'), 'utf8')).version;
const native = {
  abi: process.versions.modules,
  arch: process.arch,
  betterSqlite3: sqliteVersion,
  node: process.versions.node.split('.')[0],
  platform: process.platform,
};
const nativeJson = `${JSON.stringify(native, null, 2)}\n`;
const previous = await readFile(join(out, 'native.json'), 'utf8').catch(() => null);
const addon = join(out, 'better_sqlite3.node');
// A compiled addon's bytes differ from build to build: keep the shipped one while it is the
// same version for the same ABI and platform, so a rebuild does not churn a 2 MB binary.
if (previous !== nativeJson || !(await stat(addon).catch(() => null))) {
  await copyFile(join(sqliteDir, 'build', 'Release', 'better_sqlite3.node'), addon);
}
await writeFile(join(out, 'native.json'), nativeJson);
await writeFile(join(out, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
process.stdout.write(
  `built ${out} in ${Math.round(performance.now() - started)} ms (node ABI ${native.abi})\n`,
);
