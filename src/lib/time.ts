import { AppError } from './errors.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall-clock time in `timezone` at instant `at`, as milliseconds of a UTC date with those fields. */
export function wallClock(at: number, timezone: string): number {
  const parts = Object.fromEntries(
    formatter(timezone)
      .formatToParts(new Date(at))
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second) + (at % 1000);
}

/**
 * The instant at which `timezone`'s clocks show `wall` (a UTC date holding the wall-clock fields).
 * A wall time skipped by a spring-forward change is moved forward by the gap (02:30 → 03:30);
 * one that happens twice in autumn is the later one.
 */
export function zonedToUtc(wall: number, timezone: string): number {
  const offsetAt = (t: number) => wallClock(t, timezone) - t;
  const first = wall - offsetAt(wall);
  return wall - offsetAt(first);
}

/** Minutes since midnight of `at` in `timezone`. */
export function minuteOfDay(at: number, timezone: string): number {
  const wall = wallClock(at, timezone);
  return Math.floor((wall % 86_400_000) / 60_000);
}

/** [from, to) of a calendar month in a time zone (DST changes inside it included); `shift` months later (or earlier). */
export function monthOf(month: string, timezone: string, shift = 0): { from: number; to: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new AppError('invalid_input', `expected a month like "2026-11", got "${month}"`, { details: [{ path: 'month', message: 'expected YYYY-MM' }] });
  const year = Number(m[1]);
  const index = Number(m[2]) - 1 + shift;
  return { from: zonedToUtc(Date.UTC(year, index, 1), timezone), to: zonedToUtc(Date.UTC(year, index + 1, 1), timezone) };
}
