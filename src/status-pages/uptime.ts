import { wallClock, zonedToUtc } from '../lib/time.js';

const DAY = 86_400_000;

/** Counts of checks over one day of one monitor. */
export interface DayCounts {
  checks: number;
  up: number;
  degraded: number;
  down: number;
}

export const noCounts: DayCounts = { checks: 0, up: 0, degraded: 0, down: 0 };
export const addCounts = (a: DayCounts, b: DayCounts): DayCounts => ({
  checks: a.checks + b.checks,
  up: a.up + b.up,
  degraded: a.degraded + b.degraded,
  down: a.down + b.down,
});

export type SummaryFn = (monitorId: number, from: number, to: number) => Promise<DayCounts>;

/** The starts (UTC instants) of the last `days` local days in `timezone`, oldest first, the last one being today. */
export function localDays(now: number, days: number, timezone: string): number[] {
  const todayWall = wallClock(now, timezone);
  const midnight = todayWall - (todayWall % DAY);
  return Array.from({ length: days + 1 }, (_, i) => zonedToUtc(midnight - (days - i) * DAY, timezone));
}

/**
 * Per-day check counts of monitors, for the 90-day bars. A day that ended long enough ago (its
 * results are rolled up and nothing more can arrive) is read once and kept; only recent days are
 * read again, so a page re-rendered every few seconds costs a few queries per monitor.
 */
export class DailyUptime {
  private readonly settled = new Map<string, DayCounts>();
  private pruned = 0;

  constructor(
    private readonly summary: SummaryFn,
    /** How long after a day ends its counts can still change (late results, rollup grace). */
    private readonly settleMs = 2 * 3_600_000,
  ) {}

  /** Counts for each day of `starts` (day i spans starts[i] to starts[i + 1]; the last runs to `now`). */
  async days(monitorId: number, starts: readonly number[], now: number): Promise<DayCounts[]> {
    this.forgetOld(now);
    const out: DayCounts[] = [];
    for (let i = 0; i < starts.length; i++) {
      const from = starts[i]!;
      const to = starts[i + 1] ?? now;
      const key = `${monitorId}:${from}:${to}`;
      const known = this.settled.get(key);
      if (known) {
        out.push(known);
        continue;
      }
      const counts = await this.summary(monitorId, from, to);
      const settled = { checks: counts.checks, up: counts.up, degraded: counts.degraded, down: counts.down };
      if (to + this.settleMs < now) this.settled.set(key, settled);
      out.push(settled);
    }
    return out;
  }

  /** Once a day, forgets days older than any page shows (92 days covers every time zone). */
  private forgetOld(now: number): void {
    if (now - this.pruned < DAY) return;
    this.pruned = now;
    for (const key of this.settled.keys()) if (Number(key.split(':')[1]) < now - 92 * DAY) this.settled.delete(key);
  }
}
