import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { bucketFor, monitorSeries } from '../../src/dashboard/series.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { RecordedResult } from '../../src/monitoring/result.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { DAY, HOUR, MINUTE, MONTH } from '../../src/monitoring/rollups.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

const clock = {
  t: 0,
  now() {
    return this.t;
  },
};

const START = Date.parse('2026-01-01T00:07:00Z');
const DAYS = 100;
const EVERY = 10 * MINUTE;

/** 100 days of one check every 10 minutes: outages of a few hours now and then, slow spells (degraded), latency and phases that vary. */
function fixture(monitorId: number, seed: number): RecordedResult[] {
  const out: RecordedResult[] = [];
  for (let i = 0; i < (DAYS * DAY) / EVERY; i++) {
    const at = START + i * EVERY + ((i * 37 + seed) % 900);
    const hourOfRun = Math.floor((i * EVERY) / HOUR);
    const down = (hourOfRun + seed) % 97 < 3;
    const degraded = !down && (hourOfRun * 7 + seed) % 53 === 0;
    const ms = 40 + ((i * 31 + seed * 11) % 400) + (degraded ? 900 : 0);
    out.push(
      down
        ? { monitorId, at, status: 'down', message: i % 2 ? 'connection refused' : 'timeout after 10 s', durationMs: 10_000 }
        : {
            monitorId,
            at,
            status: degraded ? 'degraded' : 'up',
            message: degraded ? `slow: ${ms} ms` : `HTTP 200 in ${ms} ms`,
            durationMs: ms,
            statusCode: 200,
            timings: { dns: 2 + (i % 3), connect: 5, tls: 9 + (i % 5), ttfb: ms - 30, transfer: 14 },
            detail: { bytes: 5120 + (i % 2), finalUrl: 'https://shop.test/', remoteAddress: '127.0.0.1' },
          },
    );
  }
  return out;
}

/** Everything the API derives from results, over the windows it offers (and a few older, aligned ones). */
async function figures(store: ResultStore, ids: readonly number[], now: number) {
  const windows = { '1h': HOUR, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY, '365d': 365 * DAY };
  const out: Record<string, unknown> = {};
  for (const [name, w] of Object.entries(windows)) {
    for (const id of ids) {
      out[`summary ${name} #${id}`] = await store.summary(id, now - w, now);
      out[`chart ${name} #${id}`] = await monitorSeries(store, id, now - w, now, bucketFor(w));
    }
    out[`overview ${name}`] = Object.fromEntries([...(await store.overview(now - w, now, ids))].sort(([a], [b]) => a - b));
  }
  // Windows on day boundaries long ago, as status pages' daily bars and `to=` ask for them.
  const today = now - (now % DAY);
  for (const [from, to] of [
    [today - 80 * DAY, today - 77 * DAY],
    [today - 95 * DAY, today - 40 * DAY],
    [Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)],
  ] as const)
    for (const id of ids) out[`summary ${new Date(from).toISOString()}–${new Date(to).toISOString()} #${id}`] = await store.summary(id, from, to);
  return out;
}

describe.each(dialects)('thinning rollups by age on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  const ids: number[] = [];
  const now = START + DAYS * DAY + 3 * MINUTE;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    clock.t = START;
    core = await openTestCore(db, clock);
    const site = await core.sites.createSite({ name: 'S' });
    for (const name of ['Shop', 'Blog']) ids.push((await core.sites.createMonitor(site.id, { name, type: 'http', url: `https://${name}.test/` })).id);
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });

  it('keeps every figure the API gives while minutes, hours and raw results go by age', async () => {
    // A store that keeps everything writes and rolls up the fixture, as the engine does over 100 days.
    const everything = new ResultStore(core.storage.db, clock, silentLogger(), {
      keepRawMs: Infinity,
      keepMinutesMs: Infinity,
      keepHoursMs: Infinity,
      rollupGraceMs: 0,
    });
    await everything.start();
    const all = ids.flatMap((id, i) => fixture(id, i + 1)).sort((a, b) => a.at - b.at);
    for (let i = 0; i < all.length; i++) {
      everything.record(all[i]!, undefined, []);
      if (i % 5_000 === 4_999) await everything.flush();
    }
    await everything.flush();
    clock.t = now;
    await everything.rollUp();
    const before = await figures(everything, ids, now);
    // What the results API lists is the same after packing: messages and details included.
    const listed = await everything.repository.listResults(ids[0]!, Number.MAX_SAFE_INTEGER, 2_000);
    expect(listed.map((r) => r.at)).toEqual(
      all
        .filter((r) => r.monitorId === ids[0])
        .map((r) => r.at)
        .reverse()
        .slice(0, 2_000),
    );
    expect(listed.find((r) => r.status === 2)?.message).toMatch(/connection refused|timeout/);
    expect(JSON.parse(listed.find((r) => r.detail)!.detail!)).toMatchObject({ finalUrl: 'https://shop.test/' });
    await everything.stop();

    // The store as the engine runs it thins by age.
    const thinned = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 30 * DAY, rollupGraceMs: 0 });
    await thinned.start();
    const rowsOf = async (bucketMs: number) =>
      (await thinned.repository.rollups(bucketMs, 0, now)).filter((r) => ids.includes(r.monitor_id)).map((r) => r.start);
    const minutesBefore = (await rowsOf(MINUTE)).length;
    const gone = await thinned.expire();
    expect(gone).toBeGreaterThan(2 * 60 * 144);
    expect(Math.min(...(await rowsOf(MINUTE)))).toBeGreaterThanOrEqual(now - 2 * DAY - 2 * MINUTE);
    expect((await rowsOf(MINUTE)).length).toBeLessThan(minutesBefore / 30);
    expect(Math.min(...(await rowsOf(HOUR)))).toBeGreaterThanOrEqual(now - 90 * DAY - 2 * HOUR);
    expect(Math.min(...(await rowsOf(DAY)))).toBe(START - (START % DAY));
    expect((await rowsOf(MONTH)).length).toBe(2 * 4);
    expect((await thinned.repository.resultsBetween(0, now - 31 * DAY)).length).toBe(0);

    const after = await figures(thinned, ids, now);
    // The overview reads a long window's old edge as its month less the days before it; the summary reads the days.
    for (const name of ['7d', '30d', '90d', '365d'])
      for (const id of ids) {
        const overview = (after[`overview ${name}`] as Record<number, { checks: number }>)[id];
        expect({ name, id, checks: overview?.checks }).toEqual({ name, id, checks: (after[`summary ${name} #${id}`] as { checks: number }).checks });
      }
    for (const key of Object.keys(before)) {
      // A 90-day window starts inside the oldest hour still kept, whose checks before the window are no longer known apart: it leaves that hour out.
      if (key.includes(' 90d')) continue;
      expect({ [key]: after[key] }).toEqual({ [key]: before[key] });
    }
    for (const id of ids) {
      const [b, a] = [before[`summary 90d #${id}`], after[`summary 90d #${id}`]] as { checks: number; latency: { p50: number } }[];
      expect(b!.checks - a!.checks).toBeGreaterThanOrEqual(0);
      expect(b!.checks - a!.checks).toBeLessThanOrEqual(HOUR / EVERY);
      expect(Math.abs(a!.latency.p50 - b!.latency.p50) / b!.latency.p50).toBeLessThanOrEqual(0.04);
      // Every chart bucket but the oldest, partial one is the same.
      const [bc, ac] = [before[`chart 90d #${id}`], after[`chart 90d #${id}`]] as unknown[][];
      expect(ac!.slice(1)).toEqual(bc!.slice(1));
    }
    await thinned.stop();
  }, 300_000);
});
