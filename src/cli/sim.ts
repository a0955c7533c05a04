/** `rfc-actions sim`: runs the Gitea-compatible simulator until SIGTERM/SIGINT. */
import { type SimHandle, startSimulator } from '../sim/index.ts';
import { CliUsageError, parseVerbArgs, type VerbModule } from './common.ts';

const USAGE = `usage: rfc-actions sim [--port N] [--data DIR] [--seed example|empty] [--latency MS] [--host HOST]

Runs a Gitea 1.23-compatible simulator on real git repositories and prints one JSON line
{"url","token","org","metaRepo"} when ready. Stops cleanly on SIGTERM or SIGINT.

options:
  --port N          port to listen on (0, the default, picks a free port)
  --host HOST       address to bind (default 127.0.0.1)
  --data DIR        data dir (store, git repositories, events); by default a fresh temp dir,
                    removed on exit
  --seed NAME       "empty": org rfcs with an empty meta repo; "example": examples/scenario.json
  --latency MS      latency added to every request`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  data: { type: 'string' },
  seed: { type: 'string' },
  latency: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Typed options of the verb. */
export interface SimOptions {
  port: number;
  host: string;
  dataDir: string | undefined;
  seed: 'example' | 'empty' | 'none';
  latencyMs: number;
}

function intOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value))
    throw new CliUsageError(`"--${name}" must be a non-negative integer, got "${value}"`, USAGE);
  return Number(value);
}

/** Turns argv into options. */
export function parseOptions(argv: string[]): SimOptions | 'help' {
  const { values } = parseVerbArgs(argv, OPTIONS, USAGE);
  if (values.help) return 'help';
  const seed = values.seed ?? 'none';
  if (seed !== 'example' && seed !== 'empty' && seed !== 'none') {
    throw new CliUsageError(`"--seed" must be "example" or "empty", got "${seed}"`, USAGE);
  }
  const port = intOption('port', values.port, 0);
  if (port > 65535) throw new CliUsageError(`"--port" must be at most 65535, got ${port}`, USAGE);
  return {
    port,
    host: values.host ?? '127.0.0.1',
    dataDir: values.data,
    seed,
    latencyMs: intOption('latency', values.latency, 0),
  };
}

/** Starts the simulator and returns the ready line and the handle. */
export async function run(
  options: SimOptions,
  deps: { start?: typeof startSimulator } = {},
): Promise<{ handle: SimHandle; ready: { url: string; token: string; org: string; metaRepo: string } }> {
  const start = deps.start ?? startSimulator;
  const handle = await start({
    port: options.port,
    host: options.host,
    dataDir: options.dataDir,
    seed: options.seed,
    latencyMs: options.latencyMs,
  });
  return {
    handle,
    ready: { url: handle.url, token: handle.token, org: handle.org, metaRepo: handle.metaRepo },
  };
}

export async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { handle, ready } = await run(options);
  for (const s of handle.seedSkipped) process.stderr.write(`rfc-actions sim: seed: ${s}\n`);
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await handle.close();
  return 0;
}

export default { main } satisfies VerbModule;
