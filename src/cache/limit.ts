/** Runs `fn` over `items` with at most `width` calls in flight, so a large sweep holds only a few responses at once. */
export async function eachLimit<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** A gate that runs at most `width` of the functions passed to it at once, in call order. */
export function limiter(width: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= width) await new Promise<void>((go) => waiting.push(go));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * Memoizes `start` per key: the first call starts it, later calls get the same promise. A
 * rejection is left for whoever awaits it, never reported as unhandled meanwhile.
 */
export function startOnce<K, T>(start: (key: K) => Promise<T>): (key: K) => Promise<T> {
  const started = new Map<K, Promise<T>>();
  return (key) => {
    let p = started.get(key);
    if (!p) {
      p = start(key);
      p.catch(() => {});
      started.set(key, p);
    }
    return p;
  };
}
