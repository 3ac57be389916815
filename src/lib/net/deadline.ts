import { AppError } from '../errors.js';
import { NetError } from './errors.js';

/**
 * One clock for one whole operation: resolution, every connect, every redirect hop and every byte
 * of a trickled body. Each step updates `phase`, so when the clock runs out the error says what was
 * under way ("timed out after 2000 ms waiting for response headers from 127.0.0.1:8081") without
 * every layer having to translate its own abort.
 */
export class Deadline {
  readonly signal: AbortSignal;
  readonly startedAt = performance.now();
  phase = 'starting';
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #parent: AbortSignal | undefined;
  readonly #onParentAbort = (): void => {
    this.#controller.abort(new NetError('aborted', `cancelled by the caller while ${this.phase}`));
  };

  constructor(
    readonly ms: number,
    parent?: AbortSignal,
  ) {
    if (!Number.isFinite(ms) || ms <= 0) throw new AppError('invalid_input', `deadlineMs must be a positive number, got ${ms}`);
    this.signal = this.#controller.signal;
    this.#timer = setTimeout(() => {
      this.#controller.abort(new NetError('timeout', `timed out after ${ms} ms ${this.phase}`));
    }, ms);
    this.#parent = parent;
    if (parent?.aborted) this.#onParentAbort();
    else parent?.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /** Milliseconds since the operation started. */
  elapsed(): number {
    return performance.now() - this.startedAt;
  }

  throwIfExpired(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }

  /** Settles with `work`, or rejects with the timeout/abort reason if that comes first. */
  race<T>(work: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }
}
