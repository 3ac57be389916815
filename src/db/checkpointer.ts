import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker copies the write-ahead log into the database file. */
const EVERY_MS = 1_000;
/** Pages of write-ahead log past which the main connection checkpoints itself (if the worker stopped): 40 MB. */
export const FALLBACK_PAGES = 10_000;

/*
 * The worker's whole program: plain JavaScript run with `eval`, so it needs no TypeScript loader (tsx, vitest)
 * in the thread. A PASSIVE checkpoint never waits for the writer or readers: it copies what it can.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.module);
const db = new SQLite(workerData.file);
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or gone: the next turn tries again */ }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints a SQLite database's write-ahead log from a thread of its own. SQLite otherwise checkpoints in
 * whichever commit grows the log past 1,000 pages, on the main thread: at 100,000 monitors that was a commit
 * of 130–430 ms every few seconds, holding every check and request meanwhile.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string) {
    this.worker = new Worker(PROGRAM, {
      eval: true,
      workerData: { file, module: createRequire(import.meta.url).resolve('better-sqlite3'), everyMs: EVERY_MS },
    });
    // A process that forgets to close its database still exits.
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // A failed worker leaves checkpoints to the main connection (FALLBACK_PAGES).
    this.worker.on('error', () => {});
  }

  /** Stops the worker and closes its connection (before the main one closes, so that one removes the log). */
  async stop(): Promise<void> {
    // Held until it has exited: a process with nothing else to do would otherwise end here, mid-close.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
