/**
 * `git diff --numstat` line counts for one file pair, in-process. Counts follow git's xdiff
 * (xdiff-interface.c `trim_common_tail`, xprepare.c `xdl_trim_ends` / `xdl_cleanup_records` /
 * `xdl_clean_mmatch`, then a minimal Myers diff on the remaining lines), so they match git's even
 * where its line-discarding heuristic makes the diff non-minimal.
 */

/** git's `FIRST_FEW_BYTES`: a NUL among them makes a blob binary (numstat prints `-`). */
const FIRST_FEW_BYTES = 8000;
/** xdiff's `XDL_MAX_EQLIMIT`, `XDL_SIMSCAN_WINDOW`, `XDL_KPDIS_RUN`. */
const MAX_EQLIMIT = 1024;
const SIMSCAN_WINDOW = 100;
const KPDIS_RUN = 4;
/**
 * Beyond this edit cost xdiff may switch to its approximate heuristics (`XDL_HEUR_MIN_COST`,
 * `XDL_MAX_COST_MIN`, both 256, counted from both ends); the caller then asks git itself.
 */
const MAX_EXACT_COST = 256;

/** Whether git treats the content as binary (`buffer_is_binary`). */
export function isBinary(data: Buffer): boolean {
  return data.subarray(0, FIRST_FEW_BYTES).includes(0);
}

function trimCommonTail(a: Buffer, b: Buffer): [Buffer, Buffer] {
  const blk = 1024;
  const smaller = Math.min(a.length, b.length);
  let trimmed = 0;
  while (
    blk + trimmed <= smaller &&
    a.compare(
      b,
      b.length - trimmed - blk,
      b.length - trimmed,
      a.length - trimmed - blk,
      a.length - trimmed,
    ) === 0
  ) {
    trimmed += blk;
  }
  let recovered = 0;
  const at = a.length - trimmed;
  while (recovered < trimmed) if (a[at + recovered++] === 0x0a) break;
  return [a.subarray(0, a.length - trimmed + recovered), b.subarray(0, b.length - trimmed + recovered)];
}

function records(data: Buffer): string[] {
  const text = data.toString('latin1');
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

function bogosqrt(n: number): number {
  let i = 1;
  for (let k = n; k > 0; k >>= 2) i <<= 1;
  return i;
}

function cleanMmatch(dis: Uint8Array, i: number, start: number, end: number): boolean {
  const s = i - start > SIMSCAN_WINDOW ? i - SIMSCAN_WINDOW : start;
  const e = end - i > SIMSCAN_WINDOW ? i + SIMSCAN_WINDOW : end;
  let rdis0 = 0;
  let rpdis0 = 1;
  for (let r = 1; i - r >= s; r++) {
    const d = dis[i - r];
    if (d === 0) rdis0++;
    else if (d === 2) rpdis0++;
    else break;
  }
  if (rdis0 === 0) return false;
  let rdis1 = 0;
  let rpdis1 = 1;
  for (let r = 1; i + r <= e; r++) {
    const d = dis[i + r];
    if (d === 0) rdis1++;
    else if (d === 2) rpdis1++;
    else break;
  }
  if (rdis1 === 0) return false;
  rdis1 += rdis0;
  rpdis1 += rpdis0;
  return rpdis1 * KPDIS_RUN < rpdis1 + rdis1;
}

/** The lines xdiff keeps for the diff proper (the others count as changed outright). */
function kept(own: string[], start: number, end: number, otherCount: Map<string, number>): string[] {
  const mlim = Math.min(bogosqrt(own.length), MAX_EQLIMIT);
  const dis = new Uint8Array(own.length + 1);
  for (let i = start; i <= end; i++) {
    const nm = otherCount.get(own[i]!) ?? 0;
    dis[i] = nm === 0 ? 0 : nm >= mlim ? 2 : 1;
  }
  const out: string[] = [];
  for (let i = start; i <= end; i++) {
    if (dis[i] === 1 || (dis[i] === 2 && !cleanMmatch(dis, i, start, end))) out.push(own[i]!);
  }
  return out;
}

/** Edit distance (insertions + deletions) of two line lists, or null above `max`. */
function editDistance(a: string[], b: string[], max: number): number | null {
  const n = a.length;
  const m = b.length;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return d;
    }
  }
  return null;
}

/**
 * Added and deleted lines between two text blobs as `git diff --numstat` counts them; null when
 * the edit is large enough that xdiff's approximations could differ (ask git then).
 */
export function lineStats(before: Buffer, after: Buffer): { additions: number; deletions: number } | null {
  const [a, b] = trimCommonTail(before, after);
  const ra = records(a);
  const rb = records(b);
  const countIn = (list: string[]) => {
    const m = new Map<string, number>();
    for (const r of list) m.set(r, (m.get(r) ?? 0) + 1);
    return m;
  };
  let start = 0;
  const lim = Math.min(ra.length, rb.length);
  while (start < lim && ra[start] === rb[start]) start++;
  let tail = 0;
  while (tail < lim - start && ra[ra.length - 1 - tail] === rb[rb.length - 1 - tail]) tail++;
  const endA = ra.length - tail - 1;
  const endB = rb.length - tail - 1;
  const keptA = kept(ra, start, endA, countIn(rb));
  const keptB = kept(rb, start, endB, countIn(ra));
  const d = editDistance(keptA, keptB, MAX_EXACT_COST);
  if (d === null) return null;
  const common = (keptA.length + keptB.length - d) / 2;
  return { additions: endB - start + 1 - common, deletions: endA - start + 1 - common };
}
