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

/** Main thread → worker. A stream's buffers always go to the same worker, which keeps its chunker state. */
export type ToWorker =
  | { kind: 'data'; stream: number; data: Uint8Array }
  | { kind: 'end'; stream: number }
  | { kind: 'drop'; stream: number }
  | { kind: 'seal'; job: number; id: string; data: Uint8Array }
  | { kind: 'flush'; job: number };

/** Worker → main thread; every buffer in these is transferred, not copied. */
export type FromWorker =
  | { kind: 'chunk'; stream: number; id: string; data: Uint8Array }
  | { kind: 'ended'; stream: number }
  | { kind: 'sealed'; job: number }
  | { kind: 'pack'; id: string; bytes: Uint8Array; blobs: readonly PackedBlob[] }
  | { kind: 'flushed'; job: number };
