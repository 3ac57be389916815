import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, describeError } from '../../lib/errors.js';
import { maxChunkSize } from '../chunker/chunker.js';
import type { MasterKey } from '../crypto.js';
import type { SealedBlob } from '../repository/pack.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';

/** One chunk of a stream: its storage id (SHA-256 of the plaintext) and the plaintext. */
export interface Chunk {
  id: string;
  data: Uint8Array;
}

export interface PoolOptions {
  key: MasterKey;
  polynomial: bigint;
  compression: boolean;
  /** Worker threads; by default one per core, at most 8. */
  workers?: number;
}

interface Job {
  worker: number;
  bytes: number;
  resolve(blob: SealedBlob): void;
  reject(err: Error): void;
}

/** Wakes whoever waits on a stream (its reader or its consumer); each re-checks its own condition. */
class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

interface Stream {
  worker: number;
  chunks: Chunk[];
  /** Bytes sent to the worker and not yet taken by the consumer: the stream's memory, capped. */
  outstanding: number;
  /** Bytes sent to the worker and not yet back as chunks: the worker's share of the work. */
  inWorker: number;
  ended: boolean;
  stopped: boolean;
  error: Error | undefined;
  signal: Signal;
}

/**
 * From dist the worker is plain JavaScript. From source (tests, `npm run dev`) it is TypeScript, and
 * workers inherit no module loader, so a two-line bootstrap registers tsx's before importing it.
 */
function startWorker(workerData: WorkerSetup): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./blob-worker.js', import.meta.url), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./blob-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/**
 * The backup's worker threads. Streams are chunked and hashed in a worker (each stream stays on one, which
 * keeps its chunker), new blobs are compressed and encrypted in the least busy one; buffers move between
 * threads without copies. Back-pressure: a stream sends at most one largest chunk ahead of what its
 * consumer took. A worker that dies fails every stream and job at once, and the pool with them.
 *
 * @example const pool = BlobPool.start({ key: repo.key, polynomial: repo.polynomial, compression: true })
 */
export class BlobPool {
  readonly workers: readonly Worker[];
  private readonly load: number[];
  private readonly streamCount: number[];
  private readonly jobs = new Map<number, Job>();
  private readonly streams = new Map<number, Stream>();
  /** Buffers the workers made and nobody else holds: these can be handed back without a copy. */
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(options: PoolOptions) {
    const size = Math.max(1, options.workers ?? Math.min(availableParallelism(), 8));
    const workerData: WorkerSetup = {
      encrypt: options.key.encrypt,
      macK: options.key.macK,
      macR: options.key.macR,
      polynomial: options.polynomial.toString(16),
      compression: options.compression,
    };
    this.workers = Array.from({ length: size }, (_, i) => {
      const worker = startWorker(workerData);
      worker.on('message', (message: FromWorker) => this.receive(i, message));
      worker.on('error', (err) => this.fail(new AppError('internal', `a backup worker failed: ${describeError(err)}`, { cause: err })));
      worker.on('messageerror', (err) => this.fail(new AppError('internal', `a backup worker sent an unreadable message: ${describeError(err)}`)));
      worker.on('exit', (code) => this.fail(new AppError('internal', `a backup worker stopped (exit code ${code})`)));
      return worker;
    });
    this.load = this.workers.map(() => 0);
    this.streamCount = this.workers.map(() => 0);
  }

