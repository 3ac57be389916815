import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditScheduler } from '../../src/audits/scheduler.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase } from '../support/databases.js';
import { testRuntime } from '../support/http.js';
import { until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-webhook-secret-of-some-length';
let exposed = false;
let site: TestServer;
beforeAll(async () => {
  site = await startHttpServer((req, res) => {
    if (req.url === '/.env' && exposed)
      return res.writeHead(200, { 'content-type': 'text/plain' }).end('APP_KEY=base64:abc\nDB_PASSWORD=hunter2\nDB_HOST=127.0.0.1\n');
    if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Shop</title><h1>Shop</h1>');
    return res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
  });
});
afterAll(() => site.close());

describe('scheduled audits', () => {
  it('run on their schedule; a new critical finding opens an incident that resolves once fixed', async () => {
    const hook = await webhookReceiver(SECRET);
    const clock = {
      offset: 0,
      now() {
        return Date.now() + this.offset;
      },
    };
    const db = await createTestDatabase('sqlite');
    const core = await openTestCore(db, clock);
    const loaded = config(
      `
incidents: { groupWait: 0s }
audits:
  schedules: { security: 1h, privacy: off, performance: off, accessibility: off, links: off }
sites:
  - name: Shop
    url: ${site.url('/')}
channels:
  - { name: hook, type: webhook, url: "${hook.url}", secret: ${SECRET} }
`,
      {},
    );
    await core.sync.apply(loaded, { dryRun: false });
    const server = await testRuntime(core, loaded.config);
    const scheduler = new AuditScheduler(core.sites, core.audits, (a, r) => server.incidents.auditOutcome(a, r), clock, silentLogger());
    try {
      await scheduler.tick();
      expect((await core.audits.lastStarts()).size).toBe(0);
      clock.offset += 11 * 60_000;
      await scheduler.tick();
      expect((await core.audits.lastStarts()).size).toBe(1);
      await scheduler.tick();
      expect((await core.audits.lastStarts()).size).toBe(1);

      exposed = true;
      clock.offset += 61 * 60_000;
      await scheduler.tick();
      const [incident] = await server.incidents.service.list({ limit: 5 });
      expect(incident).toMatchObject({ origin: 'audit', severity: 'critical', status: 'open' });
      expect(incident!.title).toMatch(/^Audit: security: .*\.env/);
      const message = await until('the webhook', () => hook.messages.find((m) => m.body.event === 'incident.opened'), 10_000);
      expect(message.signed).toBe(true);

      exposed = false;
      clock.offset += 61 * 60_000;
      await scheduler.tick();
      expect((await server.incidents.service.get(incident!.id)).status).toBe('resolved');
      await until('the resolution message', () => hook.messages.find((m) => m.body.event === 'incident.resolved'), 10_000);
    } finally {
      await server.close();
      await core.close();
      await db.cleanup();
      await hook.close();
    }
  }, 60_000);
});
