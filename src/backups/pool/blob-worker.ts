import { parentPort, workerData } from 'node:worker_threads';
import { ChunkSplitter } from '../chunker/chunker.js';
import { sha256Hex, type MasterKey } from '../crypto.js';
import { sealBlob } from '../repository/pack.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';

/**
 * One of the backup's worker threads: chunks and hashes the streams it is given, and compresses and
 * encrypts the blobs the main thread found new. The CPU-heavy work of a backup runs here, in parallel.
 * An exception ends the thread, which fails the backup (see BlobPool).
 */
const setup = workerData as WorkerSetup;
const key: MasterKey = { encrypt: Buffer.from(setup.encrypt), macK: Buffer.from(setup.macK), macR: Buffer.from(setup.macR) };
const polynomial = BigInt(`0x${setup.polynomial}`);
const streams = new Map<number, ChunkSplitter>();
const port = parentPort!;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function emit(stream: number, chunks: Buffer[]): void {
  for (const data of chunks) send({ kind: 'chunk', stream, id: sha256Hex(data), data }, [data.buffer as ArrayBuffer]);
}

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'data': {
      let splitter = streams.get(message.stream);
      if (!splitter) streams.set(message.stream, (splitter = new ChunkSplitter(polynomial)));
      emit(message.stream, splitter.push(message.data));
      return;
    }
    case 'end': {
      const splitter = streams.get(message.stream);
      streams.delete(message.stream);
      if (splitter) emit(message.stream, splitter.end());
      send({ kind: 'ended', stream: message.stream });
      return;
    }
    case 'drop':
      streams.delete(message.stream);
      return;
    case 'seal': {
      const { sealed, uncompressedLength } = sealBlob(key, message.data, setup.compression);
      send({ kind: 'sealed', job: message.job, sealed, ...(uncompressedLength === undefined ? {} : { uncompressedLength }) }, [sealed.buffer as ArrayBuffer]);
      return;
    }
  }
});
