/** Writes an entry in canonical form: fixed key order, flow lists, LF, dates as given. */
import { Document, isSeq, visit } from 'yaml';
import { ENTRY_KEYS, type Entry } from './model.ts';

/** Serializes an entry to the text of `rfcs/<slug>.md`; null optional fields are left out. */
export function serializeEntry(entry: Entry): string {
  const data: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const key of ENTRY_KEYS) {
    const value = entry[key];
    if (value === null || value === undefined) continue;
    set(key, value);
  }
  for (const key of Object.keys(entry.extra).sort()) {
    if ((ENTRY_KEYS as readonly string[]).includes(key)) continue;
    set(key, entry.extra[key]);
  }
  const doc = new Document(data, { version: '1.2', schema: 'core' });
  visit(doc, {
    Seq(_key, node) {
      if (
        isSeq(node) &&
        node.items.every((item) => !(item !== null && typeof item === 'object' && 'items' in item))
      ) {
        node.flow = true;
      }
    },
  });
  const yaml = doc.toString({ lineWidth: 0, flowCollectionPadding: false, indentSeq: true });
  const body = entry.body.replace(/\r\n/g, '\n');
  return `---\n${yaml}---\n${body}`;
}
