import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/types.js';
import { ResultsRepository } from '../../src/monitoring/results.repository.js';
import { DAY, HOUR, MONTH, rollUpResults, type RawRow } from '../../src/monitoring/rollups.js';

/**
 * Writes `days` days of history before today for monitors, as the engine would have rolled it up
 * (hour, day and month rollups from one check every 5 minutes), so pages show 90-day bars without
 * waiting 90 days. `downChecks(monitorId, daysAgo)` says how many of a day's 288 checks failed.
 */
export async function seedHistory(
  db: Kysely<Database>,
  monitorIds: readonly number[],
  days: number,
  now: number,
  downChecks: (monitorId: number, daysAgo: number) => number,
): Promise<void> {
  const today = now - (now % DAY);
  const repo = new ResultsRepository(db);
  for (const monitorId of monitorIds) {
    const rows: RawRow[] = [];
    for (let ago = days; ago >= 1; ago--) {
      const start = today - ago * DAY;
      const down = downChecks(monitorId, ago);
      for (let i = 0; i < 288; i++) {
        const ok = i >= down;
        const ms = 80 + ((monitorId * 7 + i * 13) % 60);
        rows.push({
          monitor_id: monitorId,
          at: start + i * 300_000 + 1_000,
          status: ok ? 0 : 2,
          duration_ms: ms,
          dns_ms: 2,
          connect_ms: 5,
          tls_ms: 10,
          ttfb_ms: ms - 20,
          transfer_ms: 3,
        });
      }
    }
    await repo.upsertRollups([HOUR, DAY, MONTH].flatMap((level) => rollUpResults(rows, level)));
  }
}
