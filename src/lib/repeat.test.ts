import { describe, expect, it } from 'vitest';
import { silentLogger } from './logger.js';
import { repeat } from './repeat.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('repeat', () => {
  it('never runs a task twice at once, and stop() waits for the run in flight', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const job = repeat(
      1,
      async () => {
        running++;
        most = Math.max(most, running);
        runs++;
        await gate;
        running--;
      },
      { log: silentLogger(), what: 'a slow task', now: true },
    );
    for (let i = 0; i < 10; i++) await tick();
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(most).toBe(1);
    expect(running).toBe(0);
  });

  it('logs a failed run and tries again at the next tick', async () => {
    const errors: string[] = [];
    const log = { ...silentLogger(), error: (_: unknown, message: string) => errors.push(message) } as unknown as ReturnType<typeof silentLogger>;
    let runs = 0;
    const job = repeat(
      1,
      () => {
        runs++;
        throw new Error('the database is away');
      },
      { log, what: 'reading things' },
    );
    while (runs < 3) await tick();
    await job.stop();
    expect(errors.slice(0, 3)).toEqual(['reading things failed', 'reading things failed', 'reading things failed']);
  });

  it('lets go after stopWaitMs when the run in flight does not end', async () => {
    let ended = false;
    const stuck = () => new Promise<void>((resolve) => setTimeout(() => resolve(void (ended = true)), 60_000).unref());
    const job = repeat(1, stuck, { log: silentLogger(), what: 'a stuck task', now: true, stopWaitMs: 20 });
    await job.stop();
    expect(ended).toBe(false);
  });
});
