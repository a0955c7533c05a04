/**
 * `stableJson` for the site's hot path: the same bytes (keys sorted, two-space indent, trailing
 * LF), but objects whose keys are already in order are serialized as they are instead of being
 * copied first.
 */

/** Same output as `stableJson` in `src/cache/artifact.ts`; copies only what is out of order. */
export function sortedJson(value: unknown): string {
  return `${JSON.stringify(sorted(value), null, 2)}\n`;
}

function sorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const s = sorted(item);
      if (out) out.push(s);
      else if (s !== item) {
        out = value.slice(0, i);
        out.push(s);
      }
    }
    return out ?? value;
  }
  const keys = Object.keys(value);
  // A class instance (a Date, say) becomes a plain object of its own keys, as `stableJson` does.
  let copy = Object.getPrototypeOf(value) !== Object.prototype;
  for (let i = 1; i < keys.length && !copy; i++) copy = keys[i - 1]! > keys[i]!;
  const record = value as Record<string, unknown>;
  if (!copy) {
    for (const k of keys) {
      const v = record[k];
      if (sorted(v) !== v) {
        copy = true;
        break;
      }
    }
    if (!copy) return value;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = sorted(record[k]);
  return out;
}
