#!/usr/bin/env node
// Runs the CLI from source in a clone (tsx is a dev dependency), or from the bundle when present.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundled = join(root, 'dist', 'cli.js');
if (existsSync(bundled) && !existsSync(join(root, 'src', 'cli.ts'))) {
  await import(pathToFileURL(bundled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli.ts')).href);
}
