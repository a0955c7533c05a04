/** Worker thread that renders bodies with the same Markdown pipeline as the main thread. */
import { parentPort } from 'node:worker_threads';
import { type LinkBase, MarkdownRenderer } from './markdown.ts';

/** One request to the worker: bodies to render, answered with the same `id`. */
export interface RenderRequest {
  id: number;
  jobs: { body: string; base: LinkBase }[];
}

const port = parentPort;
if (port) {
  const md = new MarkdownRenderer();
  port.on('message', (msg: RenderRequest) => {
    port.postMessage({ id: msg.id, out: msg.jobs.map((j) => md.render(j.body, j.base)) });
  });
  port.postMessage({ ready: true });
}
