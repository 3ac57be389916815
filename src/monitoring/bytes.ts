/**
 * Variable-length integers (LEB128, as protobuf writes them, zigzag for signed values) over numbers up
 * to 2^53, for the packed result history. Hand-written rather than taken from a protobuf library:
 * those go through BigInt above 32 bits, and running totals and latency sums pass 2^32.
 *
 * @example
 * const w = new ByteWriter(); w.uint(300); w.int(-2);
 * const r = new ByteReader(w.finish()); r.uint(); // 300
 */
export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(size = 256) {
    this.buf = new Uint8Array(size);
  }

  /** A whole number from 0 to 2^53 - 1. */
  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected a whole number ≥ 0, got ${n}`);
    this.reserve(8);
    while (n > 0x7fffffff) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  /** A whole number of either sign (zigzag: small magnitudes take one byte). */
  int(n: number): void {
    this.uint(n < 0 ? -2 * n - 1 : 2 * n);
  }

  text(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.uint(bytes.length);
    this.bytes(bytes);
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  get length(): number {
    return this.pos;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

export class ByteReader {
  pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new RangeError('packed history ends inside a number');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  int(): number {
    const z = this.uint();
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }

  text(): string {
    const length = this.uint();
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, length).toString('utf8');
    this.pos += length;
    return s;
  }

  skipText(): void {
    const length = this.uint();
    this.pos += length;
  }
}
