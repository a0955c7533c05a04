/**
 * A helper worker thread that builds RFC files (render, page, JSON, write), so a large build uses
 * both cores. Both threads take the next RFCs from one shared counter, so neither waits for the
 * other between RFCs, and the main thread never waits for the worker to start: when it runs out
 * of RFCs before the worker has begun, it cancels the worker's share. When the worker cannot start
 * (a bundle without the worker file, no TypeScript loader), the main thread builds everything.
 *
 * One worker serves every build of a process: like the main thread, it keeps its loaded modules and
 * compiled code from one build to the next. It does not keep the process alive between builds.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './render-worker.ts';
import {
  jobAt,
  jobCount,
  type RfcFilesJob,
  type RfcFilesResult,
  type RfcFilesSetup,
  type RfcSource,
} from './rfc-files.ts';

/** Slots of a run's shared counter: the next job to claim, and whether the worker has begun. */
export const NEXT = 0;
export const STATE = 1;
/** RFCs a thread claims at once: rendered in a row, then built into files. */
export const BATCH = 16;
/** Values of `STATE`: the worker has not begun, is taking jobs, or must not take any. */
export const IDLE = 0;
export const WORKING = 1;
export const CANCELLED = 2;

/**
 * Claims the next `BATCH` jobs from `shared[NEXT]` until none is left, the way both threads take
 * their share of one build; `each` gets the position of the batch's first job and the batch.
 */
export function claimBatches(
  shared: Int32Array,
  jobs: RfcFilesJob[] | number,
  each: (start: number, batch: RfcFilesJob[]) => void,
): void {
  const count = jobCount(jobs);
  for (let i = Atomics.add(shared, NEXT, BATCH); i < count; i = Atomics.add(shared, NEXT, BATCH)) {
    const batch: RfcFilesJob[] = [];
    for (let k = i; k < Math.min(count, i + BATCH); k++) batch.push(jobAt(jobs, k));
    each(i, batch);
  }
}

function startWorker(script: URL | undefined): Worker | null {
  try {
    if (script) return new Worker(script);
    // In a CommonJS bundle import.meta.url is undefined and `new URL` throws: no helper then.
    const js = new URL('./render-worker.js', import.meta.url);
    const ts = new URL('./render-worker.ts', import.meta.url);
    if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return new Worker(js);
    if (ts.protocol === 'file:' && existsSync(fileURLToPath(ts))) {
      // Running from source (tsx): worker threads do not inherit the loader, so register it first.
      const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); });`;
      return new Worker(boot, { eval: true });
    }
  } catch {
    return null;
  }
  return null;
}

/** What the worker built in one run: results by job index, and why it stopped early, if it did. */
export interface HelperOutcome {
  results: Map<number, RfcFilesResult>;
  error?: string;
}

/** One build's share of the worker. */
export interface HelperRun {
  /** resolves true once the worker has begun taking this run's jobs, false when it never will */
  started(): Promise<boolean>;
  /**
   * Called when the main thread has no job left: the worker's results, at once and empty when it
   * had not begun (it is then cancelled and never takes a job of this run). Later calls return
   * the first call's answer.
   */
  finish(): Promise<HelperOutcome>;
}

interface Pending {
  begin(started: boolean): void;
  settle(outcome: HelperOutcome): void;
}

/** A helper worker thread that builds RFC files for one run after another. */
export class RenderHelper {
  private readonly worker: Worker | null;
  private readonly runs = new Map<number, Pending>();
  private nextId = 0;
  private dead: string | null = null;

  /** Starts loading the worker now (`script`: the worker module; by default the one beside this file). */
  constructor(readonly script?: URL) {
    this.worker = startWorker(script);
    const w = this.worker;
    if (!w) {
      this.dead = 'the render worker could not start';
      return;
    }
    w.unref();
    const fail = (e?: unknown) => {
      this.dead = e instanceof Error ? e.message : 'render worker exited';
      for (const run of this.runs.values()) run.settle({ results: new Map(), error: this.dead });
      this.runs.clear();
    };
    w.on('error', fail);
    w.on('exit', () => fail());
    w.on('message', (msg: WorkerReply) => {
      const run = this.runs.get(msg.id);
      if (!run) return;
      if ('started' in msg) {
        run.begin(msg.started);
        return;
      }
      this.runs.delete(msg.id);
      run.settle({ results: new Map(msg.results), ...(msg.error ? { error: msg.error } : {}) });
    });
  }

  /** false once the worker has failed or exited: a new one is needed. */
  get alive(): boolean {
    return this.dead === null;
  }

  /**
   * Hands the worker every job of one build; it claims them `BATCH` at a time through `shared[NEXT]`
   * (an `Int32Array` on a `SharedArrayBuffer`) alongside the main thread. `jobs` as a number `n`
   * means every record of `source`, 0 to n - 1.
   */
  run(setup: RfcFilesSetup, source: RfcSource, jobs: RfcFilesJob[] | number, shared: Int32Array): HelperRun {
    const id = this.nextId++;
    let begin: (started: boolean) => void = () => {};
    let settle: (outcome: HelperOutcome) => void = () => {};
    const started = new Promise<boolean>((resolve) => {
      begin = resolve;
    });
    const done = new Promise<HelperOutcome>((resolve) => {
      settle = resolve;
    });
    const w = this.worker;
    if (!w || this.dead !== null) {
      begin(false);
      settle({ results: new Map() });
    } else {
      this.runs.set(id, {
        begin,
        settle: (outcome) => {
          begin(false);
          settle(outcome);
        },
      });
      w.postMessage({ id, setup, source, jobs, shared } satisfies WorkerRequest);
    }
    const held = <T>(p: Promise<T>): Promise<T> => {
      // Waiting on the worker must keep the process alive; an idle worker must not.
      w?.ref();
      return p.finally(() => w?.unref());
    };
    let finished: Promise<HelperOutcome> | null = null;
    return {
      started: () => held(started),
      // The same answer however often it is asked (a build that fails after finishing asks again).
      finish: () => {
        if (finished) return finished;
        if (Atomics.compareExchange(shared, STATE, IDLE, CANCELLED) === IDLE) {
          this.runs.delete(id);
          begin(false);
          settle({ results: new Map() });
          finished = Promise.resolve({ results: new Map() });
        } else {
          finished = held(done);
        }
        return finished;
      },
    };
  }

  async close(): Promise<void> {
    this.dead ??= 'closed';
    this.worker?.removeAllListeners('exit');
    await this.worker?.terminate();
  }
}

let shared: RenderHelper | null = null;

/** The process's helper worker for `script` (started on first use, restarted after a failure). */
export function sharedHelper(script?: URL): RenderHelper {
  if (!shared?.alive || shared.script?.href !== script?.href) {
    void shared?.close();
    shared = new RenderHelper(script);
  }
  return shared;
}
