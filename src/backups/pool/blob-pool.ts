import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { AppError, describeError } from '../../lib/errors.js';
import { maxChunkSize } from '../chunker/chunker.js';
import type { MasterKey } from '../crypto.js';
import { forTransfer } from '../owned-buffers.js';
import { targetPackSize, type FinishedPack } from '../repository/pack.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';
import { startWorker } from './start-worker.js';

/** One chunk of a stream: its storage id (SHA-256 of the plaintext), its length, and where its bytes wait. */
export interface Chunk {
  id: string;
  length: number;
  /** The worker holding the bytes, and the chunk's number there. */
  worker: number;
  number: number;
}

/** Where the pool's packs go: the repository being written. */
export interface PackSink {
  readonly key: MasterKey;
  readonly polynomial: bigint;
  readonly compression: boolean;
  /** Uploads and indexes a pack; resolves when done (a failure is the sink's to report). */
  savePack(pack: FinishedPack): Promise<void>;
}

interface Job {
  worker: number;
  bytes: number;
  done(): void;
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

/** Plaintext sent to be sealed and not yet packed; past this, `seal` waits: the backup's back-pressure. */
const sealingBudget = 2 * targetPackSize;
/** Packs handed to the sink and not yet uploaded; past this, `seal` waits too. */
const uploadsAhead = 2;

/**
 * The backup's worker threads. A stream is chunked and hashed in one worker (which keeps its chunker
 * and the bytes of each chunk); the main thread hears only ids and lengths. A blob the repository does
 * not have yet is compressed, encrypted and packed where its bytes are, or handed over to a worker that
 * is less busy by more than a largest chunk (one big stream keeps every worker busy); one it has is let
 * go. Finished packs come back whole for upload. Buffers move between threads without copies, so the
 * main thread only reads files, decides what is new and uploads. A stream sends at most one largest
 * chunk ahead of what its consumer took. A worker that dies fails every stream and job at once, and
 * the pool with them.
 *
 * @example const pool = BlobPool.start(repo); for await (const c of pool.chunks(file)) if (repo.reserve(c.id)) await pool.seal(c); else pool.skip(c)
 */
export class BlobPool {
  readonly workers: readonly Worker[];
  private readonly load: number[];
  private readonly streamCount: number[];
  private readonly jobs = new Map<number, Job>();
  private readonly streams = new Map<number, Stream>();
  private readonly uploads = new Set<Promise<void>>();
  private readonly roomMade = new Signal();
  private sealingBytes = 0;
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly sink: PackSink,
    size: number,
  ) {
    const workerData: WorkerSetup = {
      encrypt: sink.key.encrypt,
      macK: sink.key.macK,
      macR: sink.key.macR,
      polynomial: sink.polynomial.toString(16),
      compression: sink.compression,
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

  /** Starts the workers for one backup into `sink`; by default one per core, at most 8. */
  static start(sink: PackSink, workers = Math.min(availableParallelism(), 8)): BlobPool {
    return new BlobPool(sink, Math.max(1, workers));
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Has a new blob sealed and packed; returns once there is room for more, not when it is done
   * (`flush` waits for that). Each chunk is either sealed or skipped, once.
   */
  async seal(chunk: Chunk): Promise<void> {
    this.throwIfFailed();
    const bytes = chunk.length;
    const least = this.leastLoaded(this.load);
    const worker = this.load[chunk.worker]! > this.load[least]! + maxChunkSize ? least : chunk.worker;
    const job = this.nextId++;
    this.jobs.set(job, {
      worker,
      bytes,
      done: () => {
        this.sealingBytes -= bytes;
        this.roomMade.notify();
      },
    });
    this.sealingBytes += bytes;
    this.load[worker]! += bytes;
    this.post(chunk.worker, { kind: worker === chunk.worker ? 'seal' : 'hand-over', job, chunk: chunk.number });
    while ((this.sealingBytes > sealingBudget || this.uploads.size >= uploadsAhead) && !this.failure) await this.roomMade.wait();
    this.throwIfFailed();
  }

  /** Lets go of a chunk the repository already has. */
  skip(chunk: Chunk): void {
    this.throwIfFailed();
    this.post(chunk.worker, { kind: 'skip', chunk: chunk.number });
  }

  /** Waits until every blob sent is sealed and every pack, the last partial ones included, is uploaded. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    // A blob handed over reaches its sealer only after the holder answers: a flush sent now could pass it.
    while (this.jobs.size > 0 && !this.failure) await this.roomMade.wait();
    this.throwIfFailed();
    await Promise.all(
      this.workers.map(
        (_, worker) =>
          new Promise<void>((done) => {
            const job = this.nextId++;
            this.jobs.set(job, { worker, bytes: 0, done });
            this.post(worker, { kind: 'flush', job });
          }),
      ),
    );
    this.throwIfFailed();
    while (this.uploads.size > 0) await Promise.race(this.uploads);
  }

  /**
   * Chunks a stream in one worker and yields its chunks in order. The source is read ahead while the
   * consumer works; when the consumer stops early, reading stops too.
   */
  async *chunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Chunk> {
    this.throwIfFailed();
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
          stream.outstanding -= chunk.length;
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
      this.forget(id, stream);
    }
  }

  /** Reads the source into the stream's worker, never more than one largest chunk ahead of the consumer. */
  private async pump(id: number, stream: Stream, source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const buf of source) {
        while (stream.outstanding >= maxChunkSize && !stream.stopped && !stream.error) await stream.signal.wait();
        if (stream.stopped || stream.error) return;
        const data = forTransfer(buf);
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

  /** Ends a stream; its worker lets go of its chunker and of any chunk of it still undecided (a consumer that stopped early). */
  private forget(id: number, stream: Stream): void {
    if (!this.streams.delete(id)) return;
    this.streamCount[stream.worker]! -= 1;
    this.load[stream.worker]! -= stream.inWorker;
    if (!this.failure) this.post(stream.worker, { kind: 'drop', stream: id });
  }

  private receive(worker: number, message: FromWorker): void {
    switch (message.kind) {
      case 'chunk': {
        const stream = this.streams.get(message.stream);
        if (!stream) return;
        stream.inWorker -= message.length;
        this.load[worker]! -= message.length;
        stream.chunks.push({ id: message.id, length: message.length, worker, number: message.chunk });
        stream.signal.notify();
        return;
      }
      case 'handed-over': {
        const job = this.jobs.get(message.job);
        if (job) this.post(job.worker, { kind: 'seal-bytes', job: message.job, id: message.id, data: message.data }, [message.data.buffer as ArrayBuffer]);
        return;
      }
      case 'ended': {
        const stream = this.streams.get(message.stream);
        if (!stream) return;
        stream.ended = true;
        stream.signal.notify();
        return;
      }
      case 'sealed':
      case 'flushed': {
        const job = this.jobs.get(message.job);
        if (!job) return;
        this.jobs.delete(message.job);
        this.load[job.worker]! -= job.bytes;
        job.done();
        return;
      }
      case 'pack': {
        const bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
        const upload = this.sink.savePack({ id: message.id, bytes, blobs: message.blobs }).finally(() => {
          this.uploads.delete(upload);
          this.roomMade.notify();
        });
        this.uploads.add(upload);
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

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** The first failure wins: every waiting stream and job gets it, and the remaining workers are stopped. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const job of this.jobs.values()) job.done();
    this.jobs.clear();
    for (const stream of this.streams.values()) {
      stream.error ??= err;
      stream.signal.notify();
    }
    this.roomMade.notify();
    for (const worker of this.workers) void worker.terminate();
  }

  /** Stops the workers; anything still waiting on them fails. Safe to call more than once. */
  async close(): Promise<void> {
    this.fail(new AppError('internal', 'the backup worker pool was closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
