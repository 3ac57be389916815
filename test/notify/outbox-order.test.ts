import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { deliver, deliveryContexts } from '../../src/notify/deliver.js';
import { defaultSenderOptions, OutboxSender } from '../../src/notify/outbox.js';
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
      const incident = await until('the incident to resolve', async () => (await server.incidents.service.list({ limit: 1, status: 'resolved' })).at(0), 15_000);
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

describe('the per-channel rate limit', () => {
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

  it('holds across a restart: the delivery log restores it, so a restart gives no new burst', async () => {
    const hook = await webhookReceiver(SECRET);
    const channel = await core.channels.create({ name: 'limited', type: 'webhook', url: hook.url, secret: SECRET });
    const clock = { t: Date.now(), now() { return this.t; } };
    const options = { ...defaultSenderOptions, releaseLeasesOnStart: true, perMinute: 1, burst: 3, baseDelayMs: 1_000 };
    const contexts = deliveryContexts({ allowPrivate: true, deadlineMs: 5_000 });
    const sender = () => new OutboxSender(core.storage.db, core.channelCodec, deliver, contexts, clock, silentLogger(), options);
    const repo = new OutboxRepository(core.storage.db);
    await repo.insert(
      Array.from({ length: 6 }, () => {
        const payload = samplePayload('test', new Date(clock.t));
        const id = payload.notificationId;
        return { id, incident_id: null, channel_id: channel.id, channel_name: 'limited', event: 'test', payload: JSON.stringify(payload), status: 'pending' as const, next_attempt_at: clock.t, last_error: null, created_at: clock.t, delivered_at: null };
      }),
    );
    try {
      await sender().runOnce();
      expect(hook.messages).toHaveLength(3);
      // A restart a second later: a fresh process, the same database.
      clock.t += 1_000;
      const again = sender();
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
});
