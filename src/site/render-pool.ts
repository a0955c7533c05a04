/**
 * A helper worker thread that builds RFC files (render, page, JSON, write), so a large build uses both cores. The main thread
 * never waits for it: it renders too and the worker takes chunks once it is ready. When the
 * worker cannot start (a single-file bundle without the worker file, no TypeScript loader), the
 * main thread simply renders everything.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerRequest } from './render-worker.ts';
import type { RfcFilesJob, RfcFilesResult, RfcFilesSetup } from './rfc-files.ts';

interface Pending {
  resolve(out: RfcFilesResult[]): void;
  reject(e: Error): void;
}

function startWorker(): Worker | null {
  try {
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

/** One optional helper worker with a request/response protocol. */
export class RenderHelper {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  /** true once the worker has loaded the pipeline; false when it could not start */
  readonly ready: Promise<boolean>;
  private readonly worker: Worker | null;

  constructor() {
    this.worker = startWorker();
    const w = this.worker;
    if (!w) {
      this.ready = Promise.resolve(false);
      return;
    }
    this.ready = new Promise<boolean>((resolve) => {
      const fail = (e?: unknown) => {
        for (const p of this.pending.values())
          p.reject(e instanceof Error ? e : new Error('render worker exited'));
        this.pending.clear();
        resolve(false);
      };
      w.on('error', fail);
      w.on('exit', () => fail());
      w.on('message', (msg: { ready?: boolean; id?: number; out?: RfcFilesResult[]; error?: string }) => {
        if (msg.ready) {
          resolve(true);
          return;
        }
        const p = this.pending.get(msg.id!);
        if (!p) return;
        this.pending.delete(msg.id!);
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.resolve(msg.out!);
      });
    });
  }

  /** Tells the worker what it builds for (once, before `build`). */
  setup(setup: RfcFilesSetup): void {
    this.worker!.postMessage({ setup } satisfies WorkerRequest);
  }

  /** Builds and writes the files of `jobs` on the worker, in order. Only call after `ready` resolved true. */
  build(jobs: RfcFilesJob[]): Promise<RfcFilesResult[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, jobs } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    this.worker?.removeAllListeners('exit');
    await this.worker?.terminate();
  }
}
