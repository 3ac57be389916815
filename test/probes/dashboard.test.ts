import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { ensureWebBuilt, loginPage, startShop } from '../dashboard/support.js';

/** The monitor page shows what each location saw: this server, a probe that sees it down, a silent location. */
describe.skipIf(chromiumSkipReason)('locations on the monitor page', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let shop: Awaited<ReturnType<typeof startShop>>;

  beforeAll(async () => {
    ensureWebBuilt();
    shop = await startShop();
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    server = await testServer(core, { locations: ['eu-north', 'us-east'] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await shop?.close();
  });

  it('lists local up, eu-north down (from its probe) and us-east unavailable', async () => {
    const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await core.accounts.createUser({ email: 'owner@shop.test', password: 'owner password 123', role: 'owner' });
    const admin = { authorization: `Bearer ${(await core.accounts.createToken({ name: 'a', scope: 'write' })).token}` };
    const site = (await server.app.inject({ method: 'POST', url: '/api/v1/sites', headers: admin, payload: { name: 'Shop' } })).json<{ id: number }>();
    const monitor = (
      await server.app.inject({
        method: 'POST',
        url: `/api/v1/sites/${site.id}/monitors`,
        headers: admin,
        payload: { name: 'Home', type: 'http', url: shop.url, interval: '5s', allowPrivateTargets: true, locations: ['local', 'eu-north', 'us-east'] },
      })
    ).json<{ id: number }>();
    const probe = (await server.app.inject({ method: 'POST', url: '/api/v1/probes', headers: admin, payload: { name: 'sthlm', location: 'eu-north' } })).json<{
      token: string;
    }>();
    const sent = await server.app.inject({
      method: 'POST',
      url: '/api/v1/probe/results',
      headers: { authorization: `Bearer ${probe.token}` },
      payload: {
        run: 'dashboard-run',
        results: [{ seq: 1, monitorId: monitor.id, at: Date.now(), status: 'down', message: 'connection refused by 203.0.113.5:443' }],
      },
    });
    expect(sent.json()).toEqual({ stored: 1, duplicates: 0, ignored: 0 });

    const page = await loginPage(browser, url, 'owner@shop.test', 'owner password 123');
    await page.goto(`${url}/monitors/${monitor.id}`);
    const rows = page.getByRole('table', { name: 'Locations' }).locator('tbody tr');
    await expect
      .poll(async () => (await rows.allInnerTexts()).map((r) => r.split('\t').slice(0, 2).join(' ')), { timeout: 30_000 })
      .toEqual(['local up', 'eu-north down', 'us-east unavailable']);
    expect(await rows.nth(1).innerText()).toContain('connection refused by 203.0.113.5:443');
    await page.close();
  });
});
