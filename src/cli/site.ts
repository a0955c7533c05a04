/** `rfc-actions site --cache DIR --out DIR [--base-url URL] [--json]`: builds the static site from the artifact. */
import { buildSite } from '../site/build.ts';
import { CliUsageError, parseVerbArgs } from './common.ts';

const USAGE = `usage: rfc-actions site --cache DIR --out DIR [--base-url URL] [--json]

Builds the static site (index, RFC, tag, people and problems pages, search, Atom feed, JSON API)
from the cache artifact. Rewrites only files whose bytes changed.

options:
  --cache DIR       the artifact directory (cache-artifacts/)
  --out DIR         the output directory
  --base-url URL    where the site is published (https://host/path/ or /path/); makes feed and API links absolute
  --json            print {pagesWritten, pagesUnchanged, pagesDeleted, durationMs, ...} as JSON`;

const OPTIONS = {
  cache: { type: 'string' },
  out: { type: 'string' },
  'base-url': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Parses argv, builds the site, prints a summary (or JSON) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs(argv, OPTIONS, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.cache) throw new CliUsageError('missing "--cache DIR"', USAGE);
  if (!values.out) throw new CliUsageError('missing "--out DIR"', USAGE);
  const result = await buildSite({ cacheDir: values.cache, outDir: values.out, baseUrl: values['base-url'] });
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      `site: ${result.rfcs} RFCs, ${result.pagesWritten} files written, ${result.pagesUnchanged} unchanged, ${result.pagesDeleted} deleted in ${result.durationMs} ms -> ${result.outDir}\n`,
    );
  }
  return 0;
}
