import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { duration, formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it('parses the written forms into milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1_500);
  });

  it('refuses what is not a duration', () => {
    for (const text of ['fast', '30', 's', '5 minutes', '-5s', '']) expect(parseDuration(text)).toBeUndefined();
  });

  it('writes milliseconds back in the shortest exact unit', () => {
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_800_000)).toBe('30m');
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(1_500)).toBe('1500ms');
  });

  it('decodes and encodes as a schema field, with bounds in the message', () => {
    const schema = z.object({ every: duration({ min: 1_000 }) });
    expect(schema.parse({ every: '2m' })).toEqual({ every: 120_000 });
    expect(z.encode(schema, { every: 120_000 })).toEqual({ every: '2m' });
    expect(schema.safeParse({ every: 'fast' }).error?.issues[0]?.message).toBe('expected a duration like "30s" or "5m", got "fast"');
    expect(schema.safeParse({ every: '10ms' }).error?.issues[0]?.message).toBe('expected a duration at least 1s, got "10ms"');
  });
});
