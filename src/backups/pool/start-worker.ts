import { Worker } from 'node:worker_threads';
import type { WorkerSetup } from './messages.js';

/**
 * From dist the worker is plain JavaScript. From source (tests, `npm run dev`) it is TypeScript, and
 * workers inherit no module loader, so a two-line bootstrap registers tsx's before importing it.
 */
export function startWorker(workerData: WorkerSetup): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./blob-worker.js', import.meta.url), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./blob-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
