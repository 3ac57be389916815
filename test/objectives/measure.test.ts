import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { MaintenanceCalendar } from '../../src/incidents/maintenance.js';
import { maintenanceSchema } from '../../src/incidents/incidents.schema.js';
import { silentLogger } from '../../src/lib/logger.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { periodOf } from '../../src/objectives/measure.js';
import { objectiveSchema } from '../../src/sites/objective.schema.js';
import { ObjectivesService } from '../../src/objectives/objectives.service.js';
import { config, openTestCore } from '../support/core.js';
import { testClock } from '../support/clock.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const clock = testClock();

describe('objectives in upkeep.yaml', () => {
  it('are read under their site, with clear errors at the field that is wrong', () => {
    const loaded = config(`
sites:
  - name: Shop
    owner: ada@agency.example
    objectives:
      - { name: Available, type: availability, target: 99.9, period: month, timezone: Europe/Stockholm, excludeMaintenance: true }
      - { name: Fast, type: latency, monitor: Home, under: 800ms, window: 7d }
`);
    expect(loaded.config.sites[0]!.objectives).toEqual([
      {
        name: 'Available',
        type: 'availability',
        target: 99.9,
        period: 'month',
        window: 30 * DAY,
        timezone: 'Europe/Stockholm',
        excludeMaintenance: true,
        alert: true,
      },
      {
        name: 'Fast',
        type: 'latency',
        monitor: 'Home',
        percentile: 95,
        under: 800,
        period: 'rolling',
        window: 7 * DAY,
        timezone: 'UTC',
        excludeMaintenance: false,
      },
    ]);
    expect(() => config('sites: [{ name: S, objectives: [{ name: A, type: availability, target: 100 }] }]')).toThrow(
      /sites\[0\]\.objectives\[0\]\.target: a target below 100 %/,
    );
    expect(() => config('sites: [{ name: S, objectives: [{ name: A, type: latency, under: 1s }, { name: A, type: availability, target: 99 }] }]')).toThrow(
      /two objectives are named "A"/,
    );
    expect(() => config('sites: [{ name: S, owner: "not an email" }]')).toThrow(/sites\[0\]\.owner: expected the email of an account/);
  });

  it('a calendar month runs from its first midnight to the next in its time zone, across the DST change', () => {
    const spec = objectiveSchema.parse({ name: 'M', type: 'availability', target: 99, period: 'month', timezone: 'Europe/Stockholm' });
    const now = Date.parse('2026-10-31T12:00:00Z');
    expect(periodOf(spec, now)).toEqual({ from: Date.parse('2026-09-30T22:00:00Z'), to: now });
    // After the clocks went back on 25 October the month still began at 00:00 CEST.
    expect(periodOf(spec, Date.parse('2026-11-01T00:30:00Z')).from).toBe(Date.parse('2026-10-31T23:00:00Z'));
  });
});

describe.each(dialects)('measuring objectives on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let store: ResultStore;
  const calendar = new MaintenanceCalendar();
  beforeAll(async () => {
    clock.t = Date.parse('2026-11-01T00:00:00Z');
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    store = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 30 * DAY, rollupGraceMs: 0 });
    await store.start();
  });
  afterAll(async () => {
    await store?.stop();
    await core?.close();
    await db?.cleanup();
  });

  it('leaves out checks made in the site’s maintenance windows when asked, and measures latency percentiles', async () => {
    const site = await core.sites.createSite({
      name: 'Shop',
      tags: ['acme'],
      objectives: [
        { name: 'All', type: 'availability', target: 99 },
        { name: 'Outside maintenance', type: 'availability', target: 99, excludeMaintenance: true },
        { name: 'Quick', type: 'latency', monitor: 'Home', under: '300ms' },
        { name: 'Very quick', type: 'latency', monitor: 'Home', under: '100ms' },
        { name: 'Ghost', type: 'latency', monitor: 'Nope', under: '1s' },
      ],
    });
    const home = await core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: 'https://shop.test/' });
    // A heartbeat (a backup job) is not part of a site's availability unless named.
    const job = await core.sites.createMonitor(site.id, { name: 'Nightly', type: 'heartbeat', period: '1d' });
    const start = clock.t;
    // Ten hours of a check a minute; everything fails from 02:00 to 03:00, inside a window for the site's tag.
    for (let i = 0; i < 600; i++) {
      const at = start + i * MINUTE;
      const down = at >= start + 2 * HOUR && at < start + 3 * HOUR;
      store.record({ monitorId: home.id, at, status: down ? 'down' : 'up', message: 'x', durationMs: 150 + (i % 100) }, undefined, []);
      store.record({ monitorId: job.id, at, status: 'down', message: 'x' }, undefined, []);
    }
    await store.flush();
    clock.t = start + 10 * HOUR;
    await store.rollUp();
    calendar.set([
      { name: 'Upgrade', spec: maintenanceSchema.parse({ name: 'Upgrade', start: '2026-11-01T02:00:00Z', end: '2026-11-01T03:00:00Z', tags: ['acme'] }) },
    ]);
    const service = new ObjectivesService(core.storage.db, core.sites, store, calendar, clock, silentLogger());
    const byName = Object.fromEntries((await service.forSite(await core.sites.getSite(site.id))).map((s) => [s.spec.name, s]));

    expect(byName.All).toMatchObject({ checks: 600, budget: { failed: 60 }, met: false });
    expect(byName.All!.attainment).toBe(90);
    expect(byName['Outside maintenance']).toMatchObject({ checks: 540, budget: { failed: 0, remaining: 1 }, attainment: 100, met: true });
    // Latencies 150–249 ms: a p95 near 245 ms (sketches are within 2 %).
    expect(byName.Quick).toMatchObject({ met: true, budget: null, burnRates: null });
    expect(Math.abs(byName.Quick!.attainment! - 245) / 245).toBeLessThan(0.03);
    expect(byName['Very quick']!.met).toBe(false);
    expect(byName.Ghost).toMatchObject({ attainment: null, met: null, problem: 'the site has no monitor named "Nope"' });
  });
});
