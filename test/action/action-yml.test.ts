// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not templates
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION_COMMANDS, INPUT_NAMES, OUTPUT_DEFAULTS } from '../../src/action/inputs.ts';
import { ROOT } from './build.ts';

interface ActionYml {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const load = async () => parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

describe('action.yml', () => {
  it('is a node20 JavaScript action running dist/index.js', async () => {
    expect((await load()).runs).toEqual({ using: 'node20', main: 'dist/index.js' });
  });

  it('declares exactly the inputs and outputs the code reads and sets, each described', async () => {
    const yml = await load();
    expect(Object.keys(yml.inputs)).toEqual([...INPUT_NAMES]);
    expect(Object.keys(yml.outputs).sort()).toEqual(Object.keys(OUTPUT_DEFAULTS).sort());
    for (const spec of [...Object.values(yml.inputs), ...Object.values(yml.outputs)]) {
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });

  it('takes the token from the job by default and names every command', async () => {
    const yml = await load();
    expect(yml.inputs.token?.default).toBe('${{ github.token }}');
    for (const c of ACTION_COMMANDS) expect(yml.inputs.command?.description).toContain(`\`${c}\``);
  });

  it('is documented input by input and output by output in docs/install.md', async () => {
    const doc = await readFile(join(ROOT, 'docs', 'install.md'), 'utf8');
    for (const name of [...INPUT_NAMES, ...Object.keys(OUTPUT_DEFAULTS)])
      expect(doc).toContain(`| \`${name}\` |`);
  });
});
