import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BATCH_MS, phaseOf, Scheduler, slotAtOrAfter } from './scheduler.js';

const FIVE_MINUTES = 300_000;
const clock = { now: () => Date.now() };

function scheduler(run: (id: number, due: number) => Promise<void>, onError = vi.fn()) {
  return new Scheduler({ concurrency: 100_000, perHost: 100_000, clock, run, onError });
}

describe('wall-clock slots', () => {
  it('fall at phase + k × interval from the epoch, whenever they are asked for', () => {
    for (const t of [0, 1_234_567, Date.parse('2026-06-01T12:34:56.789Z')]) {
      for (const id of [1, 7, 4242]) {
        const slot = slotAtOrAfter(t, id, FIVE_MINUTES);
        expect(slot).toBeGreaterThanOrEqual(t);
        expect(slot).toBeLessThan(t + FIVE_MINUTES);
        expect((slot - phaseOf(id, FIVE_MINUTES)) % FIVE_MINUTES).toBe(0);
        expect(slotAtOrAfter(slot, id, FIVE_MINUTES)).toBe(slot);
      }
    }
  });
});

describe('the scheduler', () => {
  const t0 = Date.parse('2026-06-01T12:00:00.000Z');
  beforeEach(() => {
    vi.useFakeTimers({ now: t0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a monitor checked since its latest slot at its next slot, and one that missed it soon', async () => {
    const runs: [number, number][] = [];
    const s = scheduler(async (id) => void runs.push([id, Date.now()]));
    const slot = slotAtOrAfter(t0, 1, FIVE_MINUTES);
    s.upsert(1, FIVE_MINUTES, 'a', slot - FIVE_MINUTES + 1);
    s.upsert(2, FIVE_MINUTES, 'a', slotAtOrAfter(t0, 2, FIVE_MINUTES) - FIVE_MINUTES - 1);
    s.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toEqual([[2, t0]]);
    await vi.advanceTimersByTimeAsync(FIVE_MINUTES);
    expect(runs.filter(([id]) => id === 1).map(([, at]) => at)).toEqual([slot]);
    // After the catch-up, monitor 2 is back on its own slots.
    expect(runs.filter(([id]) => id === 2).map(([, at]) => at)).toEqual([t0, slotAtOrAfter(t0 + 1, 2, FIVE_MINUTES)]);
    await s.stop();
  });

  it('catches 100,000 overdue monitors up at a steady rate, not in one burst, and runs each within its interval', async () => {
    const first = new Map<number, number>();
    const s = scheduler(async (id) => void (first.has(id) || first.set(id, Date.now())));
    for (let id = 1; id <= 100_000; id++) s.upsert(id, FIVE_MINUTES, `h${id % 100}`);
    s.start();
    await vi.advanceTimersByTimeAsync(1_000);
    // 50 catch-ups a second, plus the monitors whose own slot came in that second (about 1 in 300).
    expect(first.size).toBeLessThanOrEqual(50 + 1.2 * (100_000 / 300));
    await vi.advanceTimersByTimeAsync(FIVE_MINUTES);
    expect(first.size).toBe(100_000);
    await s.stop();
  });

  it('starts the checks due within BATCH_MS of a timer with it: never later than their slot, never earlier than that, once per slot', async () => {
    const runs = new Map<number, number[]>();
    const s = scheduler(async (id) => {
      const times = runs.get(id) ?? [];
      runs.set(id, [...times, Date.now()]);
    });
    // 200 checks a second: a timer per slot would wake the process about as often.
    for (let id = 1; id <= 2_000; id++) s.upsert(id, 10_000, 'a', t0 - 1);
    s.start();
    await vi.advanceTimersByTimeAsync(30_000);
    await s.stop();
    for (let id = 1; id <= 2_000; id++) {
      const slots = [0, 1, 2, 3].map((k) => slotAtOrAfter(t0, id, 10_000) + k * 10_000);
      const times = runs.get(id) ?? [];
      expect(times.length).toBeGreaterThanOrEqual(slots.filter((slot) => slot <= t0 + 30_000).length);
      times.forEach((at, k) => {
        expect(at).toBeLessThanOrEqual(slots[k]!);
        expect(at).toBeGreaterThanOrEqual(slots[k]! - BATCH_MS);
      });
    }
    const wakings = new Set([...runs.values()].flat()).size;
    expect(wakings).toBeLessThanOrEqual(30_000 / BATCH_MS + 1);
  });

  it('reports a check whose bookkeeping failed instead of swallowing it', async () => {
    const onError = vi.fn();
    const s = scheduler(() => Promise.reject(new Error('state machine broke')), onError);
    s.upsert(9, 1_000, 'a');
    s.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(onError).toHaveBeenCalledWith(9, expect.objectContaining({ message: 'state machine broke' }));
    await s.stop();
  });

  /** A run function whose checks end only when the test says so. */
  function held() {
    const runs: number[] = [];
    const ends: (() => void)[] = [];
    const h = {
      runs,
      /** From then on, checks end at once. */
      release: false,
      run: (id: number) => {
        runs.push(id);
        return h.release ? Promise.resolve() : new Promise<void>((resolve) => ends.push(resolve));
      },
      endAll: () => ends.splice(0).forEach((end) => end()),
    };
    return h;
  }

  it('runs a "check now" asked for while the monitor’s check is running right after that check, not never', async () => {
    const h = held();
    const s = scheduler(h.run);
    s.upsert(5, 3_600_000, 'a');
    s.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(h.runs).toEqual([5]);
    s.runAt(5, Date.now());
    await vi.advanceTimersByTimeAsync(10);
    expect(h.runs).toEqual([5]);
    h.endAll();
    await vi.advanceTimersByTimeAsync(10);
    expect(h.runs).toEqual([5, 5]);
    h.endAll();
    await s.stop();
  });

  it('skips the slots of a monitor still waiting for room instead of queueing it again (an overloaded host does not pile up)', async () => {
    const h = held();
    const s = new Scheduler({ concurrency: 10, perHost: 1, clock, run: h.run, onError: vi.fn() });
    // Both on one host that takes one check at a time; 1's check hangs for 10 s, 2 waits behind it.
    s.upsert(1, 60_000, 'a');
    s.upsert(2, 1_000, 'a');
    s.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.runs).toEqual([1]);
    h.release = true;
    h.endAll();
    await vi.advanceTimersByTimeAsync(10);
    // Once for its ten missed slots, not ten times back to back.
    expect(h.runs).toEqual([1, 2]);
    expect(s.skipped).toBeGreaterThanOrEqual(8);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.runs.filter((id) => id === 2).length).toBeLessThanOrEqual(4);
    await s.stop();
  });

  it('keeps checking a monitor changed while its check was running', async () => {
    const h = held();
    const s = scheduler(h.run);
    s.upsert(6, 60_000, 'a');
    s.start();
    await vi.advanceTimersByTimeAsync(10);
    s.upsert(6, 30_000, 'b');
    h.release = true;
    h.endAll();
    await vi.advanceTimersByTimeAsync(10);
    const before = h.runs.length;
    await vi.advanceTimersByTimeAsync(61_000);
    expect(h.runs.length).toBeGreaterThanOrEqual(before + 2);
    await s.stop();
  });
});
