/**
 * A helper worker thread for rendering bodies, so a large build uses both cores. The main thread
 * never waits for it: it renders too and the worker takes chunks once it is ready. When the
 * worker cannot start (a single-file bundle without the worker file, no TypeScript loader), the
 * main thread simply renders everything.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LinkBase, RenderedBody } from './markdown.ts';
import type { RenderRequest } from './render-worker.ts';

export interface RenderJob {
  body: string;
  base: LinkBase;
}

interface Pending {
  resolve(out: RenderedBody[]): void;
  reject(e: Error): void;
}

function startWorker(): Worker | null {
  const js = new URL('./render-worker.js', import.meta.url);
  const ts = new URL('./render-worker.ts', import.meta.url);
  try {
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
      w.on('message', (msg: { ready?: boolean; id?: number; out?: RenderedBody[] }) => {
        if (msg.ready) {
          resolve(true);
          return;
        }
        const p = this.pending.get(msg.id!);
        if (!p) return;
        this.pending.delete(msg.id!);
        p.resolve(msg.out!);
      });
    });
  }

  /** Renders `jobs` on the worker, in order. Only call after `ready` resolved true. */
  render(jobs: RenderJob[]): Promise<RenderedBody[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, jobs } satisfies RenderRequest);
    });
  }

  async close(): Promise<void> {
    this.worker?.removeAllListeners('exit');
    await this.worker?.terminate();
  }
}
