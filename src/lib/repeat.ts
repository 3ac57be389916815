import type { Logger } from './logger.js';

export interface Repeating {
  /** Stops the ticks and waits for the run in flight (at most `stopWaitMs` when given). */
  stop(): Promise<void>;
}

export interface RepeatOptions {
  log: Logger;
  /** What the task does, for the log line when a run fails ("<what> failed"). */
  what: string;
  /** Runs once at once too, instead of first after `everyMs`. */
  now?: boolean;
  /** How long `stop()` waits for a run in flight before it lets go (shutdown must stay short). */
  stopWaitMs?: number;
}

/**
 * A background task run every `everyMs`: a run still going makes the next tick skip (never two at
 * once, however slow the database), a failure is logged and the next tick tries again, and
 * `stop()` waits for the run in flight so nothing writes after shutdown closed the store.
 */
export function repeat(everyMs: number, task: () => unknown, options: RepeatOptions): Repeating {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= (async () => task())()
      .then(() => undefined)
      .catch((err: unknown) => options.log.error({ err }, `${options.what} failed`))
      .finally(() => (running = undefined));
  };
  if (options.now) tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      const waitMs = options.stopWaitMs;
      await (waitMs === undefined ? running : Promise.race([running, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]));
    },
  };
}
