import { AppError } from '../../lib/errors.js';
import { degree, polMod, type Pol } from './polynomial.js';

const windowSize = 64;
export const minChunkSize = 512 * 1024;
export const maxChunkSize = 8 * 1024 * 1024;
/** 20 bits of the fingerprint must be zero at a cut: chunks of about 1 MiB, as restic aims for. */
const splitMask = (1 << 20) - 1;

interface Tables {
  outHi: Int32Array;
  outLo: Int32Array;
  modHi: Int32Array;
  modLo: Int32Array;
  hiShift: number;
}

const tableCache = new Map<Pol, Tables>();

/**
 * The 64-bit Rabin digests never exceed 61 bits, but JavaScript's bit operators work on 32 bits, so
 * every table entry and the running digest are split into a high and a low 32-bit half.
 */
function tablesFor(pol: Pol): Tables {
  const cached = tableCache.get(pol);
  if (cached) return cached;
  const k = degree(pol);
  if (k < 40 || k > 53) throw new AppError('invalid_input', `chunker polynomial must have a degree between 40 and 53, got ${k}`);
  const t: Tables = { outHi: new Int32Array(256), outLo: new Int32Array(256), modHi: new Int32Array(256), modLo: new Int32Array(256), hiShift: k - 8 - 32 };
  const split = (value: bigint, b: number, hi: Int32Array, lo: Int32Array): void => {
    hi[b] = Number(value >> 32n);
    lo[b] = Number(value & 0xffffffffn);
  };
  for (let b = 0; b < 256; b++) {
    // out[b] is the fingerprint of b followed by windowSize-1 zero bytes: XOR-ing it removes b from the window.
    let h = polMod(BigInt(b), pol);
    for (let i = 0; i < windowSize - 1; i++) h = polMod(h << 8n, pol);
    split(h, b, t.outHi, t.outLo);
    // mod[b] reduces the 8 bits that a shift pushes above the degree, and cancels them in the same XOR.
    const high = BigInt(b) << BigInt(k);
    split(polMod(high, pol) | high, b, t.modHi, t.modLo);
  }
  tableCache.set(pol, t);
  return t;
}

/**
 * Content-defined chunking with restic's exact rules (64-byte window, 512 KiB to 8 MiB, the repository's
 * polynomial), so that Upkeep and restic cut the same file at the same places and share blobs.
 *
 * @example const cut = new Chunker(repo.polynomial).nextSplit(buf) // index after the first cut, or -1
 */
export class Chunker {
  private readonly t: Tables;
  /** The last 64 bytes hashed, kept only across calls: within a buffer the byte leaving the window is read from the buffer. */
  private readonly window = new Uint8Array(windowSize);
  private wpos = 0;
  private hi = 0;
  private lo = 0;
  private count = 0;
  private pre = 0;

  constructor(pol: Pol) {
    this.t = tablesFor(pol);
    this.reset();
  }

  private reset(): void {
    this.window.fill(0);
    // restic slides a single 1 byte into the empty window when it starts a chunk; the digest becomes 1.
    this.window[0] = 1;
    this.wpos = 1;
    this.hi = 0;
    this.lo = 1;
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
    const { outHi, outLo, modHi, modLo, hiShift } = this.t;
    const win = this.window;
    let { hi, lo, wpos } = this;
    const first = i;
    // Bounds computed once, so the hot loops test only the fingerprint: the byte that reaches the
    // minimum size, and the end of this buffer or of the largest chunk.
    const cutFrom = i + (minChunkSize - this.count) - 1;
    const end = Math.min(buf.length, i + (maxChunkSize - this.count));
    // The first 64 bytes of a call push out what the window held before it; the rest push out buf[i - 64].
    for (const ringEnd = Math.min(end, i + windowSize); i < ringEnd; i++) {
      const b = buf[i]!;
      const out = win[wpos]!;
      win[wpos] = b;
      wpos = (wpos + 1) & (windowSize - 1);
      hi ^= outHi[out]!;
      lo ^= outLo[out]!;
      const index = hi >>> hiShift;
      hi = ((hi << 8) | (lo >>> 24)) ^ modHi[index]!;
      lo = ((lo << 8) | b) ^ modLo[index]!;
      if ((lo & splitMask) === 0 && i >= cutFrom) return this.cutAt(i + 1);
    }
    for (; i < end; i++) {
      const b = buf[i]!;
      const out = buf[i - windowSize]!;
      hi ^= outHi[out]!;
      lo ^= outLo[out]!;
      const index = hi >>> hiShift;
      hi = ((hi << 8) | (lo >>> 24)) ^ modHi[index]!;
      lo = ((lo << 8) | b) ^ modLo[index]!;
      if ((lo & splitMask) === 0 && i >= cutFrom) return this.cutAt(i + 1);
    }
    this.count += i - first;
    if (this.count >= maxChunkSize) return this.cutAt(i);
    if (i - first >= windowSize) {
      win.set(buf.subarray(i - windowSize, i));
      wpos = 0;
    }
    this.hi = hi;
    this.lo = lo;
    this.wpos = wpos;
    return -1;
  }

  private cutAt(index: number): number {
    this.reset();
    return index;
  }
}

/** A buffer that owns all of its memory (never a slice of Node's shared pool), so a worker thread can hand it over. */
export function ownedConcat(pieces: readonly Uint8Array[], size: number): Buffer {
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * Splits a byte stream into chunks as its buffers arrive; each returned buffer is one blob's plaintext.
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
  push(buf: Uint8Array): Buffer[] {
    const done: Buffer[] = [];
    let start = 0;
    for (let cut = this.chunker.nextSplit(buf, start); cut >= 0; cut = this.chunker.nextSplit(buf, start)) {
      this.pieces.push(buf.subarray(start, cut));
      done.push(ownedConcat(this.pieces, this.size + cut - start));
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
  end(): Buffer[] {
    const rest = this.size > 0 ? [ownedConcat(this.pieces, this.size)] : [];
    this.pieces = [];
    this.size = 0;
    return rest;
  }
}
