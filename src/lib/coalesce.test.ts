import { describe, expect, it } from 'vitest';
import { coalesced } from './coalesce.js';

describe('coalesced', () => {
  it('runs once more after a run for every burst of calls during it, never two at once', async () => {
    const seen: number[] = [];
    let value = 0;
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const read = coalesced(async () => {
      running++;
      most = Math.max(most, running);
      const at = value;
      await new Promise<void>((resolve) => gates.push(resolve));
      seen.push(at);
      running--;
    });
    const first = read();
    // Changes and their notices while the first read is under way: the first read began before them.
    const during = [1, 2, 3].map((v) => ((value = v), read()));
    await new Promise((resolve) => setTimeout(resolve, 5));
    gates.shift()!();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(gates).toHaveLength(1);
    gates.shift()!();
    await Promise.all(during);
    expect(seen).toEqual([0, 3]);
    expect(most).toBe(1);
  });

  it('runs again after a failed run, and the caller of the failed one hears of it', async () => {
    let calls = 0;
    const read = coalesced(async () => {
      calls++;
      if (calls === 1) throw new Error('the database is away');
    });
    await expect(read()).rejects.toThrow('the database is away');
    await read();
    expect(calls).toBe(2);
  });
});
