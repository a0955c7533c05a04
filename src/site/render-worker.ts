/** Worker thread that builds RFC files with the same code as the main thread (`rfc-files.ts`). */
import { parentPort } from 'node:worker_threads';
import { MarkdownRenderer } from './markdown.ts';
import { RfcFilesBuilder, type RfcFilesJob, type RfcFilesSetup } from './rfc-files.ts';

/** Messages to the worker: one `setup`, then `build` requests answered with the same `id`. */
export type WorkerRequest = { setup: RfcFilesSetup } | { id: number; jobs: RfcFilesJob[] };

const port = parentPort;
if (port) {
  const renderer = new MarkdownRenderer();
  let builder: RfcFilesBuilder | null = null;
  port.on('message', (msg: WorkerRequest) => {
    if ('setup' in msg) {
      builder = new RfcFilesBuilder(msg.setup, renderer);
      return;
    }
    try {
      port.postMessage({ id: msg.id, out: builder!.build(msg.jobs) });
    } catch (e) {
      port.postMessage({ id: msg.id, error: (e as Error).message });
    }
  });
  port.postMessage({ ready: true });
}
