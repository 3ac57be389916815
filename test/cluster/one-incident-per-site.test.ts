import { afterAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Core } from '../../src/app.js';
import type { Database } from '../../src/db/types.js';
import { AckLinks } from '../../src/incidents/ack-links.js';
import { applyMonitorEvents } from '../../src/incidents/from-events.js';
import { Notifier } from '../../src/incidents/notifier.js';
import { Outbox } from '../../src/notify/outbox.service.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/databases.js';
import { sleep } from '../support/receivers.js';

/**
 * Two nodes of a cluster write the events of two monitors of one site at the same moment, each in
 * its own transaction: the site's lock makes the second wait and join the first one's incident
 * (without it, neither sees the other's uncommitted incident and the site gets two).
 */
/** What applying monitor events needs, as a node has it: incidents open at once, messages queued on the outbox. */
const eventContext = (core: Core) => ({
  clock: core.clock,
  codec: core.siteCodec,
  notifier: new Notifier(
    core.siteCodec,
    new AckLinks(core.secrets.derive('acknowledge links')),
    core.clock,
    { publicUrl: undefined, ackLinkTtlMs: 3_600_000, groupWaitMs: 0 },
    new Outbox(core.storage.db),
  ),
  resolveAfterMs: () => 1_000,
});

describe.skipIf(postgresSkipReason)('two nodes failing monitors of one site at once (PostgreSQL)', () => {
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it('open one incident with both monitors, and one incident.opened message', async () => {
    db = await createTestDatabase('postgres');
    const core = await openTestCore(db);
    try {
      const site = await core.sites.createSite({ name: 'Shop' });
      const home = await core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: 'https://shop.test/' });
      const cart = await core.sites.createMonitor(site.id, { name: 'Cart', type: 'http', url: 'https://shop.test/cart' });
      await core.channels.create({ name: 'hook', type: 'webhook', url: 'https://hooks.test/x', secret: 'a-webhook-secret-of-some-length' });
      const ctx = eventContext(core);
      const fail = (trx: Kysely<Database>, monitorId: number, id: number) =>
        applyMonitorEvents(trx, [{ id, monitorId, kind: 'status', at: Date.now(), from: 'up', to: 'down', message: 'HTTP 503', evidence: [] }], ctx);

      // Node one has written Home's failure and not committed yet when node two writes Cart's.
      let commit!: () => void;
      const held = new Promise<void>((resolve) => (commit = resolve));
      let written!: () => void;
      const first = new Promise<void>((resolve) => (written = resolve));
      const one = core.storage.db.transaction().execute(async (trx) => {
        await fail(trx, home.id, 1);
        written();
        await held;
      });
      await first;
      const two = core.storage.db.transaction().execute((trx) => fail(trx, cart.id, 2));
      await sleep(500);
      commit();
      await Promise.all([one, two]);

      const incidents = await core.storage.db.selectFrom('incidents').select(['id', 'site_id']).execute();
      expect(incidents).toEqual([{ id: expect.any(Number), site_id: site.id }]);
      const members = await core.storage.db.selectFrom('incident_monitors').select('monitor_id').orderBy('monitor_id').execute();
      expect(members.map((m) => m.monitor_id)).toEqual([home.id, cart.id].sort((a, b) => a - b));
      const opened = await core.storage.db.selectFrom('notifications').select('event').where('event', '=', 'incident.opened').execute();
      expect(opened).toHaveLength(1);
    } finally {
      await core.close();
    }
  }, 60_000);

  it('two batches touching two sites in opposite orders both commit (the sites are locked in one order, so they never wait on each other in a circle)', async () => {
    db ??= await createTestDatabase('postgres');
    const core = await openTestCore(db);
    try {
      const sites: number[] = [];
      const monitorOf = async (name: string) => {
        const site = await core.sites.createSite({ name });
        sites.push(site.id);
        return core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: `https://${name.toLowerCase()}.test/` });
      };
      const a = await monitorOf('Alpha');
      const b = await monitorOf('Beta');
      const ctx = eventContext(core);
      let id = 100;
      const fail = (trx: Kysely<Database>, ...monitorIds: number[]) =>
        applyMonitorEvents(
          trx,
          monitorIds.map((monitorId) => ({
            id: id++,
            monitorId,
            kind: 'status' as const,
            at: Date.now(),
            from: 'up' as const,
            to: 'down' as const,
            message: 'HTTP 503',
            evidence: [],
          })),
          ctx,
        );

      // Node one holds Alpha; node two's batch names Beta first, then Alpha; then node one writes Beta.
      // Taking each event's site lock in turn, node two held Beta while waiting for Alpha, and node one
      // then waited for Beta: PostgreSQL broke the circle by failing one of the transactions.
      let next!: () => void;
      const go = new Promise<void>((resolve) => (next = resolve));
      let holding!: () => void;
      const alphaHeld = new Promise<void>((resolve) => (holding = resolve));
      const one = core.storage.db.transaction().execute(async (trx) => {
        await fail(trx, a.id);
        holding();
        await go;
        await fail(trx, b.id);
      });
      await alphaHeld;
      const two = core.storage.db.transaction().execute((trx) => fail(trx, b.id, a.id));
      await sleep(500);
      next();
      const outcomes = await Promise.allSettled([one, two]);
      expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'committed'))).toEqual(['committed', 'committed']);
      const opened = await core.storage.db.selectFrom('incidents').select('site_id').where('site_id', 'in', sites).orderBy('site_id').execute();
      expect(opened.map((i) => i.site_id)).toEqual(sites);
    } finally {
      await core.close();
    }
  }, 60_000);
});
