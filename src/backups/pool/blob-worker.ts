import { parentPort, workerData } from 'node:worker_threads';
import { ChunkSplitter } from '../chunker/chunker.js';
import { sha256Hex, type MasterKey } from '../crypto.js';
import { PackWriter, sealBlob, targetPackSize } from '../repository/pack.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';

/**
 * One of the backup's worker threads: chunks and hashes the streams it is given, and compresses,
 * encrypts and packs the blobs the main thread found new, so the CPU-heavy work of a backup runs in
 * parallel and off the main thread. Finished packs go back whole. An exception ends the thread, which
 * fails the backup (see BlobPool).
 */
const setup = workerData as WorkerSetup;
const key: MasterKey = { encrypt: Buffer.from(setup.encrypt), macK: Buffer.from(setup.macK), macR: Buffer.from(setup.macR) };
const polynomial = BigInt(`0x${setup.polynomial}`);
const streams = new Map<number, ChunkSplitter>();
const port = parentPort!;
let pack = new PackWriter(key);

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function emit(stream: number, chunks: Buffer[]): void {
  for (const data of chunks) send({ kind: 'chunk', stream, id: sha256Hex(data), data }, [data.buffer as ArrayBuffer]);
}

function sendPack(): void {
  const { id, bytes, blobs } = pack.finish();
  send({ kind: 'pack', id, bytes, blobs }, [bytes.buffer as ArrayBuffer]);
  pack = new PackWriter(key);
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
    case 'seal':
      pack.add('data', message.id, sealBlob(key, message.data, setup.compression));
      send({ kind: 'sealed', job: message.job });
      if (pack.byteLength >= targetPackSize) sendPack();
      return;
    case 'flush':
      if (pack.blobs.length > 0) sendPack();
      send({ kind: 'flushed', job: message.job });
      return;
  }
});
