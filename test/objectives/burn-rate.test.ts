import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { AckLinks } from '../../src/incidents/ack-links.js';
import { Outbox } from '../../src/notify/outbox.service.js';
import { ResultsRepository } from '../../src/monitoring/results.repository.js';
import { Notifier } from '../../src/incidents/notifier.js';
import { silentLogger } from '../../src/lib/logger.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { applyObjectiveAlerts } from '../../src/objectives/alerts.js';
import { ObjectivesService } from '../../src/objectives/objectives.service.js';
import type { ObjectiveStatus } from '../../src/objectives/evaluate.js';
import { openTestCore } from '../support/core.js';
import { testClock } from '../support/clock.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const clock = testClock();
/**
 * Tests that write days of results roll all of them up at once, a minute per transaction: on PostgreSQL on a 2-core
 * machine 20–30 s, near the 30-s default (not a figure anyone relies on).
 */
const DAYS_OF_ROLLUPS_MS = 120_000;

/**
 * The SRE workbook's burn-rate alerts against a 99.9 % objective, on results written through the
 * result store (batches, rollups, raw edges) under a test clock: 2 % failing for an hour pages
 * through the fast rule; 0.2 % for three days raises only the slow rule's ticket; 0.05 % raises
 * nothing. Alerts are incidents with their messages in the outbox.
 */
