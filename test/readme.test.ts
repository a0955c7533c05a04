import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('README', () => {
  it('carries docs/install.md verbatim as its "Install in your Gitea" section', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const install = await readFile(join(root, 'docs', 'install.md'), 'utf8');
    expect(readme).toContain(install.trimEnd());
  });

  it('names the test command that .ci/run runs', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const ci = await readFile(join(root, '.ci', 'run'), 'utf8');
    expect(readme).toMatch(/```sh\nnpm test\n```/);
    expect(ci).toMatch(/^npm test\b/m);
  });
});
