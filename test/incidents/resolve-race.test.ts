import { afterAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/types.js';
import { AckLinks } from '../../src/incidents/ack-links.js';
import { applyMonitorEvents } from '../../src/incidents/from-events.js';
import { IncidentsRepository } from '../../src/incidents/incidents.repository.js';
import { IncidentsService } from '../../src/incidents/incidents.service.js';
import { Notifier } from '../../src/incidents/notifier.js';
import { silentLogger } from '../../src/lib/logger.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { until } from '../support/receivers.js';

describe.each(dialects)('a failure at the moment its incident resolves, on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it('wins: the incident stays open with the monitor failing, and no resolution goes out', async () => {
    db = await createTestDatabase(dialect);
    const core = await openTestCore(db);
    try {
      const site = await core.sites.createSite({ name: 'Shop' });
      const monitor = await core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: 'https://shop.test/' });
      await core.channels.create({ name: 'hook', type: 'webhook', url: 'https://hooks.test/x', secret: 'a-webhook-secret-of-some-length' });
      const links = new AckLinks(core.secrets.derive('acknowledge links'));
      const notifier = new Notifier(core.siteCodec, links, core.clock, { publicUrl: undefined, ackLinkTtlMs: 3_600_000, groupWaitMs: 0 });
      const service = new IncidentsService(core.storage.db, core.siteCodec, notifier, links, core.clock, silentLogger());
      const repo = new IncidentsRepository(core.storage.db);
      const now = Date.now();
      // Home failed, recovered, and the cool-down is over: the incident is due to resolve.
      const id = await repo.insert({
        site_id: site.id,
        title: 'Home is down',
        severity: 'critical',
        status: 'open',
        origin: 'auto',
        summary: 'HTTP 503',
        owner: null,
        opened_at: now - 60_000,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolve_at: now - 1_000,
        escalation_policy: null,
        next_escalation_at: null,
        next_reminder_at: null,
        postmortem: null,
        source: null,
        updated_at: now,
      });
      await repo.upsertMonitor({ incident_id: id, monitor_id: monitor.id, status: 'up', message: 'HTTP 200', since: now - 5_000 });
      const ctx = { clock: core.clock, codec: core.siteCodec, notifier, resolveAfterMs: () => 1_000 };
      const failAgain = (trx: Kysely<Database>) =>
        applyMonitorEvents(
          trx,
          [{ id: 1, monitorId: monitor.id, kind: 'status', at: Date.now(), from: 'up', to: 'down', message: 'HTTP 503 again', evidence: [] }],
          ctx,
        );

      if (dialect === 'sqlite') {
        // One connection, taken in turn: the housekeeping reads what is due, then the failure is written, then it resolves.
        const tick = service.tick();
        await core.storage.db.transaction().execute(failAgain);
        await tick;
      } else {
        // The failure's transaction holds the incident while the housekeeping reads it as due and waits to resolve it.
        let commit!: () => void;
        const held = new Promise<void>((resolve) => (commit = resolve));
        const failing = core.storage.db.transaction().execute(async (trx) => {
          await failAgain(trx);
          await held;
        });
        const tick = service.tick();
        const waiting = sql<{ n: string }>`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`;
        await until('the housekeeping to wait for the incident', async () => (await waiting.execute(core.storage.db)).rows[0]!.n !== '0', 10_000);
        commit();
        await failing;
        await tick;
      }

      const incident = (await repo.get(id))!;
      expect(incident.status).toBe('open');
      expect(incident.resolve_at).toBeNull();
      const events = (await core.storage.db.selectFrom('notifications').select('event').where('incident_id', '=', id).execute()).map((n) => n.event);
      expect(events).not.toContain('incident.resolved');
    } finally {
      await core.close();
    }
  });
});
