import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { deliver, deliveryContexts } from '../../src/notify/deliver.js';
import type { Channel } from '../../src/notify/channel-codec.js';
import type { NotificationEvent } from '../../src/notify/notification.js';
import { defaultSenderOptions, OutboxSender, type SenderOptions } from '../../src/notify/outbox.js';
import { OutboxRepository } from '../../src/notify/outbox.repository.js';
import { samplePayload } from '../../src/notify/sample.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime } from '../support/http.js';
import { until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-webhook-secret-of-some-length';

describe('the order of an incident’s messages', () => {
  let target: TestServer;
  let broken = false;
  beforeAll(async () => {
    target = await startHttpServer((_req, res) => (broken ? res.writeHead(503).end('down') : res.end('ok')));
  });
  afterAll(() => target.close());

  it('a resolution waits while the opening message is being retried, then follows it', async () => {
    // The first message (the opening) is refused once; it is retried about 6 s later.
    const hook = await webhookReceiver(SECRET, (n, res) => {
      if (n === 0) {
        res.writeHead(503).end('busy');
        return true;
      }
    });
    const db: TestDatabase = await createTestDatabase('sqlite');
    const core: Core = await openTestCore(db);
    const loaded = config(`
incidents: { groupWait: 0s, resolveAfter: 0s }
sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: "${target.url('/')}", interval: 1s, retryInterval: 1s, timeout: 1s }
channels:
  - { name: hook, type: webhook, url: "${hook.url}", secret: ${SECRET} }
`);
    await core.sync.apply(loaded, { dryRun: false });
    const server = await testRuntime(core, loaded.config, { baseDelayMs: 6_000 });
    try {
      await until('the monitor to be up', () => [...server.engine.states()].every(([, rt]) => rt.state.status === 'up'), 10_000);
      broken = true;
      await until('the first try of the opening message', () => hook.messages.length >= 1, 15_000);
      broken = false;
      const incident = await until(
        'the incident to resolve',
        async () => (await server.incidents.service.list({ limit: 1, status: 'resolved' })).at(0),
        15_000,
      );
      await until('both messages delivered', () => hook.messages.some((m) => m.body.event === 'incident.resolved'), 20_000);
      // What the receiver accepted (the first try was answered 503): opened, then resolved.
      const accepted = hook.messages.slice(1);
      expect(accepted.map((m) => m.body.event)).toEqual(['incident.opened', 'incident.resolved']);
      expect(accepted[0]!.body.notificationId).toBe(hook.messages[0]!.body.notificationId);
      expect(accepted.every((m) => m.body.incident.id === incident.id)).toBe(true);
    } finally {
      await server.close();
      await core.close();
      await db.cleanup();
      await hook.close();
    }
  }, 60_000);
});

describe('the outbox sender', () => {
  let db: TestDatabase;
  let core: Core;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
  });
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });

  const clock = {
    t: Date.now(),
    now() {
      return this.t;
    },
  };
  const contexts = deliveryContexts({ allowPrivate: true, deadlineMs: 5_000 });
  const sender = (options: Partial<SenderOptions> = {}) =>
    new OutboxSender(core.storage.db, core.channelCodec, deliver, contexts, clock, silentLogger(), {
      ...defaultSenderOptions,
      releaseLeasesOnStart: true,
      ...options,
    });
  /** A message as the notifier writes it: the whole payload, due now. */
  const message = (channel: Channel, event: NotificationEvent, incidentId: number | null = null) => {
    const payload = samplePayload(event, new Date(clock.t));
    return {
      id: payload.notificationId,
      incident_id: incidentId,
      channel_id: channel.id,
      channel_name: channel.spec.name,
      event,
      payload: JSON.stringify(payload),
      status: 'pending' as const,
      next_attempt_at: clock.t,
      last_error: null,
      created_at: clock.t,
      delivered_at: null,
    };
  };

  it('holds the rate limit across a restart: the delivery log restores it, so a restart gives no new burst', async () => {
    const hook = await webhookReceiver(SECRET);
    const channel = await core.channels.create({ name: 'limited', type: 'webhook', url: hook.url, secret: SECRET });
    const options = { perMinute: 1, burst: 3 };
    await new OutboxRepository(core.storage.db).insert(Array.from({ length: 6 }, () => message(channel, 'test')));
    try {
      await sender(options).runOnce();
      expect(hook.messages).toHaveLength(3);
      // A restart a second later: a fresh process, the same database.
      clock.t += 1_000;
      const again = sender(options);
      await again.start();
      await again.stop();
      await again.runOnce();
      expect(hook.messages).toHaveLength(3);
      // A minute refills one message.
      clock.t += 60_000;
      await again.runOnce();
      expect(hook.messages).toHaveLength(4);
    } finally {
      await hook.close();
    }
  });

  it('lets the next message of an incident go once an earlier one is given up for good', async () => {
    // The receiver refuses the opening for good (400), and takes what follows.
    const hook = await webhookReceiver(SECRET, (n, res) => {
      if (n === 0) {
        res.writeHead(400).end('bad request');
        return true;
      }
    });
    const channel = await core.channels.create({ name: 'strict', type: 'webhook', url: hook.url, secret: SECRET });
    const site = await core.sites.createSite({ name: 'Given up' });
    const incident = await core.storage.db
      .insertInto('incidents')
      .values({
        site_id: site.id,
        title: 'down',
        severity: 'critical',
        status: 'open',
        origin: 'manual',
        summary: 'down',
        opened_at: clock.t,
        updated_at: clock.t,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const repo = new OutboxRepository(core.storage.db);
    await repo.insert([message(channel, 'incident.opened', incident.id)]);
    await repo.insert([message(channel, 'incident.resolved', incident.id)]);
    try {
      const s = sender();
      await s.runOnce();
      expect(hook.messages.map((m) => m.body.event)).toEqual(['incident.opened']);
      await s.runOnce();
      expect(hook.messages.map((m) => m.body.event)).toEqual(['incident.opened', 'incident.resolved']);
      const rows = await repo.forIncident(incident.id);
      expect(rows.map((r) => `${r.event}:${r.status}`)).toEqual(['incident.opened:failed', 'incident.resolved:delivered']);
    } finally {
      await hook.close();
    }
  });
});
