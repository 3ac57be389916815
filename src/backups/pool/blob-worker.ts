import { parentPort, workerData } from 'node:worker_threads';
import { ChunkSplitter, maxChunkSize, type ChunkPieces } from '../chunker/chunker.js';
import { sha256Hex, type MasterKey } from '../crypto.js';
import { joinInto, ownedConcat } from '../owned-buffers.js';
import { PackWriter, targetPackSize } from '../repository/pack.js';
import type { FromWorker, ToWorker, WorkerSetup } from './messages.js';

/**
 * One of the backup's worker threads: chunks and hashes the streams it is given and keeps each chunk's
 * bytes (views into the reads, not copies) while the main thread decides; it compresses, encrypts and
 * packs the new ones, here or in another worker that is less busy, so the CPU-heavy work of a backup
 * runs in parallel and off the main thread and plaintext seldom moves. Finished packs go back whole. An
 * exception ends the thread, which fails the backup (see BlobPool).
 */
const setup = workerData as WorkerSetup;
const key: MasterKey = { encrypt: Buffer.from(setup.encrypt), macK: Buffer.from(setup.macK), macR: Buffer.from(setup.macR) };
const polynomial = BigInt(`0x${setup.polynomial}`);
const streams = new Map<number, ChunkSplitter>();
/** Chunks found and not yet decided, by their number in this worker. */
const held = new Map<number, ChunkPieces & { stream: number; id: string }>();
let nextChunk = 0;
/** Where a chunk that spans several reads is joined to be sealed: one buffer, reused (its memory stays warm). */
let joined: Buffer | undefined;
const port = parentPort!;
let pack = new PackWriter(key, setup.compression);

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function emit(stream: number, chunks: readonly ChunkPieces[]): void {
  for (const chunk of chunks) {
    const number = nextChunk++;
    const id = sha256Hex(chunk.pieces);
    held.set(number, { ...chunk, stream, id });
    send({ kind: 'chunk', stream, chunk: number, id, length: chunk.length });
  }
}

function take(number: number): ChunkPieces & { id: string } {
  const chunk = held.get(number);
  if (!chunk) throw new Error(`chunk ${number} is not held by this worker`);
  held.delete(number);
  return chunk;
}

function seal(id: string, plaintext: Uint8Array): void {
  pack.add('data', id, plaintext);
  if (pack.byteLength >= targetPackSize) sendPack();
}

function sendPack(): void {
  const { id, bytes, blobs } = pack.finish();
  send({ kind: 'pack', id, bytes, blobs }, [bytes.buffer as ArrayBuffer]);
  pack = new PackWriter(key, setup.compression);
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
      for (const [number, chunk] of held) if (chunk.stream === message.stream) held.delete(number);
      return;
    case 'skip':
      take(message.chunk);
      return;
    case 'seal': {
      const { pieces, id } = take(message.chunk);
      seal(id, pieces.length === 1 ? pieces[0]! : joinInto(pieces, (joined ??= Buffer.allocUnsafeSlow(maxChunkSize))));
      send({ kind: 'sealed', job: message.job });
      return;
    }
    case 'hand-over': {
      const { pieces, length, id } = take(message.chunk);
      const data = ownedConcat(pieces, length);
      send({ kind: 'handed-over', job: message.job, id, data }, [data.buffer as ArrayBuffer]);
      return;
    }
    case 'seal-bytes':
      seal(message.id, message.data);
      send({ kind: 'sealed', job: message.job });
      return;
    case 'flush':
      if (pack.blobs.length > 0) sendPack();
      send({ kind: 'flushed', job: message.job });
      return;
  }
});
