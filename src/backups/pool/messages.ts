import type { PackedBlob } from '../repository/pack.js';

/** What the backup's worker threads are told once, at start: enough to chunk, hash, seal and pack. */
export interface WorkerSetup {
  encrypt: Uint8Array;
  macK: Uint8Array;
  macR: Uint8Array;
  /** The repository's chunker polynomial, in hex as its config stores it. */
  polynomial: string;
  compression: boolean;
}

/**
 * Main thread → worker. A stream's buffers always go to the same worker, which keeps its chunker state
 * and the bytes of each chunk it found until told what to do with them: seal it there, hand it over to
 * be sealed by another worker, or let it go (the repository has it). `drop` lets go of a stream and of
 * whatever of it is still held.
 */
export type ToWorker =
  | { kind: 'data'; stream: number; data: Uint8Array }
  | { kind: 'end'; stream: number }
  | { kind: 'drop'; stream: number }
  | { kind: 'seal'; job: number; chunk: number }
  | { kind: 'hand-over'; job: number; chunk: number }
  | { kind: 'skip'; chunk: number }
  | { kind: 'seal-bytes'; job: number; id: string; data: Uint8Array }
  | { kind: 'flush'; job: number };

/** Worker → main thread; every buffer in these is transferred, not copied. */
export type FromWorker =
  | { kind: 'chunk'; stream: number; chunk: number; id: string; length: number }
  | { kind: 'ended'; stream: number }
  | { kind: 'handed-over'; job: number; id: string; data: Uint8Array }
  | { kind: 'sealed'; job: number }
  | { kind: 'pack'; id: string; bytes: Uint8Array; blobs: readonly PackedBlob[] }
  | { kind: 'flushed'; job: number };
