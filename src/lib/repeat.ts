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
 * A background task run again `everyMs` after each run ends, or after the delay in milliseconds a
 * run answers (a queue that knows when its next item is due): never two runs at once, however slow
 * the database; a failure is logged and the task runs again `everyMs` later; `stop()` waits for the
 * run in flight so nothing writes after shutdown closed the store.
 */
export function repeat(everyMs: number, task: () => unknown, options: RepeatOptions): Repeating {
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(run, delayMs);
    timer.unref();
  };
  const run = () => {
    running = (async () => task())()
      .then(
        (answer) => (typeof answer === 'number' && Number.isFinite(answer) ? Math.max(0, answer) : everyMs),
        (err: unknown) => (options.log.error({ err }, `${options.what} failed`), everyMs),
      )
      .then((delayMs) => {
        running = undefined;
        schedule(delayMs);
      });
  };
  if (options.now) run();
  else schedule(everyMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const waitMs = options.stopWaitMs;
      await (waitMs === undefined ? running : Promise.race([running, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]));
    },
  };
}