  static start(options: PoolOptions): BlobPool {
    return new BlobPool(options);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Compresses and encrypts one blob in a worker. A buffer this pool produced moves there; any other is copied. */
  seal(plaintext: Uint8Array): Promise<SealedBlob> {
    if (this.failure) return Promise.reject(this.failure);
    const whole = plaintext.byteOffset === 0 && plaintext.byteLength === plaintext.buffer.byteLength;
    const data = whole && this.owned.delete(plaintext.buffer) ? plaintext : new Uint8Array(plaintext);
    const worker = this.leastLoaded(this.load);
    const job = this.nextId++;
    return new Promise<SealedBlob>((resolve, reject) => {
      this.jobs.set(job, { worker, bytes: data.length, resolve, reject });
      this.load[worker]! += data.length;
      this.post(worker, { kind: 'seal', job, data }, [data.buffer as ArrayBuffer]);
    });
  }

  /**
   * Chunks a stream in one worker and yields its chunks in order. The source is read ahead while the
   * consumer works; when the consumer stops early, reading stops too.
   */
  async *chunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Chunk> {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const stream: Stream = {
      worker: this.leastLoaded(this.streamCount.map((n, i) => n * maxChunkSize + this.load[i]!)),
      chunks: [],
      outstanding: 0,
      inWorker: 0,
      ended: false,
      stopped: false,
      error: undefined,
      signal: new Signal(),
    };
    this.streams.set(id, stream);
    this.streamCount[stream.worker]! += 1;
    void this.pump(id, stream, source);
    try {
      for (;;) {
        const chunk = stream.chunks.shift();
        if (chunk) {
          stream.outstanding -= chunk.data.length;
          stream.signal.notify();
          yield chunk;
          continue;
        }
        if (stream.error) throw stream.error;
        if (stream.ended) return;
        await stream.signal.wait();
      }
    } finally {
      // A reader still waiting on its source sees this when the source answers, and posts nothing more.
      stream.stopped = true;
      stream.signal.notify();
      this.forget(id, stream, !stream.ended);
    }
  }

  /** Reads the source into the stream's worker, never more than one largest chunk ahead of the consumer. */
  private async pump(id: number, stream: Stream, source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const buf of source) {
        while (stream.outstanding >= maxChunkSize && !stream.stopped && !stream.error) await stream.signal.wait();
        if (stream.stopped || stream.error) return;
        // A copy the worker can own: the source may reuse its buffers or share their memory.
        const data = new Uint8Array(buf);
        stream.outstanding += data.length;
        stream.inWorker += data.length;
        this.load[stream.worker]! += data.length;
        this.post(stream.worker, { kind: 'data', stream: id, data }, [data.buffer]);
      }
      if (!stream.stopped && !stream.error) this.post(stream.worker, { kind: 'end', stream: id });
    } catch (err) {
      stream.error ??= err instanceof Error ? err : new Error(String(err));
      stream.signal.notify();
    }
  }

  private forget(id: number, stream: Stream, drop: boolean): void {
    if (!this.streams.delete(id)) return;
    this.streamCount[stream.worker]! -= 1;
    this.load[stream.worker]! -= stream.inWorker;
    if (drop && !this.failure) this.post(stream.worker, { kind: 'drop', stream: id });
  }

  private receive(worker: number, message: FromWorker): void {
    switch (message.kind) {
      case 'chunk': {
        const stream = this.streams.get(message.stream);
        if (!stream) return;
        this.owned.add(message.data.buffer);
        stream.inWorker -= message.data.length;
        this.load[worker]! -= message.data.length;
        stream.chunks.push({ id: message.id, data: message.data });
        stream.signal.notify();
        return;
      }
      case 'ended': {
        const stream = this.streams.get(message.stream);
        if (!stream) return;
        stream.ended = true;
        stream.signal.notify();
        return;
      }
      case 'sealed': {
        const job = this.jobs.get(message.job);
        if (!job) return;
        this.jobs.delete(message.job);
        this.load[job.worker]! -= job.bytes;
        job.resolve({ sealed: message.sealed, ...(message.uncompressedLength === undefined ? {} : { uncompressedLength: message.uncompressedLength }) });
        return;
      }
    }
  }

  private post(worker: number, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.workers[worker]!.postMessage(message, transfer);
  }

  private leastLoaded(weights: readonly number[]): number {
    let best = 0;
    for (let i = 1; i < weights.length; i++) if (weights[i]! < weights[best]!) best = i;
    return best;
  }

  /** The first failure wins: every waiting job and stream gets it, and the remaining workers are stopped. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const job of this.jobs.values()) job.reject(err);
    this.jobs.clear();
    for (const stream of this.streams.values()) {
      stream.error ??= err;
      stream.signal.notify();
    }
    for (const worker of this.workers) void worker.terminate();
  }

  /** Stops the workers; anything still waiting on them fails. Safe to call more than once. */
  async close(): Promise<void> {
    this.fail(new AppError('internal', 'the backup worker pool was closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
