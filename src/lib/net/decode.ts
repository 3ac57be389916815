import type { Transform } from 'node:stream';
import {
  brotliDecompressSync,
  constants,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createInflateRaw,
  gunzipSync,
  inflateRawSync,
  inflateSync,
} from 'node:zlib';
import { NetError } from './errors.js';

export type ContentCoding = 'gzip' | 'deflate' | 'br';

/** The one content-coding we asked for, or null to keep the bytes as they came (identity, or a coding we never offered). */
export function codingOf(header: string | string[] | undefined): ContentCoding | null {
  const coding = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  return coding === 'deflate' || coding === 'br' ? coding : null;
}

// Up to this much compressed input is decoded in one synchronous call at the end: a typical page
// costs a few microseconds that way, against tens for a zlib stream and its thread-pool round
// trips. Even a bomb of this size stops at the output cap after a few milliseconds.
const SYNC_LIMIT = 64 * 1024;
// Truncated bodies end mid-stream; a sync flush at the end decodes what arrived instead of failing,
// the same leniency browsers show.
const ZLIB_OPTIONS = { finishFlush: constants.Z_SYNC_FLUSH };
const BROTLI_OPTIONS = { finishFlush: constants.BROTLI_OPERATION_FLUSH };

// "deflate" should be zlib-wrapped (RFC 9110) but some servers send raw deflate; a zlib header
// always has compression method 8 in its low nibble.
const isZlibWrapped = (firstByte: number): boolean => (firstByte & 0x0f) === 8;

function decodeAll(coding: ContentCoding, input: Buffer, maxOutputLength: number): Buffer {
  if (coding === 'br') return brotliDecompressSync(input, { ...BROTLI_OPTIONS, maxOutputLength });
  const opts = { ...ZLIB_OPTIONS, maxOutputLength };
  if (coding === 'gzip') return gunzipSync(input, opts);
  return isZlibWrapped(input[0] ?? 0) ? inflateSync(input, opts) : inflateRawSync(input, opts);
}

function streamFor(coding: ContentCoding, firstByte: number): Transform {
  if (coding === 'br') return createBrotliDecompress(BROTLI_OPTIONS);
  if (coding === 'gzip') return createGunzip(ZLIB_OPTIONS);
  return isZlibWrapped(firstByte) ? createInflate(ZLIB_OPTIONS) : createInflateRaw(ZLIB_OPTIONS);
}

/**
 * Collects one response body and decodes it under a cap on the decoded size. Small bodies are
 * decoded at the end in one call; past SYNC_LIMIT the decoder streams, chunk by chunk, so memory
 * never holds more than the cap whatever the compression ratio.
 */
export class BodyDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #decoded = 0;
  #stream: Transform | null = null;
  #onDone: ((body: Buffer) => void) | null = null;

  constructor(
    private readonly coding: ContentCoding | null,
    private readonly maxDecoded: number,
    private readonly label: string,
    private readonly fail: (err: NetError) => void,
  ) {}

  /** Takes one chunk off the wire; returns false when the caller should pause until `onDrain`. */
  write(chunk: Buffer, onDrain: () => void): boolean {
    if (this.#stream === null) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.coding === null || this.#buffered <= SYNC_LIMIT) return true;
      this.#startStream();
      chunk = Buffer.concat(this.#chunks.splice(0));
    }
    const stream = this.#stream as Transform;
    if (stream.write(chunk)) return true;
    stream.once('drain', onDrain);
    return false;
  }

  /** The body is complete (or cut at the byte cap): decode what remains and hand it over. */
  end(onDone: (body: Buffer) => void): void {
    if (this.#stream) {
      this.#onDone = onDone;
      this.#stream.end();
      return;
    }
    const raw = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    if (this.coding === null || raw.length === 0) return onDone(raw);
    let body: Buffer;
    try {
      body = decodeAll(this.coding, raw, this.maxDecoded);
    } catch (err) {
      return this.fail(this.#decodeError(err));
    }
    onDone(body);
  }

  destroy(): void {
    this.#stream?.destroy();
    this.#chunks = [];
  }

  #startStream(): void {
    const stream = streamFor(this.coding as ContentCoding, this.#chunks[0]?.[0] ?? 0);
    stream.on('data', (out: Buffer) => {
      this.#decoded += out.length;
      if (this.#decoded <= this.maxDecoded) this.#chunks.push(out);
      else this.fail(this.#limitError());
    });
    stream.on('error', (err: Error) => this.fail(this.#decodeError(err)));
    stream.on('end', () => this.#onDone?.(Buffer.concat(this.#chunks)));
    this.#stream = stream;
  }

  #limitError(): NetError {
    const msg = `response body from ${this.label} expands past the ${this.maxDecoded}-byte limit when decompressed`;
    return new NetError('decompression_limit', msg);
  }

  #decodeError(err: unknown): NetError {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return this.#limitError();
    const msg = `response body from ${this.label} is not valid ${String(this.coding)} (${(err as Error).message})`;
    return new NetError('protocol_error', msg, { cause: err });
  }
}
