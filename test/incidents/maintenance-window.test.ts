import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase } from '../support/databases.js';
import { testRuntime } from '../support/http.js';
import { sleep, until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-webhook-secret-of-some-length';
let target: TestServer;
beforeAll(async () => {
  target = await startHttpServer((_req, res) => res.writeHead(500).end('broken'));
});
afterAll(() => target.close());

/**
 * Runs a broken site for a few seconds with the clock set to `at` (a clock that moves with real
 * time from there), under a weekly window Sunday 02:00–03:00 Europe/Stockholm. Returns what the
 * monitor showed and what reached the webhook.
 */
async function runAt(at: string) {
  const hook = await webhookReceiver(SECRET);
  const offset = Date.parse(at) - Date.now();
  const db = await createTestDatabase('sqlite');
  const core = await openTestCore(db, { now: () => Date.now() + offset });
  const loaded = config(
    `
incidents: { groupWait: 0s }
sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: "${target.url('/')}", interval: 1s, retryInterval: 1s, timeout: 1s }
channels:
  - { name: hook, type: webhook, url: "${hook.url}", secret: ${SECRET} }
maintenance:
  - { name: Sunday patching, cron: "0 2 * * 0", duration: 1h, timezone: Europe/Stockholm, sites: [Shop] }
`,
    {},
  );
  await core.sync.apply(loaded, { dryRun: false });
  const server = await testRuntime(core, loaded.config, { baseDelayMs: 100 });
  try {
    const rt = [...server.engine.states()][0]![1];
    await until('three checks', () => rt.state.health === 'down' && rt, 6_000);
    await sleep(1_500);
    return { status: rt.state.status, messages: hook.messages.length, incidents: (await server.incidents.service.list({ limit: 5 })).length };
  } finally {
    await server.close();
    await core.close();
    await db.cleanup();
    await hook.close();
  }
}

describe('a weekly maintenance window, Sunday 02:00–03:00 Europe/Stockholm', () => {
  it.each([
    ['before the spring change (02:30 CET)', '2026-03-22T01:30:00Z'],
    ['after the spring change (02:30 CEST)', '2026-04-05T00:30:00Z'],
    ['before the autumn change (02:30 CEST)', '2026-10-18T00:30:00Z'],
    ['after the autumn change (02:30 CET)', '2026-11-01T01:30:00Z'],
  ])(
    'suppresses alerts %s',
    async (_when, at) => {
      expect(await runAt(at)).toEqual({ status: 'maintenance', messages: 0, incidents: 0 });
    },
    20_000,
  );

  it('alerts an hour later, when the window is over (03:30 CEST)', async () => {
    const outcome = await runAt('2026-04-05T01:30:00Z');
    expect(outcome.status).toBe('down');
    expect(outcome.incidents).toBe(1);
    expect(outcome.messages).toBeGreaterThanOrEqual(1);
  }, 20_000);
});
