import { describe, expect, it } from 'vitest';
import { decompose, viaMonths, type Coverage } from './planner.js';
import { DAY, LEVELS, MONTH } from './rollups.js';

const doneUntil = Date.UTC(2026, 11, 6, 17, 14);
const cover = (keptFrom: (ms: number) => number = () => -Infinity): Coverage => ({
  keptFrom: new Map(LEVELS.map((l) => [l.ms, keptFrom(l.ms)])),
  rawFrom: doneUntil - 30 * DAY,
  doneUntil,
  coarseUntil: doneUntil,
});

describe('reading totals from fewer rows', () => {
  it("reads a year's old edge as its month less the days before the window, merged with the months after it", () => {
    const c = cover();
    const { add, subtract } = viaMonths(decompose(Date.UTC(2025, 11, 7), doneUntil, c), c);
    expect(add).toEqual([{ bucketMs: MONTH, from: Date.UTC(2025, 11, 1), to: doneUntil }]);
    expect(subtract).toEqual([{ bucketMs: DAY, from: Date.UTC(2025, 11, 1), to: Date.UTC(2025, 11, 7) }]);
  });

  it('keeps the days when they are fewer than the ones to take off, or when the month or its first days are not kept', () => {
    const late = decompose(Date.UTC(2025, 11, 26, 5), doneUntil, cover());
    expect(viaMonths(late, cover())).toEqual({ add: late, subtract: [] });
    const early = decompose(Date.UTC(2025, 11, 6, 5), doneUntil, cover());
    const daysFromThe5th = cover((ms) => (ms === DAY ? Date.UTC(2025, 11, 5) : -Infinity));
    expect(viaMonths(early, daysFromThe5th).subtract).toEqual([]);
    // Within one month the days are all there is.
    const june = decompose(Date.UTC(2026, 5, 3), Date.UTC(2026, 5, 20), cover());
    expect(viaMonths(june, cover())).toEqual({ add: june, subtract: [] });
  });
});
