/**
 * The command-line entry: `rfc-actions <verb> [options]`.
 * Each verb lives in `src/cli/<verb>.ts`, turns argv into typed options, calls the verb's
 * `run(options, deps)` and prints the typed result. Nothing below `src/cli/` reads argv.
 */
import { CliUsageError, type VerbModule } from './cli/common.ts';

const VERBS: Record<string, { summary: string; load: () => Promise<VerbModule> }> = {
  sim: { summary: 'run the Gitea-compatible simulator', load: () => import('./cli/sim.ts') },
  reconcile: { summary: 'sweep Gitea into the cache artifact', load: () => import('./cli/reconcile.ts') },
  event: { summary: 'refresh the cache for one Actions event', load: () => import('./cli/event.ts') },
  gate: { summary: 'run one bot operation through the idempotent gate', load: () => import('./cli/gate.ts') },
  site: { summary: 'build the static site from the artifact', load: () => import('./cli/site.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  const lines = Object.entries(VERBS).map(([verb, v]) => `  ${verb.padEnd(width)}  ${v.summary}`);
  return `usage: rfc-actions <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'rfc-actions <command> --help' for the options of one command.`;
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(`${usage()}\n`);
    return verb === undefined ? 2 : 0;
  }
  const entry = VERBS[verb];
  if (!entry) throw new CliUsageError(`unknown command "${verb}"`, usage());
  const mod = await entry.load();
  return mod.main(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof CliUsageError) {
    process.stderr.write(`rfc-actions: ${e.message}\n\n${e.usage}\n`);
    process.exitCode = 2;
  } else {
    const err = e as Error;
    process.stderr.write(`rfc-actions: ${err.message}\n`);
    if (err.cause instanceof Error) process.stderr.write(`  caused by: ${err.cause.message}\n`);
    if (process.env.RFC_ACTIONS_DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
