import type { IncomingHttpHeaders } from 'node:http';
import type { Transform } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import type { Dispatcher } from 'undici';
import type { Deadline } from './deadline.js';
import { NetError, toNetError } from './errors.js';

export interface CollectedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Decoded body; empty for discarded bodies (redirects). */
  body: Buffer;
  bodyTruncated: boolean;
  /** Body bytes as they came off the wire (before decompression). */
  bytesReceived: number;
  headersAt: number;
  endAt: number;
}

export interface CollectOptions {
  label: string;
  deadline: Deadline;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  /** Decides at the headers whether the body matters; a redirect's body is read (a little) and dropped. */
  discardBody: (status: number, headers: IncomingHttpHeaders) => boolean;
}

// Enough to drain a typical redirect page and keep the connection; a bigger one costs the connection.
const DISCARD_LIMIT = 64 * 1024;
// Truncated bodies end mid-stream; a sync flush at the end decodes what arrived instead of failing,
// the same leniency browsers show.
const GZIP_OPTIONS = { finishFlush: constants.Z_SYNC_FLUSH };
const BROTLI_OPTIONS = { finishFlush: constants.BROTLI_OPERATION_FLUSH };

/** A decoder for the one content-coding we asked for, or null to keep the bytes as they came. */
function decoderFor(encoding: string | string[] | undefined, firstByte: number): Transform | null {
  const coding = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? '')).trim().toLowerCase();
  if (coding === 'gzip' || coding === 'x-gzip') return createGunzip(GZIP_OPTIONS);
  if (coding === 'br') return createBrotliDecompress(BROTLI_OPTIONS);
  // "deflate" should be zlib-wrapped (RFC 9110) but some servers send raw deflate; a zlib header
  // always has compression method 8 in its low nibble.
  if (coding === 'deflate') return (firstByte & 0x0f) === 8 ? createInflate(GZIP_OPTIONS) : createInflateRaw(GZIP_OPTIONS);
  return null;
}

const STOP_READING = new Error('body cap reached');

/**
 * An undici dispatch handler that reads one response under the caps: at most `maxBodyBytes` off
 * the wire (then it stops reading and marks the body truncated), at most `maxDecompressedBytes`
 * out of the decoder (beyond that the response is refused as a decompression bomb). Decoding is
 * streamed chunk by chunk, so memory never holds more than the caps however big the bomb.
 */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  readonly done: Promise<CollectedResponse>;
  /** False until headers arrived: an error before that on a reused connection may be retried. */
  started = false;
  #resolve!: (r: CollectedResponse) => void;
  #reject!: (e: NetError) => void;
  #settled = false;
  #controller: Dispatcher.DispatchController | null = null;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #headersAt = 0;
  #discard = false;
  #limit: number;
  #wire = 0;
  #decoded = 0;
  #truncated = false;
  #chunks: Buffer[] = [];
  #decoder: Transform | null | undefined;
  #draining = false;
  readonly #opts: CollectOptions;
  readonly #onAbort = (): void => this.#fail(this.#opts.deadline.signal.reason as NetError);

  constructor(opts: CollectOptions) {
    this.#opts = opts;
    this.#limit = opts.maxBodyBytes;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    opts.deadline.phase = `waiting for response headers from ${opts.label}`;
    if (opts.deadline.signal.aborted) this.#onAbort();
    else opts.deadline.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(STOP_READING);
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return;
    this.started = true;
    this.#status = status;
    this.#headers = headers;
    this.#headersAt = performance.now();
    this.#discard = this.#opts.discardBody(status, headers);
    if (this.#discard) this.#limit = Math.min(this.#limit, DISCARD_LIMIT);
    this.#opts.deadline.phase = `reading the response body from ${this.#opts.label}`;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#wire += chunk.length;
    const over = this.#wire - this.#limit;
    if (!this.#discard) this.#consume(over > 0 ? chunk.subarray(0, chunk.length - over) : chunk, controller);
    if (over > 0) {
      this.#truncated = true;
      controller.abort(STOP_READING);
    }
  }

  onResponseEnd(): void {
    this.#endBody();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (err === STOP_READING) this.#endBody();
    else this.#fail(toNetError(err, this.#opts.label));
  }

  #consume(chunk: Buffer, controller: Dispatcher.DispatchController): void {
    if (chunk.length === 0) return;
    if (this.#decoder === undefined) this.#decoder = this.#startDecoder(chunk[0] ?? 0);
    if (this.#decoder === null) {
      this.#chunks.push(chunk);
      return;
    }
    if (!this.#decoder.write(chunk) && !this.#draining) {
      this.#draining = true;
      controller.pause();
      this.#decoder.once('drain', () => {
        this.#draining = false;
        controller.resume();
      });
    }
  }

  #startDecoder(firstByte: number): Transform | null {
    const encoding = this.#headers['content-encoding'];
    const decoder = decoderFor(encoding, firstByte);
    if (!decoder) return null;
    const max = this.#opts.maxDecompressedBytes;
    decoder.on('data', (out: Buffer) => {
      this.#decoded += out.length;
      if (this.#decoded <= max) this.#chunks.push(out);
      else {
        const msg = `response body from ${this.#opts.label} expands past the ${max}-byte limit when decompressed (${this.#wire} bytes received)`;
        this.#fail(new NetError('decompression_limit', msg));
      }
    });
    decoder.on('error', (err: Error) => {
      const msg = `response body from ${this.#opts.label} is not valid ${String(encoding)} (${err.message})`;
      this.#fail(new NetError('protocol_error', msg, { cause: err }));
    });
    decoder.on('end', () => this.#succeed());
    return decoder;
  }

  #endBody(): void {
    if (this.#decoder) this.#decoder.end();
    else this.#succeed();
  }

  #succeed(): void {
    if (this.#settled) return;
    this.#cleanup();
    this.#resolve({
      status: this.#status,
      headers: this.#headers,
      body: this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks),
      bodyTruncated: this.#truncated,
      bytesReceived: this.#wire,
      headersAt: this.#headersAt,
      endAt: performance.now(),
    });
  }

  #fail(err: NetError): void {
    if (this.#settled) return;
    this.#cleanup();
    this.#controller?.abort(err);
    this.#decoder?.destroy();
    this.#chunks = [];
    this.#reject(err);
  }

  #cleanup(): void {
    this.#settled = true;
    this.#opts.deadline.signal.removeEventListener('abort', this.#onAbort);
  }
}
