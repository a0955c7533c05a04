/** Writes an entry in canonical form: fixed key order, flow lists, LF, dates as given. */
import { Document, isCollection, visit, YAMLMap } from 'yaml';
import { ENTRY_KEYS, type Entry } from './model.ts';

/** Serializes an entry to the text of `rfcs/<slug>.md`; null optional fields are left out. */
export function serializeEntry(entry: Entry): string {
  const doc = new Document(null, { version: '1.2', schema: 'core' });
  // Pairs are added one by one: a plain object would enumerate integer-like extra keys first.
  const map = new YAMLMap();
  for (const key of ENTRY_KEYS) {
    const value = entry[key];
    if (value === null || value === undefined) continue;
    map.items.push(doc.createPair(key, value));
  }
  for (const key of Object.keys(entry.extra).sort()) {
    if ((ENTRY_KEYS as readonly string[]).includes(key)) continue;
    map.items.push(doc.createPair(key, entry.extra[key]));
  }
  doc.contents = map;
  visit(doc, {
    Seq(_key, node) {
      if (node.items.every((item) => !isCollection(item))) node.flow = true;
    },
  });
  const yaml = doc.toString({ lineWidth: 0, flowCollectionPadding: false, indentSeq: true });
  const body = entry.body.replace(/\r\n/g, '\n');
  return `---\n${yaml}---\n${body}`;
}
