import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { axe, chromiumSkipReason, launchChromium } from '../support/browser.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { ensureWebBuilt, loginPage, startShop } from './support.js';

const MINUTE = 60_000;

interface LocationSeriesAnswer {
  bucketSeconds: number;
  locations: { location: string; data: { at: string; checks: number; down: number; avgMs: number | null }[] }[];
}

/**
 * Per-location results on the monitor page: the state each location saw (this server, a probe that sees
 * the target down, a silent location), and a response-time line per probe location drawn from what the
 * probes sent over the last hour (eu-north quick, us-east slow and down for a while).
 */
describe.skipIf(chromiumSkipReason)('the monitor page by location', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let shop: Awaited<ReturnType<typeof startShop>>;
  let url: string;
  let admin: Record<string, string>;
  const makeMonitor = async (siteName: string, interval: string) => {
    const site = (await server.app.inject({ method: 'POST', url: '/api/v1/sites', headers: admin, payload: { name: siteName } })).json<{ id: number }>();
    return (
      await server.app.inject({
        method: 'POST',
        url: `/api/v1/sites/${site.id}/monitors`,
        headers: admin,
        payload: { name: 'Home', type: 'http', url: shop.url, interval, allowPrivateTargets: true, locations: ['local', 'eu-north', 'us-east'] },
      })
    ).json<{ id: number }>();
  };
  const makeProbe = async (name: string, location: string) =>
    (await server.app.inject({ method: 'POST', url: '/api/v1/probes', headers: admin, payload: { name, location } })).json<{ token: string }>();

  beforeAll(async () => {
    ensureWebBuilt();
    shop = await startShop();
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    server = await testServer(core, { locations: ['eu-north', 'us-east'] });
    browser = await launchChromium();
    url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await core.accounts.createUser({ email: 'owner@shop.test', password: 'owner password 123', role: 'owner' });
    admin = { authorization: `Bearer ${(await core.accounts.createToken({ name: 'a', scope: 'write' })).token}` };
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await shop?.close();
  });

  it('lists local up, eu-north down (from its probe) and us-east unavailable', async () => {
    const monitor = await makeMonitor('Shop', '5s');
    const probe = await makeProbe('sthlm', 'eu-north');
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

  it('shows each location’s state and a latency line per location, and passes axe', { timeout: 120_000 }, async () => {
    const monitor = await makeMonitor('Shop 2', '1m');
    const now = Date.now();
    // A result a minute from each probe over the last 40 minutes; us-east is down for the 10 minutes before the last 5.
    for (const [location, latency] of [
      ['eu-north', 40],
      ['us-east', 180],
    ] as const) {
      const probe = await makeProbe(`probe-${location}`, location);
      const results = Array.from({ length: 40 }, (_, i) => {
        const at = now - (40 - i) * MINUTE;
        const down = location === 'us-east' && at >= now - 15 * MINUTE && at < now - 5 * MINUTE;
        return down
          ? { seq: i + 1, monitorId: monitor.id, at, status: 'down', message: 'connection timed out' }
          : { seq: i + 1, monitorId: monitor.id, at, status: 'up', message: 'HTTP 200', durationMs: latency, statusCode: 200 };
      });
      const sent = await server.app.inject({
        method: 'POST',
        url: '/api/v1/probe/results',
        headers: { authorization: `Bearer ${probe.token}` },
        payload: { run: `run-${location}`, results },
      });
      expect(sent.json()).toEqual({ stored: 40, duplicates: 0, ignored: 0 });
    }
    // The monitor's first check may have read the probes' results before both were in (its next is a minute away).
    expect((await server.app.inject({ method: 'POST', url: `/api/v1/monitors/${monitor.id}/check`, headers: admin })).statusCode).toBe(202);

    // The API: a bucket a minute per location, with the averages and failures each probe sent.
    const answer = (await server.app.inject({ url: `/api/v1/monitors/${monitor.id}/locations/series?window=1h`, headers: admin })).json<LocationSeriesAnswer>();
    expect(answer.bucketSeconds).toBe(60);
    expect(answer.locations.map((l) => l.location)).toEqual(['eu-north', 'us-east']);
    const [eu, us] = answer.locations;
    expect(eu!.data.reduce((n, b) => n + b.checks, 0)).toBe(40);
    expect(new Set(eu!.data.flatMap((b) => (b.avgMs === null ? [] : [b.avgMs])))).toEqual(new Set([40]));
    expect(us!.data.reduce((n, b) => n + b.down, 0)).toBe(10);
    expect(new Set(us!.data.flatMap((b) => (b.avgMs === null ? [] : [b.avgMs])))).toEqual(new Set([180]));
    const tooLong = await server.app.inject({ url: `/api/v1/monitors/${monitor.id}/locations/series?window=30d`, headers: admin });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.details[0].path).toBe('window');

    const errors: string[] = [];
    const page = await loginPage(browser, url, 'owner@shop.test', 'owner password 123', { bypassCSP: true });
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${url}/monitors/${monitor.id}`);
    const rows = page.getByRole('table', { name: 'Locations' }).locator('tbody tr');
    await expect
      .poll(async () => (await rows.allInnerTexts()).map((r) => r.split('\t').slice(0, 2).join(' ')), { timeout: 60_000 })
      .toEqual(['local up', 'eu-north up', 'us-east up']);
    await page.getByRole('heading', { name: 'Response time by location' }).waitFor();
    const chart = page.getByRole('img', { name: 'Response time from eu-north, us-east over the chosen window' });
    await chart.locator('canvas').waitFor();
    // uPlot's legend names each line.
    expect(await page.locator('.u-legend .u-series .u-label').allInnerTexts()).toEqual(expect.arrayContaining(['eu-north', 'us-east']));
    // Windows beyond the probes' 7 days show the last 7 days.
    await page.getByRole('button', { name: '30 days' }).click();
    await page.getByRole('heading', { name: 'Response time by location (last 7 days)' }).waitFor();
    await chart.locator('canvas').waitFor();
    const serious = [...(await axe(page, 'table[aria-label="Locations"]')), ...(await axe(page, 'section[aria-label="Response time by location"]'))].filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect(serious).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the probes with their health, and warns of results a probe dropped; passes axe', { timeout: 120_000 }, async () => {
    const probe = await makeProbe('lossy', 'us-east');
    // What a probe says after its buffer overflowed while cut off: 42 results dropped, 3 still waiting.
    const said = await server.app.inject({ url: '/api/v1/probe/assignments?backlog=3&dropped=42', headers: { authorization: `Bearer ${probe.token}` } });
    expect(said.statusCode).toBe(200);
    const errors: string[] = [];
    const page = await loginPage(browser, url, 'owner@shop.test', 'owner password 123', { bypassCSP: true });
    page.on('pageerror', (err) => errors.push(err.message));
    await page.getByRole('link', { name: 'Probes' }).click();
    const row = page.getByRole('list', { name: 'Probes' }).locator('li', { hasText: 'lossy' });
    await row.waitFor();
    expect(await row.locator('.status-up').innerText()).toBe('online');
    expect(await row.locator('.status-degraded').innerText()).toBe('42 results dropped');
    expect(await row.innerText()).toContain('waiting 3');
    // A probe that dropped nothing gets no warning.
    const quiet = page.getByRole('list', { name: 'Probes' }).locator('li', { hasText: 'sthlm' });
    expect(await quiet.locator('.status-degraded').count()).toBe(0);
    const serious = (await axe(page, 'main')).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious).toEqual([]);
    // Revoked from the page (after the confirmation): its button goes and its token no longer works.
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke' }).waitFor({ state: 'detached' });
    expect((await server.app.inject({ url: '/api/v1/probe/assignments', headers: { authorization: `Bearer ${probe.token}` } })).statusCode).toBe(401);
    expect(errors).toEqual([]);
    await page.close();
  });
});
