/** Worker thread that builds RFC files with the same code as the main thread (`rfc-files.ts`). */
import { parentPort } from 'node:worker_threads';
import { MarkdownRenderer } from './markdown.ts';
import { CANCELLED, claimBatches, IDLE, STATE, WORKING } from './render-pool.ts';
import {
  RfcFilesBuilder,
  type RfcFilesJob,
  type RfcFilesResult,
  type RfcFilesSetup,
  RfcRecords,
  type RfcSource,
} from './rfc-files.ts';

/**
 * One build's message to the worker: where the records are, what to build, and the counter both
 * threads claim jobs from. `jobs` is a number `n` for "every record of the source, 0 to n - 1".
 */
export interface WorkerRequest {
  id: number;
  setup: RfcFilesSetup;
  source: RfcSource;
  jobs: RfcFilesJob[] | number;
  shared: Int32Array;
}

/** Messages from the worker about build `id`: whether it began, then what it built (by job index). */
export type WorkerReply =
  | { id: number; started: boolean }
  | { id: number; results: [number, RfcFilesResult][]; error?: string };

const port = parentPort;
if (port) {
  const renderer = new MarkdownRenderer();
  port.on('message', ({ id, setup, source, jobs, shared }: WorkerRequest) => {
    if (Atomics.compareExchange(shared, STATE, IDLE, WORKING) === CANCELLED) {
      port.postMessage({ id, started: false } satisfies WorkerReply);
      return;
    }
    port.postMessage({ id, started: true } satisfies WorkerReply);
    const results: [number, RfcFilesResult][] = [];
    try {
      const builder = new RfcFilesBuilder(setup, renderer);
      const records = new RfcRecords(source, false);
      claimBatches(shared, jobs, (start, batch) => {
        for (const [k, r] of builder.buildBatch(records, batch).entries()) results.push([start + k, r]);
      });
      port.postMessage({ id, results } satisfies WorkerReply);
    } catch (e) {
      // The main thread rebuilds every job this thread claimed but did not report.
      port.postMessage({ id, results, error: (e as Error).message } satisfies WorkerReply);
    }
  });
}
