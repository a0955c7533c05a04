/** `npm run bench -- <suite> [options]`: runs one benchmark suite and prints its report. */
const SUITES: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  sweep: () => import('./sweep.ts'),
  gate: () => import('./gate.ts'),
  site: () => import('./site.ts'),
  action: () => import('./action.ts'),
};

const [suite, ...rest] = process.argv.slice(2);
if (!suite || !SUITES[suite]) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(SUITES).join('|')}> [options]\n`);
  process.exitCode = 2;
} else {
  await (await SUITES[suite]()).main(rest);
}
