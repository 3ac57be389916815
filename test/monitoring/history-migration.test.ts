import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/db/connection.js';
import type { CheckResultsTable } from '../../src/db/types.js';
import { silentLogger } from '../../src/lib/logger.js';
import { toRow, type RecordedResult } from '../../src/monitoring/result.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { DAY, HOUR, MINUTE, MONTH, rollUpResults, Totals } from '../../src/monitoring/rollups.js';
import { createTestDatabase, dialects } from '../support/databases.js';
import { migrateAllBut } from '../support/databases.js';

const clock = { now: () => Date.now() };
const ID = 7;

/** Three days of one check a minute up to now, as 0002's engine stored them: one row each, with messages and details. */
function recentRows(now: number): CheckResultsTable[] {
  const rows: CheckResultsTable[] = [];
  for (let at = now - 3 * DAY + 1_234; at < now - 5_000; at += MINUTE) {
    const i = rows.length;
    const down = i % 97 < 4;
    const r: RecordedResult = down
      ? { monitorId: ID, at, status: 'down', message: 'connection refused', durationMs: 3 }
      : {
          monitorId: ID,
          at,
          status: 'up',
          message: `HTTP 200 in ${100 + (i % 50)} ms`,
          durationMs: 100 + (i % 50),
          statusCode: 200,
          timings: { dns: 1, connect: 2, tls: 3, ttfb: 80 + (i % 50), transfer: 4 },
          detail: { bytes: 100 + (i % 3), finalUrl: 'https://a.test/' },
        };
    rows.push(toRow(r));
  }
  return rows;
}

describe.each(dialects)('the compact history migration on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  it('packs raw results and adds months without losing a rollup', async () => {
    const test = await createTestDatabase(dialect);
    const storage = openStorage({ url: test.url, dataDir: test.dataDir });
    try {
      await migrateAllBut(storage.db, dialect, '0008-compact-history');

      // The database as the old engine left it: raw rows; minutes, hours and days rolled up to their watermarks; a year of older days.
      const now = Date.now();
      const rows = recentRows(now);
      const minutesDone = now - (now % MINUTE) - 2 * MINUTE;
      const hoursDone = minutesDone - (minutesDone % HOUR);
      const daysDone = minutesDone - (minutesDone % DAY);
      const oldDays = rollUpResults(
        Array.from({ length: 400 * 24 }, (_, h) => ({
          monitor_id: ID,
          at: now - (now % DAY) - 410 * DAY + h * HOUR,
          status: h % 50 === 0 ? 2 : 0,
          duration_ms: 200 + (h % 30),
          dns_ms: null,
          connect_ms: null,
          tls_ms: null,
          ttfb_ms: null,
          transfer_ms: null,
        })),
        DAY,
      );
      const rolled = [
        ...rollUpResults(
          rows.filter((r) => r.at < minutesDone),
          MINUTE,
        ),
        ...rollUpResults(
          rows.filter((r) => r.at < hoursDone),
          HOUR,
        ),
        ...rollUpResults(
          rows.filter((r) => r.at < daysDone),
          DAY,
        ),
        ...oldDays,
      ];
      const db = storage.db;
      for (let i = 0; i < rows.length; i += 200)
        await db
          .insertInto('check_results')
          .values(rows.slice(i, i + 200))
          .execute();
      for (let i = 0; i < rolled.length; i += 200)
        await db
          .insertInto('result_rollups')
          .values(rolled.slice(i, i + 200))
          .execute();
      await db
        .insertInto('rollup_watermarks')
        .values([
          { bucket_ms: MINUTE, done_until: minutesDone },
          { bucket_ms: HOUR, done_until: hoursDone },
          { bucket_ms: DAY, done_until: daysDone },
        ])
        .execute();

      expect(await storage.migrate()).toEqual(['0008-compact-history']);

      // Only the hour still running is left unpacked; the rest is in blocks, and every result reads back as it was.
      const unpacked = await db.selectFrom('check_results').select('at').execute();
      expect(unpacked.every((r) => r.at >= now - (now % HOUR))).toBe(true);
      expect((await db.selectFrom('check_blocks').select('start').execute()).length).toBeGreaterThanOrEqual(72);
      const store = new ResultStore(db, clock, silentLogger(), { keepRawMs: 30 * DAY });
      await store.start();
      const listed = await store.repository.listResults(ID, Number.MAX_SAFE_INTEGER, 10_000);
      expect(listed).toEqual([...rows].reverse().map((r) => ({ ...r, detail: r.detail && JSON.stringify(JSON.parse(r.detail)) })));

      // Every level holds everything up to the minute watermark, and the months hold every day.
      const checksOf = async (bucketMs: number) => (await store.repository.rollups(bucketMs, 0, now)).reduce((n, r) => n + r.up + r.degraded + r.down, 0);
      const rolledUp = rows.filter((r) => r.at < minutesDone).length + oldDays.reduce((n, r) => n + r.up + r.down, 0);
      expect(await checksOf(MONTH)).toBe(rolledUp);
      expect(await checksOf(DAY)).toBe(rolledUp);
      expect(await checksOf(HOUR)).toBe(rows.filter((r) => r.at < minutesDone).length);

      // The figures: over the raw days exactly; over a year, the days starting inside it plus the raw days.
      const truth = (from: number, to: number) => {
        const t = new Totals();
        for (const r of rows) if (r.at >= from && r.at < to) t.addResult(r);
        for (const d of oldDays) if (d.start >= from && d.start < to) t.addRollup(d);
        return t;
      };
      for (const [from, to] of [
        [now - 3 * DAY, now],
        [now - DAY - 17 * MINUTE, now - 3 * HOUR],
        [now - 365 * DAY, now],
      ] as const) {
        const got = await store.summary(ID, from, to);
        const want = truth(from, to);
        expect({ from, checks: got.checks, down: got.down, p50: got.latency.p50, p99: got.latency.p99 }).toEqual({
          from,
          checks: want.checks,
          down: want.down,
          p50: want.sketch.quantile(0.5),
          p99: want.sketch.quantile(0.99),
        });
        expect((await store.overview(from, to, [ID])).get(ID)?.checks).toBe(want.checks);
      }
      await store.stop();
    } finally {
      await storage.close();
      await test.cleanup();
    }
  }, 120_000);
});
