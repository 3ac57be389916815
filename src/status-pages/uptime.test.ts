import { describe, expect, it } from 'vitest';
import { DailyUptime, localDays } from './uptime.js';

const HOUR = 3_600_000;

describe('local days for the uptime bars', () => {
  it('starts each day at local midnight, so days around a DST change last 23 and 25 hours', () => {
    const now = Date.parse('2026-11-01T12:00:00Z');
    const starts = localDays(now, 220, 'Europe/Stockholm');
    expect(starts).toHaveLength(221);
    expect(new Date(starts.at(-1)!).toISOString()).toBe('2026-10-31T23:00:00.000Z');
    const length = (iso: string) => {
      const i = starts.findIndex((s) => new Date(s).toISOString() === iso);
      return (starts[i + 1]! - starts[i]!) / HOUR;
    };
    expect(length('2026-03-28T23:00:00.000Z')).toBe(23);
    expect(length('2026-10-24T22:00:00.000Z')).toBe(25);
  });
});

describe('DailyUptime', () => {
  it('reads a settled day once, and today every time', async () => {
    const asked: string[] = [];
    const uptime = new DailyUptime(async (id, from, to) => {
      asked.push(`${id}:${from}:${to}`);
      return { checks: 10, up: 9, degraded: 0, down: 1 };
    });
    const now = Date.parse('2026-06-10T12:00:00Z');
    const starts = localDays(now, 3, 'UTC');
    expect(await uptime.days(7, starts, now)).toHaveLength(4);
    expect(asked).toHaveLength(4);
    await uptime.days(7, starts, now + 60_000);
    // Only today (whose end moved) is read again.
    expect(asked).toHaveLength(5);
    expect(asked.at(-1)).toBe(`7:${starts[3]}:${now + 60_000}`);
  });
});
