/**
 * The event recorder: every mutation is recorded as the payload Gitea Actions would deliver,
 * one file per event under `dataDir/events/`.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RecordedEvent {
  seq: number;
  name: string;
  file: string;
  payload: unknown;
}

/** Records events in order; the sequence survives restarts on the same data dir. */
export class EventRecorder {
  private readonly dir: string;
  private readonly events: RecordedEvent[] = [];
  private seq = 0;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'events');
    mkdirSync(this.dir, { recursive: true });
    for (const f of readdirSync(this.dir).sort()) {
      const m = /^(\d+)-(.+)\.json$/.exec(f);
      if (!m) continue;
      const file = join(this.dir, f);
      this.events.push({
        seq: Number(m[1]),
        name: m[2]!,
        file,
        payload: JSON.parse(readFileSync(file, 'utf8')),
      });
      this.seq = Math.max(this.seq, Number(m[1]));
    }
  }

  /** Writes `events/<seq>-<name>.json` and returns the recorded event. */
  record(name: string, payload: unknown): RecordedEvent {
    this.seq += 1;
    const file = join(this.dir, `${String(this.seq).padStart(6, '0')}-${name}.json`);
    writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
    const ev = { seq: this.seq, name, file, payload };
    this.events.push(ev);
    return ev;
  }

  list(): RecordedEvent[] {
    return [...this.events];
  }

  /** Forgets and deletes the recorded events; the sequence keeps counting. */
  clear(): void {
    for (const e of this.events) rmSync(e.file, { force: true });
    this.events.length = 0;
  }
}
