/** The simulator's clock: real time by default, a fixed stepping clock while seeding. */

/** Anything that tells the time. */
export interface Clock {
  now(): Date;
}

/** A clock that can switch between wall time and a deterministic sequence. */
export class SimClock implements Clock {
  private fixed: { next: number; stepMs: number } | null = null;

  /** Every `now()` returns `start`, then `start + stepMs`, `start + 2 * stepMs`, ... */
  useFixed(start: Date | string, stepMs = 60_000): void {
    this.fixed = { next: new Date(start).getTime(), stepMs };
  }

  /** Back to wall time. */
  useReal(): void {
    this.fixed = null;
  }

  /** True while the deterministic sequence is in use. */
  get isFixed(): boolean {
    return this.fixed !== null;
  }

  now(): Date {
    if (!this.fixed) return new Date(Math.floor(Date.now() / 1000) * 1000);
    const t = this.fixed.next;
    this.fixed.next += this.fixed.stepMs;
    return new Date(t);
  }
}

/** RFC 3339 at second precision, as Gitea renders times (`2024-01-02T03:04:05Z`). */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
