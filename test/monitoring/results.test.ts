import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import type { ResultRollupsTable } from '../../src/db/types.js';
import { silentLogger } from '../../src/lib/logger.js';
import { BaselineJob, isSlow, robustBaseline } from '../../src/monitoring/baseline.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { DAY, HOUR, MINUTE, MONTH, rollUpRollups, Totals } from '../../src/monitoring/rollups.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

/** A clock the test moves. */
const clock = {
  t: Date.parse('2026-06-01T00:00:00Z'),
  now() {
    return this.t;
  },
};

function rollupOf(monitorId: number, bucketMs: number, start: number, latencies: number[], down = 0): ResultRollupsTable {
  const totals = new Totals();
  latencies.forEach((ms, i) =>
    totals.addResult({
      monitor_id: monitorId,
      at: start + i,
      status: i < down ? 2 : 0,
      duration_ms: ms,
      dns_ms: null,
      connect_ms: null,
      tls_ms: null,
      ttfb_ms: null,
      transfer_ms: null,
    }),
  );
  return totals.toRow(monitorId, bucketMs, start);
}

describe.each(dialects)('results on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let store: ResultStore;
  let monitorId: number;
  beforeAll(async () => {
    clock.t = Date.parse('2026-06-01T00:00:00Z');
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    store = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 30 * DAY, rollupGraceMs: 0 });
    await store.start();
    const site = await core.sites.createSite({ name: 'S' });
    monitorId = (await core.sites.createMonitor(site.id, { name: 'M', type: 'http', url: 'https://s.test/' })).id;
  });
  afterAll(async () => {
    await store?.stop();
    await core?.close();
    await db?.cleanup();
  });

  it('rolls raw results up into minutes, hours and days that agree with the raw data', async () => {
    const start = clock.t;
    // Two days and a bit of one check a minute; every 10th is down; latencies 100–199 ms.
    for (let i = 0; i < 2 * 1440 + 90; i++) {
      store.record({ monitorId, at: start + i * MINUTE, status: i % 10 === 0 ? 'down' : 'up', message: 'x', durationMs: 100 + (i % 100) }, undefined, []);
      if (i % 500 === 0) await store.flush();
    }
    await store.flush();
    clock.t = start + 2 * DAY + 90 * MINUTE;
    await store.rollUp();
    const whole = await store.summary(monitorId, start, clock.t);
    expect(whole.checks).toBe(2 * 1440 + 90);
    expect(whole.down).toBe(Math.ceil((2 * 1440 + 90) / 10));
    expect(whole.uptime).toBeCloseTo(90, 0);
    expect(Math.abs(whole.latency.p50! - 150) / 150).toBeLessThan(0.03);
    // A window that starts mid-hour and ends in raw data reads whole days, hours, minutes and raw rows alike.
    const part = await store.summary(monitorId, start + 37 * MINUTE, start + DAY + 95 * MINUTE);
    expect(part.checks).toBe(DAY / MINUTE + 95 - 37);
    const days = await store.repository.rollups(DAY, start, start + 2 * DAY);
    expect(days.map((d) => d.up + d.degraded + d.down)).toEqual([1440, 1440]);
    // Rolling up again changes nothing.
    await store.rollUp();
    expect((await store.summary(monitorId, start, clock.t)).checks).toBe(whole.checks);
  });

  it('counts results not rolled up yet in the overview of every monitor', async () => {
    const id = (await core.sites.createMonitor((await core.sites.getMonitor(monitorId)).siteId, { name: 'Other', type: 'http', url: 'https://s.test/o' })).id;
    const at = clock.t;
    for (let i = 0; i < 5; i++)
      store.record({ monitorId: id, at: at + i * 1_000, status: i === 4 ? 'down' : 'up', message: 'x', durationMs: 100 }, undefined, []);
    await store.flush();
    const overview = await store.overview(at - 3_600_000, at + 10_000);
    expect(overview.get(id)).toEqual({ checks: 5, uptime: 80, avgLatency: 100 });
    // One page of monitors (what GET /overview reads): those monitors and no others.
    const page = await store.overview(at - 3_600_000, at + 10_000, [id, id + 1]);
    expect([...page.keys()]).toEqual([id]);
    expect(page.get(id)).toEqual({ checks: 5, uptime: 80, avgLatency: 100 });
    expect(overview.size).toBeGreaterThan(1);
  });

  it('answers a year of uptime from a year of rollups', async () => {
    const year = Date.parse('2025-01-01T00:00:00Z');
    const rows: ResultRollupsTable[] = [];
    for (let d = 0; d < 365; d++)
      rows.push(
        rollupOf(
          monitorId + 1000,
          DAY,
          year + d * DAY,
          Array.from({ length: 1440 }, (_, i) => 50 + (i % 50)),
          d === 100 ? 144 : 0,
        ),
      );
    // As the engine writes them: every day also goes into its month.
    await store.repository.upsertRollups([...rows, ...rollUpRollups(rows, MONTH)]);
    const summary = await store.summary(monitorId + 1000, year, year + 365 * DAY);
    expect(summary.checks).toBe(365 * 1440);
    expect(summary.down).toBe(144);
    expect(summary.uptime).toBeCloseTo(100 - (100 * 144) / (365 * 1440), 5);
  });

  it('counts the minutes rolled up since the hours, days and months last took them in', async () => {
    const id = (await core.sites.createMonitor((await core.sites.getMonitor(monitorId)).siteId, { name: 'Lag', type: 'http', url: 'https://s.test/l' })).id;
    const from = clock.t - (clock.t % (10 * MINUTE)) + 10 * MINUTE;
    for (let i = 0; i < 17; i++) store.record({ monitorId: id, at: from + i * MINUTE, status: 'up', message: 'x', durationMs: 100 }, undefined, []);
    await store.flush();
    clock.t = from + 17 * MINUTE;
    await store.rollUp();
    // Minutes are rolled up to :17, the hour, day and month rows only to :10 (every ten minutes).
    expect(store.coverage()).toMatchObject({ doneUntil: from + 17 * MINUTE, coarseUntil: from + 10 * MINUTE });
    const [hour] = await store.repository.rollups(HOUR, from - (from % HOUR), clock.t, id);
    expect(hour?.up).toBe(10);
    const monthStart = Date.UTC(new Date(from).getUTCFullYear(), new Date(from).getUTCMonth(), 1);
    for (const since of [from, from - (from % HOUR), from - (from % DAY), monthStart, from - 365 * DAY]) {
      expect((await store.summary(id, since, clock.t)).checks).toBe(17);
      expect((await store.overview(since, clock.t, [id])).get(id)?.checks).toBe(17);
    }
    // Three minutes later the next ten are merged and the answers stay the same.
    clock.t += 3 * MINUTE;
    await store.rollUp();
    expect((await store.repository.rollups(HOUR, from - (from % HOUR), clock.t, id))[0]?.up).toBe(17);
    expect((await store.summary(id, monthStart, clock.t)).checks).toBe(17);
  });

  it('merges the minutes of every monitor into the coarse levels, whatever the gaps between their ids', async () => {
    const { coarseUntil } = store.coverage();
    // Ids on either side of a page of a thousand, and far apart.
    const ids = [0, 999, 1_000, 2_500, 10_000].map((i) => 900_000 + i);
    await store.repository.upsertRollups(ids.flatMap((id) => Array.from({ length: 10 }, (_, m) => rollupOf(id, MINUTE, coarseUntil + m * MINUTE, [100, 120]))));
    clock.t = Math.max(clock.t, coarseUntil + 20 * MINUTE);
    await store.rollUp();
    expect(store.coverage().coarseUntil).toBeGreaterThanOrEqual(coarseUntil + 10 * MINUTE);
    for (const id of ids) {
      const hours = await store.repository.rollups(HOUR, coarseUntil - (coarseUntil % HOUR), coarseUntil + 10 * MINUTE, id);
      expect(hours.reduce((sum, r) => sum + r.up, 0)).toBe(20);
      expect((await store.repository.rollups(DAY, coarseUntil - (coarseUntil % DAY), coarseUntil + 10 * MINUTE, id))[0]?.up).toBe(20);
    }
  });

  it('deletes old rollups a few rows per statement, exactly those before the cutoff', async () => {
    const siteId = (await core.sites.getMonitor(monitorId)).siteId;
    const ids = [monitorId];
    for (const name of ['D1', 'D2']) ids.push((await core.sites.createMonitor(siteId, { name, type: 'http', url: `https://s.test/${name}` })).id);
    const old = Date.parse('2020-01-01T00:00:00Z');
    const rows = [0, 1, 2, 3, 4].flatMap((h) => ids.map((id) => rollupOf(id, HOUR, old + h * HOUR, [100])));
    await store.repository.upsertRollups(rows);
    // Three rows per statement: batches end inside an hour's monitors as well as between hours.
    expect(await store.repository.deleteRollupsBefore(HOUR, old + 3 * HOUR, 3)).toBe(9);
    expect(await store.repository.deleteRollupsBefore(HOUR, old + 4 * HOUR, 2)).toBe(3);
    const left = await store.repository.rollups(HOUR, old, old + 5 * HOUR);
    expect(left.map((r) => r.start)).toEqual([old + 4 * HOUR, old + 4 * HOUR, old + 4 * HOUR]);
  });

  it('expires raw results past their age and keeps the rollups', async () => {
    const before = await store.summary(monitorId, Date.parse('2026-06-01T00:00:00Z'), clock.t);
    clock.t += 30 * DAY;
    const deleted = await store.expire();
    expect(deleted).toBeGreaterThan(1000);
    const after = await store.summary(monitorId, Date.parse('2026-06-01T00:00:00Z'), Date.parse('2026-06-03T00:00:00Z'));
    expect(after.checks).toBe(2 * 1440);
    expect(before.checks).toBeGreaterThan(after.checks);
  });

  it('notices a monitor that is slower than usual and says by how much', async () => {
    const id = monitorId + 2000;
    const now = Date.parse('2026-09-10T12:00:00Z');
    clock.t = now;
    const hours = Array.from({ length: 48 }, (_, h) =>
      rollupOf(
        id,
        HOUR,
        now - (h + 1) * HOUR,
        Array.from({ length: 60 }, (_, i) => 190 + (i % 21)),
      ),
    );
    const minutes = Array.from({ length: 15 }, (_, m) => rollupOf(id, MINUTE, now - (m + 1) * MINUTE, [820, 830, 840, 835]));
    await store.repository.upsertRollups([...hours, ...minutes]);
    const notes = new Map<number, string | null>();
    const job = new BaselineJob(
      store.repository,
      clock,
      // The monitor on the second page the job works through.
      () => Array.from({ length: 1_500 }, (_, i) => id - 1_200 + i),
      (m, slow) => notes.set(m, slow),
      (m) => Boolean(notes.get(m)),
    );
    await job.run();
    expect(notes.get(id)).toMatch(/^p95 8\d\d ms, usually 2\d\d ms$/);
    await store.repository.upsertRollups(Array.from({ length: 15 }, (_, m) => rollupOf(id, MINUTE, now - (m + 1) * MINUTE, [200, 205, 210, 198])));
    await job.run();
    expect(notes.get(id)).toBeNull();
  });
});

describe('the baseline rule', () => {
  it('needs enough samples and is robust to outliers', () => {
    expect(robustBaseline([1, 2, 3])).toBeUndefined();
    const b = robustBaseline([200, 210, 205, 190, 5_000, 198, 202])!;
    expect(b.median).toBe(202);
    expect(b.spread).toBeLessThan(15);
  });

  it('wants a clear margin to start and less to stay, so it does not flap', () => {
    const b = { median: 200, spread: 10, samples: 24 };
    expect(isSlow(290, b, false)).toBe(false);
    expect(isSlow(310, b, false)).toBe(true);
    expect(isSlow(260, b, true)).toBe(true);
    expect(isSlow(240, b, true)).toBe(false);
    // A fast site needs 50 ms more before it is "slow", whatever its spread.
    expect(isSlow(40, { median: 10, spread: 0.5, samples: 24 }, false)).toBe(false);
  });
});