describe.each(dialects)('objectives and burn-rate alerts on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let store: ResultStore;
  let service: ObjectivesService;
  /** Every rule that fired, by site name, over every evaluation. */
  const fired = new Map<string, Set<string>>();

  beforeAll(async () => {
    clock.t = Date.parse('2026-10-01T00:00:00Z');
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    store = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 30 * DAY, rollupGraceMs: 0 });
    await store.start();
    await core.channels.create({ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-of-some-length' });
    const notifier = new Notifier(
      core.siteCodec,
      new AckLinks(core.secrets.derive('acknowledge links')),
      clock,
      { publicUrl: undefined, ackLinkTtlMs: DAY, groupWaitMs: 0 },
      new Outbox(core.storage.db),
    );
    service = new ObjectivesService(core.storage.db, core.sites, store, undefined, clock, silentLogger(), async (site, statuses) => {
      for (const s of statuses) if (s.alert) fired.set(site.spec.name, new Set([...(fired.get(site.spec.name) ?? []), s.alert.name]));
      await applyObjectiveAlerts(core.storage.db, { clock, notifier }, site, statuses);
    });
  });
  afterAll(async () => {
    await store?.stop();
    await core?.close();
    await db?.cleanup();
  });

  /** Three days of a check every 30 s, every `downEvery`th down, evaluated every hour as the scheduler would. */
  async function threeDays(monitorId: number, downEvery: number): Promise<void> {
    for (let hour = 0; hour < 72; hour++) {
      await checks(monitorId, HOUR / (30 * SECOND), 30 * SECOND, (i) => ((hour * 120 + i) % downEvery === downEvery - 1 ? 'down' : 'up'));
      await service.evaluateAll();
    }
  }

  async function siteWithMonitor(name: string): Promise<{ siteId: number; monitorId: number }> {
    const site = await core.sites.createSite({ name, objectives: [{ name: 'Available', type: 'availability', target: 99.9, window: '30d' }] });
    const monitor = await core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: `https://${name.toLowerCase()}.test/` });
    return { siteId: site.id, monitorId: monitor.id };
  }

  /** Writes `count` results every `every` ms from the clock on through the store, moving the clock past them and rolling up. */
  async function checks(monitorId: number, count: number, every: number, fails: (i: number) => 'down' | 'degraded' | 'up'): Promise<void> {
    const start = clock.t;
    for (let i = 0; i < count; i++) {
      store.record({ monitorId, at: start + i * every, status: fails(i), message: 'x', durationMs: 100 + (i % 50) }, undefined, []);
      if (i % 2_000 === 1_999) await store.flush();
    }
    await store.flush();
    clock.t = start + count * every;
    await store.rollUp();
  }

  const objectiveIncidents = async (siteId: number) =>
    (await core.storage.db.selectFrom('incidents').selectAll().where('site_id', '=', siteId).execute()).filter((i) => i.origin === 'objective');

  async function statusOf(siteId: number): Promise<ObjectiveStatus> {
    return (await service.forSite(await core.sites.getSite(siteId)))[0]!;
  }

  it('2 % of checks failing for an hour pages through the fast-burn rule', async () => {
    const { siteId, monitorId } = await siteWithMonitor('Fast');
    // Six good hours, then an hour with every 50th check down (a check every 2 s).
    await checks(monitorId, (6 * HOUR) / (2 * SECOND), 2 * SECOND, () => 'up');
    await service.evaluateAll();
    expect(fired.get('Fast')).toBeUndefined();
    await checks(monitorId, HOUR / (2 * SECOND), 2 * SECOND, (i) => (i % 50 === 49 ? 'down' : 'up'));
    await service.evaluateAll();

    const status = await statusOf(siteId);
    expect(status.burnRates!['1h']).toBeCloseTo(20, 5);
    expect(status.burnRates!['5m']).toBeGreaterThanOrEqual(14.4);
    // Not through the slower page: six hours at 2 % over one of them burn about 3.3×.
    expect(status.burnRates!['6h']).toBeLessThan(6);
    expect(status.alert).toMatchObject({ name: 'fast', action: 'page', factor: 14.4 });
    const [incident, ...more] = await objectiveIncidents(siteId);
    expect(more).toEqual([]);
    expect(incident).toMatchObject({ severity: 'critical', status: 'open', title: 'Available: error budget burning fast' });
    expect(incident!.summary).toMatch(/^page \(fast burn\): the error budget burns 20\.0× over 1h/);
    const messages = await core.storage.db.selectFrom('notifications').selectAll().where('incident_id', '=', incident!.id).execute();
    expect(messages.map((m) => [m.channel_name, m.event])).toEqual([['hook', 'incident.opened']]);

    // The burn stops: seven good hours later no rule's short window sees it, and the incident resolves.
    await checks(monitorId, (7 * HOUR) / (2 * SECOND), 2 * SECOND, () => 'up');
    await service.evaluateAll();
    expect((await statusOf(siteId)).alert).toBeNull();
    expect((await objectiveIncidents(siteId)).map((i) => i.status)).toEqual(['resolved']);
    const told = await core.storage.db.selectFrom('notifications').select('event').where('incident_id', '=', incident!.id).orderBy('seq').execute();
    expect(told.map((m) => m.event)).toEqual(['incident.opened', 'incident.resolved']);
  });

  it(
    '0.2 % of checks failing for three days raises only the slow rule’s ticket',
    async () => {
      const { siteId, monitorId } = await siteWithMonitor('Slow');
      // A check every 30 s; every 500th is down; evaluated every hour as the scheduler would.
      await threeDays(monitorId, 500);
      expect([...(fired.get('Slow') ?? [])]).toEqual(['slow']);
      const status = await statusOf(siteId);
      expect(status.alert).toMatchObject({ name: 'slow', action: 'ticket' });
      const incidents = await objectiveIncidents(siteId);
      expect(incidents.map((i) => [i.severity, i.status])).toEqual([['minor', 'open']]);
      expect(incidents[0]!.title).toBe('Available: error budget burning slowly');
    },
    DAYS_OF_ROLLUPS_MS,
  );

  it(
    '0.05 % of checks failing raises nothing',
    async () => {
      const { siteId, monitorId } = await siteWithMonitor('Calm');
      await threeDays(monitorId, 2_000);
      expect(fired.get('Calm')).toBeUndefined();
      expect((await statusOf(siteId)).budget!.failed).toBeGreaterThan(0);
      expect(await objectiveIncidents(siteId)).toEqual([]);
    },
    DAYS_OF_ROLLUPS_MS,
  );

  it(
    'the budget left equals the same figure computed from the raw results, exactly, and history keeps a row a day',
    async () => {
      const { siteId, monitorId } = await siteWithMonitor('Exact');
      // Two days and a bit, starting and ending off the minute: rollups in the middle, raw rows at the edges.
      clock.t += 17 * SECOND;
      await checks(monitorId, 5_000, 37 * SECOND, (i) => (i % 97 === 0 ? 'down' : i % 89 === 0 ? 'degraded' : 'up'));
      clock.t += 23 * SECOND;
      const status = await statusOf(siteId);
      // Every raw result, as stored: rows not yet packed and the monitor-hour blocks they were packed into.
      const rows = await new ResultsRepository(core.storage.db).resultsBetween(status.from, status.to, monitorId);
      const total = rows.length;
      const failed = rows.filter((r) => r.status === 2).length;
      expect(total).toBe(5_000);
      expect(status.checks).toBe(total);
      expect(status.budget!.failed).toBe(failed);
      expect(status.budget!.remaining).toBe(1 - failed / ((1 - 99.9 / 100) * total));
      expect(status.attainment).toBe((100 * (total - failed)) / total);

      await service.evaluateAll();
      const history = await service.history(siteId, 3);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ objective: 'Available', checks: total, failed, budget_remaining: status.budget!.remaining, met: 0 });
    },
    DAYS_OF_ROLLUPS_MS,
  );
});
