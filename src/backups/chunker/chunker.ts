import { AppError } from '../../lib/errors.js';
import { degree, polMod, type Pol } from './polynomial.js';
import { rabinWasm } from './rabin-wasm.js';

const windowSize = 64;
export const minChunkSize = 512 * 1024;
export const maxChunkSize = 8 * 1024 * 1024;

/** The scan kernel's memory: out[] and mod[] tables, then the window, then the bytes being scanned. */
const windowAt = 8192;
const scanSize = 1024 * 1024;

/** The few WebAssembly calls used here (the project's TypeScript libs have no WebAssembly types). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => {
    exports: { memory: { buffer: ArrayBuffer; grow(pages: number): number }; digest: { value: bigint }; scan: Kernel['scan'] };
  };
}

interface Kernel {
  bytes: Uint8Array;
  tables: BigUint64Array;
  digest: { value: bigint };
  scan(p: number, end: number, minAt: number, shift: bigint): number;
  /** The polynomial whose tables are loaded. */
  pol: Pol | undefined;
}

/** One scan kernel per thread, shared by its chunkers: scans are synchronous, and each chunker brings its own state. */
let kernel: Kernel | undefined;

function kernelFor(pol: Pol): Kernel {
  if (!kernel) {
    const { Module, Instance } = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
    const { memory, digest, scan } = new Instance(new Module(rabinWasm)).exports;
    memory.grow(Math.ceil((windowAt + scanSize) / 65536));
    kernel = { bytes: new Uint8Array(memory.buffer), tables: new BigUint64Array(memory.buffer, 0, 512), digest, scan, pol: undefined };
  }
  if (kernel.pol !== pol) {
    kernel.tables.set(tablesFor(pol));
    kernel.pol = pol;
  }
  return kernel;
}

const tableCache = new Map<Pol, BigUint64Array>();

function tablesFor(pol: Pol): BigUint64Array {
  const cached = tableCache.get(pol);
  if (cached) return cached;
  const k = degree(pol);
  if (k < 40 || k > 53) throw new AppError('invalid_input', `chunker polynomial must have a degree between 40 and 53, got ${k}`);
  const tables = new BigUint64Array(512);
  for (let b = 0; b < 256; b++) {
    // out[b] is the fingerprint of b followed by windowSize-1 zero bytes: XOR-ing it removes b from the window.
    let h = polMod(BigInt(b), pol);
    for (let i = 0; i < windowSize - 1; i++) h = polMod(h << 8n, pol);
    tables[b] = h;
    // mod[b] reduces the 8 bits that a shift pushes above the degree, and cancels them in the same XOR.
    const high = BigInt(b) << BigInt(k);
    tables[256 + b] = polMod(high, pol) | high;
  }
  tableCache.set(pol, tables);
  return tables;
}

/** restic's window when a chunk starts: empty, with a single 1 byte slid in (so the digest is 1). */
const startWindow = new Uint8Array(windowSize);
startWindow[windowSize - 1] = 1;

/**
 * Content-defined chunking with restic's exact rules (64-byte window, 512 KiB to 8 MiB, the repository's
 * polynomial), so that Upkeep and restic cut the same file at the same places and share blobs. The
 * per-byte loop runs in WebAssembly (rabin.wat).
 *
 * @example const cut = new Chunker(repo.polynomial).nextSplit(buf) // index after the first cut, or -1
 */
export class Chunker {
  private readonly shift: bigint;
  /** The last 64 bytes hashed, oldest first. */
  private readonly window = new Uint8Array(windowSize);
  private digest = 1n;
  private count = 0;
  private pre = 0;

  constructor(private readonly pol: Pol) {
    this.shift = BigInt(degree(pol) - 8);
    tablesFor(pol);
    this.reset();
  }

  private reset(): void {
    this.window.set(startWindow);
    this.digest = 1n;
    this.count = 0;
    // Like restic, the first bytes of a chunk are not hashed: no cut can fall before the minimum size.
    this.pre = minChunkSize - windowSize;
  }

  /** The index in `buf` (from `start`) right after the next cut, or -1 when the chunk goes on past `buf`. */
  nextSplit(buf: Uint8Array, start = 0): number {
    let i = start;
    if (this.pre > 0) {
      const skip = Math.min(this.pre, buf.length - i);
      this.pre -= skip;
      this.count += skip;
      i += skip;
      if (this.pre > 0) return -1;
    }
    const k = kernelFor(this.pol);
    k.bytes.set(this.window, windowAt - windowSize);
    k.digest.value = this.digest;
    while (i < buf.length) {
      const n = Math.min(buf.length - i, scanSize, maxChunkSize - this.count);
      k.bytes.set(buf.subarray(i, i + n), windowAt);
      const cut = k.scan(windowAt, windowAt + n, Math.max(0, windowAt + minChunkSize - this.count), this.shift);
      if (cut >= 0) return this.cutAt(i + cut - windowAt);
      this.count += n;
      i += n;
      // The window for what follows: the last 64 bytes scanned (or the start window and fewer bytes).
      k.bytes.copyWithin(windowAt - windowSize, windowAt + n - windowSize, windowAt + n);
      if (this.count >= maxChunkSize) return this.cutAt(i);
    }
    this.window.set(k.bytes.subarray(windowAt - windowSize, windowAt));
    this.digest = k.digest.value;
    return -1;
  }

  private cutAt(index: number): number {
    this.reset();
    return index;
  }
}

/** One chunk as views into the buffers of the stream it spans, oldest first: nothing is copied. */
export interface ChunkPieces {
  pieces: readonly Uint8Array[];
  length: number;
}

/**
 * Splits a byte stream into chunks as its buffers arrive. A chunk is handed out as the views into the
 * buffers it spans (most lie inside one read): whoever keeps it keeps those buffers.
 *
 * @example const chunks = [...splitter.push(buf1), ...splitter.push(buf2), ...splitter.end()]
 */
export class ChunkSplitter {
  private readonly chunker: Chunker;
  private pieces: Uint8Array[] = [];
  private size = 0;

  constructor(pol: Pol) {
    this.chunker = new Chunker(pol);
  }

  /** The chunks that end inside `buf`; its tail is kept (as a view, not a copy) for the next call. */
  push(buf: Uint8Array): ChunkPieces[] {
    const done: ChunkPieces[] = [];
    let start = 0;
    for (let cut = this.chunker.nextSplit(buf, start); cut >= 0; cut = this.chunker.nextSplit(buf, start)) {
      this.pieces.push(buf.subarray(start, cut));
      done.push({ pieces: this.pieces, length: this.size + cut - start });
      this.pieces = [];
      this.size = 0;
      start = cut;
    }
    if (start < buf.length) {
      this.pieces.push(buf.subarray(start));
      this.size += buf.length - start;
    }
    return done;
  }

  /** The last chunk, if the stream did not end on a cut. */
  end(): ChunkPieces[] {
    const rest = this.size > 0 ? [{ pieces: this.pieces, length: this.size }] : [];
    this.pieces = [];
    this.size = 0;
    return rest;
  }
}
