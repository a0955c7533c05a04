/** Validation of entries built in code (the gate's metadata PRs), with the parser's rules. */
import { checkFields } from './fields.ts';
import { DEFAULT_MAX_BODY_BYTES, ENTRY_KEYS, type Entry, type EntryProblem } from './model.ts';

/** Every problem of an entry built in code; an empty list means `serializeEntry` writes a valid file. */
export function validateEntry(entry: Entry, opts: { path: string; maxBodyBytes?: number }): EntryProblem[] {
  const file = opts.path;
  const problems: EntryProblem[] = [];
  const raw: Record<string, unknown> = {};
  for (const key of ENTRY_KEYS) raw[key] = entry[key];
  const extra = entry.extra ?? {};
  for (const key of Object.keys(extra)) {
    if ((ENTRY_KEYS as readonly string[]).includes(key)) {
      problems.push({
        file,
        field: key,
        line: null,
        message: `"extra" must not hold the known key "${key}"; set the field itself`,
      });
    }
  }
  const { problems: fieldProblems } = checkFields(raw, { file, lineOf: () => null, sourceOf: () => null });
  problems.push(...fieldProblems);
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (typeof entry.body !== 'string') {
    problems.push({ file, field: 'body', line: null, message: '"body" must be a string' });
  } else if (Buffer.byteLength(entry.body, 'utf8') > maxBodyBytes) {
    const size = Buffer.byteLength(entry.body, 'utf8');
    problems.push({
      file,
      field: 'body',
      line: null,
      message: `body is ${size} bytes, over the limit of ${maxBodyBytes}; split it or move material into linked files`,
    });
  }
  return problems;
}
