import { describe, expect, it } from 'vitest';
import { DueQueue } from './due-queue.js';

const drain = (q: DueQueue<number>, now: number) => {
  const out: number[] = [];
  for (let k = q.take(now); k !== undefined; k = q.take(now)) out.push(k);
  return out;
};

describe('the due-time queue', () => {
  it('hands out keys soonest first, only once due, each once', () => {
    const q = new DueQueue<number>();
    q.set(1, 300);
    q.set(2, 100);
    q.set(3, 200);
    expect(q.next()).toBe(100);
    expect(drain(q, 99)).toEqual([]);
    expect(drain(q, 200)).toEqual([2, 3]);
    expect(q.size).toBe(1);
    expect(drain(q, 1_000)).toEqual([1]);
    expect(q.next()).toBeUndefined();
  });

  it('moves a key set again and forgets a deleted one, without handing out their old entries', () => {
    const q = new DueQueue<number>();
    q.set(1, 100);
    q.set(2, 150);
    q.set(1, 500);
    q.delete(2);
    expect(q.get(1)).toBe(500);
    expect(q.has(2)).toBe(false);
    expect(q.next()).toBe(500);
    expect(drain(q, 400)).toEqual([]);
    expect(drain(q, 500)).toEqual([1]);
  });

  it('stays as large as its live keys when the same keys move again and again', () => {
    const q = new DueQueue<number>();
    for (let round = 0; round < 50; round++) for (let k = 0; k < 1_000; k++) q.set(k, round * 10_000 + k);
    expect(q.size).toBe(1_000);
    expect((q as unknown as { heap: { length: number } }).heap.length).toBeLessThanOrEqual(2 * 1_000 + 1_025);
    expect(drain(q, Infinity)).toEqual(Array.from({ length: 1_000 }, (_, k) => k));
  });
});
