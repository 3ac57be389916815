import { describe, expect, it } from 'vitest';
import { minuteOfDay, wallClock, zonedToUtc } from './time.js';

const tz = 'Europe/Stockholm';

describe('time zones', () => {
  it('turns wall-clock times into instants on both sides of DST changes', () => {
    expect(new Date(zonedToUtc(Date.UTC(2026, 2, 22, 2, 0), tz)).toISOString()).toBe('2026-03-22T01:00:00.000Z');
    expect(new Date(zonedToUtc(Date.UTC(2026, 3, 5, 2, 0), tz)).toISOString()).toBe('2026-04-05T00:00:00.000Z');
    // 02:30 does not exist on 29 March 2026 in Stockholm: it becomes 03:30 CEST.
    expect(new Date(zonedToUtc(Date.UTC(2026, 2, 29, 2, 30), tz)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 02:30 happens twice on 25 October 2026: the later one (CET).
    expect(new Date(zonedToUtc(Date.UTC(2026, 9, 25, 2, 30), tz)).toISOString()).toBe('2026-10-25T01:30:00.000Z');
  });

  it('reads the wall clock and the minute of the day', () => {
    expect(new Date(wallClock(Date.parse('2026-07-01T20:15:00Z'), tz)).toISOString()).toBe('2026-07-01T22:15:00.000Z');
    expect(minuteOfDay(Date.parse('2026-01-01T21:30:00Z'), tz)).toBe(22 * 60 + 30);
  });
});
