import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { PrivacyRecordsService } from '../../src/privacy-records/records.service.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-test-secret-long-enough';

/** GDPR tasks reach the site's channels through the one outbox, as `privacy.task.opened`, committed with the task. */
describe.each(dialects)('GDPR tasks told to the site’s channels on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let token: string;
  let siteId: number;
  const clock = {
    offset: 0,
    now() {
      return Date.now() + this.offset;
    },
  };
  beforeAll(async () => {
    hook = await webhookReceiver(SECRET);
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    const loaded = config(`
channels:
  - { name: privacy-team, type: webhook, url: "${hook.url}", secret: ${SECRET} }
  - { name: elsewhere, type: webhook, url: "${hook.url}/other", secret: ${SECRET} }
sites:
  - { name: Shop, url: "https://shop.example/", notify: [privacy-team] }
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config, { baseDelayMs: 50 });
    token = (await core.accounts.createToken({ name: 'w', scope: 'write' })).token;
    siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await hook?.close();
  });
  const api = (method: 'PUT' | 'POST', url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  const told = () => hook.messages.filter((m) => m.body.event === 'privacy.task.opened');

  it('tells the site’s channels once when a processor outside the EU/EEA has no agreement', async () => {
    const put = await api('PUT', `/sites/${siteId}/privacy-records`, { processors: [{ name: 'Mailer', country: 'US', dpa: 'none' }] });
    expect(put.statusCode, put.body).toBe(200);
    server.incidents.sender.wake();
    const message = await until('the task on the webhook', () => told()[0], 20_000);
    expect(message.signed).toBe(true);
    expect(message.headers['x-upkeep-event']).toBe('privacy.task.opened');
    expect(message.body).toMatchObject({
      event: 'privacy.task.opened',
      dedupKey: `upkeep-privacy-task-${put.json().tasks[0].id}`,
      incident: { id: 0, title: 'GDPR task: processor outside the EU/EEA without an agreement (Shop)' },
      site: { id: siteId, name: 'Shop' },
    });
    expect(message.body).toMatchObject({ incident: { summary: expect.stringContaining('Mailer processes data in US') } });
    // Written again, the task is open already: nothing new is opened or sent.
    await api('PUT', `/sites/${siteId}/privacy-records`, { processors: [{ name: 'Mailer', country: 'US', dpa: 'pending' }] });
    const outbox = await core.storage.db.selectFrom('notifications').select(['event', 'channel_name']).where('event', '=', 'privacy.task.opened').execute();
    expect(outbox).toEqual([{ event: 'privacy.task.opened', channel_name: 'privacy-team' }]);
  });

  it('opens the yearly review a year after the last review, tells the channels, and a review closes it', async () => {
    const worker = new PrivacyRecordsService(core.storage.db, clock, async () => {});
    expect(await worker.reviewsDue()).toBe(0);
    clock.offset = 366 * 86_400_000;
    expect(await worker.reviewsDue()).toBe(1);
    expect(await worker.reviewsDue()).toBe(0);
    server.incidents.sender.wake();
    const message = await until('the review on the webhook', () => told()[1], 20_000);
    expect(message.body.incident.title).toBe('GDPR task: yearly review of the records due (Shop)');
    const reviewed = await api('POST', `/sites/${siteId}/privacy-records/review`);
    expect(reviewed.json().tasks.map((t: { kind: string }) => t.kind)).toEqual(['processor-outside-eea']);
    expect(await worker.reviewsDue()).toBe(0);
  });
});
