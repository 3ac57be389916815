import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Deadline } from './deadline.js';
import { BodyDecoder, codingOf } from './decode.js';
import { toNetError, type NetError } from './errors.js';

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

const STOP_READING = new Error('body cap reached');

/**
 * An undici dispatch handler that reads one response under the caps: at most `maxBodyBytes` off
 * the wire (then it stops reading and marks the body truncated), at most `maxDecompressedBytes`
 * out of the decoder (beyond that the response is refused as a decompression bomb). A discarded
 * body (a redirect's) is counted and dropped.
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
  #truncated = false;
  #decoder: BodyDecoder | null = null;
  #paused = false;
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
    else {
      const coding = codingOf(headers['content-encoding']);
      this.#decoder = new BodyDecoder(coding, this.#opts.maxDecompressedBytes, this.#opts.label, (err) => this.#fail(err));
    }
    this.#opts.deadline.phase = `reading the response body from ${this.#opts.label}`;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#wire += chunk.length;
    const over = this.#wire - this.#limit;
    this.#consume(over > 0 ? chunk.subarray(0, chunk.length - over) : chunk, controller);
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
    if (chunk.length === 0 || !this.#decoder) return;
    const flowing = this.#decoder.write(chunk, () => {
      this.#paused = false;
      controller.resume();
    });
    if (!flowing && !this.#paused) {
      this.#paused = true;
      controller.pause();
    }
  }

  #endBody(): void {
    if (this.#decoder) this.#decoder.end((body) => this.#succeed(body));
    else this.#succeed(Buffer.alloc(0));
  }

  #succeed(body: Buffer): void {
    if (this.#settled) return;
    this.#cleanup();
    this.#resolve({
      status: this.#status,
      headers: this.#headers,
      body,
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
    this.#reject(err);
  }

  #cleanup(): void {
    this.#settled = true;
    this.#opts.deadline.signal.removeEventListener('abort', this.#onAbort);
  }
}
