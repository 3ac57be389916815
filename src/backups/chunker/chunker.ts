import { AppError } from '../../lib/errors.js';
import { degree, polMod, type Pol } from './polynomial.js';

const windowSize = 64;
export const minChunkSize = 512 * 1024;
export const maxChunkSize = 8 * 1024 * 1024;
/** 20 bits of the fingerprint must be zero at a cut: chunks of about 1 MiB, as restic aims for. */
const splitMask = (1 << 20) - 1;

interface Tables {
  outHi: Uint32Array;
  outLo: Uint32Array;
  modHi: Uint32Array;
  modLo: Uint32Array;
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
  const t: Tables = { outHi: new Uint32Array(256), outLo: new Uint32Array(256), modHi: new Uint32Array(256), modLo: new Uint32Array(256), hiShift: k - 8 - 32 };
  const split = (value: bigint, b: number, hi: Uint32Array, lo: Uint32Array): void => {
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
 */
export class Chunker {
  private readonly t: Tables;
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
    let { hi, lo, wpos, count } = this;
    for (; i < buf.length; i++) {
      const b = buf[i]!;
      const out = win[wpos]!;
      win[wpos] = b;
      wpos = (wpos + 1) & (windowSize - 1);
      hi ^= outHi[out]!;
      lo ^= outLo[out]!;
      const index = hi >>> hiShift;
      hi = ((hi << 8) | (lo >>> 24)) ^ modHi[index]!;
      lo = ((lo << 8) | b) ^ modLo[index]!;
      count++;
      if (((lo & splitMask) === 0 || count >= maxChunkSize) && count >= minChunkSize) {
        this.reset();
        return i + 1;
      }
    }
    this.hi = hi;
    this.lo = lo;
    this.wpos = wpos;
    this.count = count;
    return -1;
  }
}

/** Splits a byte stream into chunks; each yielded buffer is one blob's plaintext. */
export async function* chunkStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, pol: Pol): AsyncGenerator<Buffer> {
  const chunker = new Chunker(pol);
  let pieces: Uint8Array[] = [];
  for await (const buf of source) {
    let start = 0;
    for (let cut = chunker.nextSplit(buf, start); cut >= 0; cut = chunker.nextSplit(buf, start)) {
      pieces.push(buf.subarray(start, cut));
      yield Buffer.concat(pieces);
      pieces = [];
      start = cut;
    }
    if (start < buf.length) pieces.push(buf.subarray(start));
  }
  if (pieces.length > 0) yield Buffer.concat(pieces);
}
