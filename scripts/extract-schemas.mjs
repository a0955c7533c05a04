/**
 * Re-creates scripts/vendor/schemas/github-{workflow,action}.json from the npm package that ships
 * SchemaStore's schemas embedded verbatim: `npm pack @action-validator/core@0.6.0`, unpack,
 * then `node scripts/extract-schemas.mjs package/action_validator_bg.wasm`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmPath] = process.argv.slice(2);
if (!wasmPath) {
  process.stderr.write('usage: node scripts/extract-schemas.mjs <path to action_validator_bg.wasm>\n');
  process.exit(2);
}
const text = readFileSync(wasmPath).toString('utf8');
for (const name of ['github-action.json', 'github-workflow.json']) {
  const at = text.indexOf(`"$id": "https://json.schemastore.org/${name}"`);
  if (at < 0) throw new Error(`"${name}" is not embedded in "${wasmPath}"`);
  const start = text.lastIndexOf('{', at);
  let depth = 0;
  let inString = false;
  let escaped = false;
  let end = -1;
  for (let i = start; i < text.length && end < 0; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) end = i;
  }
  const json = text.slice(start, end + 1);
  JSON.parse(json);
  writeFileSync(new URL(`./vendor/schemas/${name}`, import.meta.url), `${json}\n`);
  process.stdout.write(`wrote scripts/vendor/schemas/${name} (${json.length} bytes)\n`);
}
