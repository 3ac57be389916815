import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/db/connection.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, migrateAllBut } from '../support/databases.js';
import { postIncidentUpdate, testRuntime } from '../support/http.js';
import { until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-subscriber-webhook-secret';

/**
 * Subscriber emails and webhooks go through the outbox of channel messages: the same claim, lease,
 * backoff and delivery log. Its rules now hold for them too: a Retry-After is capped like a channel's.
 */
describe.each(dialects)('one outbox ($dialect)', ({ dialect, skip }) => {
  it.skipIf(skip)(
    'caps a subscriber webhook’s Retry-After at the longest backoff, and logs every attempt',
    async () => {
      // The first try is answered "come back in a day"; the outbox's longest wait here is 2 s.
      const hook = await webhookReceiver(SECRET, (n, res) => {
        if (n > 0) return;
        res.writeHead(429, { 'retry-after': '86400' }).end('slow down');
        return true;
      });
      const db = await createTestDatabase(dialect);
      const core = await openTestCore(db);
      const loaded = config(`
sites:
  - name: Shop
    monitors: [{ name: Nightly, type: heartbeat, period: 1d }]
statusPages:
  - { slug: acme, title: Acme status, components: [{ name: Web shop, site: Shop }] }
`);
      await core.sync.apply(loaded, { dryRun: false });
      const server = await testRuntime(core, loaded.config, { baseDelayMs: 500, maxDelayMs: 2_000 });
      try {
        const auth = { authorization: `Bearer ${(await core.accounts.createToken({ name: 't', scope: 'write' })).token}` };
        const page = (await server.app.inject({ url: '/api/v1/status-pages', headers: auth })).json<{ data: { id: number }[] }>().data[0]!;
        const added = await server.app.inject({
          method: 'POST',
          url: `/api/v1/status-pages/${page.id}/subscribers`,
          headers: auth,
          payload: { type: 'webhook', url: hook.url, secret: SECRET },
        });
        expect(added.statusCode).toBe(201);
        const siteId = (await core.sites.listSites({ limit: 10 })).items[0]!.id;
        const posted = await postIncidentUpdate(server.app, auth, siteId, { status: 'investigating', body: 'Looking into it.' });
        expect(posted.json()).toMatchObject({ notified: 1 });
        await until('the retry, within the 2 s cap rather than a day', () => hook.messages.length >= 2, 15_000);
        expect(hook.messages[1]!.body.notificationId).toBe(hook.messages[0]!.body.notificationId);
        // The attempt is logged after the receiver answers: wait for the log, not the receiver.
        const logged = () =>
          core.storage.db
            .selectFrom('delivery_attempts')
            .innerJoin('notifications', 'notifications.id', 'delivery_attempts.notification_id')
            .select(['notifications.recipient', 'delivery_attempts.ok', 'delivery_attempts.status_code'])
            .orderBy('delivery_attempts.at')
            .execute();
        const attempts = await until(
          'both attempts in the delivery log',
          async () => {
            const rows = await logged();
            return rows.length >= 2 ? rows : undefined;
          },
          15_000,
        );
        expect(attempts).toEqual([
          { recipient: 'subscriber', ok: 0, status_code: 429 },
          { recipient: 'subscriber', ok: 1, status_code: 200 },
        ]);
      } finally {
        await server.close();
        await core.close();
        await db.cleanup();
        await hook.close();
      }
    },
    30_000,
  );

  it.skipIf(skip)('moves what subscribers were still to be sent into the outbox when the database is upgraded', async () => {
    const test = await createTestDatabase(dialect);
    const storage = openStorage({ url: test.url, dataDir: test.dataDir });
    try {
      await migrateAllBut(storage.db, dialect, '0201-one-outbox');
      // Raw SQL: the tables as they were.
      const pageId = (
        await sql<{
          id: number;
        }>`insert into status_pages (slug, spec, managed_by, created_at, updated_at) values ('acme', '{}', 'api', 0, 0) returning id`.execute(storage.db)
      ).rows[0]!.id;
      const subscriberId = (
        await sql<{
          id: number;
        }>`insert into status_subscribers (page_id, kind, address, nonce, confirmed_at, created_at) values (${pageId}, 'email', 'a@example.test', 'n', 1, 0) returning id`.execute(
          storage.db,
        )
      ).rows[0]!.id;
      await sql`insert into status_messages (id, subscriber_id, kind, payload, status, attempts, next_attempt_at, created_at)
        values ('m-1', ${subscriberId}, 'incident', '{"channel":"email"}', 'pending', 2, 5000, 1000)`.execute(storage.db);

      expect(await storage.migrate()).toEqual(['0201-one-outbox']);
      const rows = await storage.db
        .selectFrom('notifications')
        .select(['id', 'event', 'status', 'attempts', 'next_attempt_at', 'recipient', 'recipient_id', 'channel_id', 'payload'])
        .execute();
      expect(rows).toEqual([
        {
          id: 'm-1',
          event: 'incident',
          status: 'pending',
          attempts: 2,
          next_attempt_at: 5000,
          recipient: 'subscriber',
          recipient_id: subscriberId,
          channel_id: null,
          payload: '{"channel":"email"}',
        },
      ]);
    } finally {
      await storage.close();
      await test.cleanup();
    }
  });
});
