import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { axe, chromiumSkipReason, launchChromium } from '../support/browser.js';
import { projectRoot } from '../support/cli.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';
import { seedHistory } from '../support/status-history.js';

const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="40" height="40" rx="8" fill="#0a7d3e"/><text x="48" y="28" font-family="sans-serif" font-size="22" font-weight="700" fill="#1f2328">Acme</text></svg>';
const hour = 3_600_000;

describe.skipIf(chromiumSkipReason)('a status page in Debian Chromium', () => {
  let target: TestServer;
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    target = await startHttpServer((req, res) => {
      if (req.url === '/logo.svg') return res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(LOGO);
      if (req.url === '/checkout') return res.writeHead(503).end('down');
      return res.end('ok');
    });
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    const start = new Date(Date.now() + 26 * hour);
    start.setUTCMinutes(0, 0, 0);
    const monitor = (name: string, path: string) =>
      `      - { name: ${name}, type: http, url: "${target.url(path)}", interval: 1s, retryInterval: 1s, timeout: 1s }`;
    const loaded = config(`
incidents: { groupWait: 0s }
# Shows the subscription form (nobody subscribes here, so nothing is sent).
email: { from: status@acme.test, smtp: { host: 127.0.0.1, port: 9, security: none } }
sites:
  - name: Shop
    monitors:
${monitor('Home', '/')}
${monitor('Checkout', '/checkout')}
${monitor('API', '/api')}
  - name: Blog
    monitors:
${monitor('Front page', '/blog')}
maintenance:
  - name: Database upgrade
    description: The shop's database moves to a **new version**; checkout may be slow for a few minutes.
    start: "${start.toISOString()}"
    end: "${new Date(start.getTime() + 2 * hour).toISOString()}"
    monitors: ["Shop/API", "Shop/Checkout"]
statusPages:
  - slug: acme
    title: Acme status
    description: Live status of the Acme web shop, its checkout, API and blog.
    logo: "${target.url('/logo.svg')}"
    colors: { brand: "#0a7d3e" }
    components:
      - { name: Web shop, monitors: ["Shop/Home"], description: Browsing and search }
      - { name: Checkout, monitors: ["Shop/Checkout"] }
      - { name: Public API, monitors: ["Shop/API"] }
      - { name: Blog, site: Blog }
`);
    await core.sync.apply(loaded, { dryRun: false });
    const monitors = (await core.sites.listMonitors({ limit: 10 })).items;
    // A few bad days in the last 90: a long outage 40 days ago, short ones here and there.
    await seedHistory(
      core.storage.db,
      monitors.map((m) => m.id),
      89,
      Date.now(),
      (id, ago) => (ago === 40 ? 40 : ago === 12 && id % 2 ? 4 : ago % 23 === 0 ? 1 : 0),
    );
    server = await testRuntime(core, loaded.config);
    url = `${await server.app.listen({ port: 0, host: '127.0.0.1' })}/status/acme`;
    const incident = await until('the checkout incident', async () => (await server.incidents.service.list({ limit: 5 }))[0], 15_000);
    const token = (await core.accounts.createToken({ name: 't', scope: 'write' })).token;
    const posted = await server.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${incident.id}/updates`,
      headers: { authorization: `Bearer ${token}` },
      payload: {
        status: 'identified',
        body: 'Payments fail at the **card provider**. We are switching to the backup provider; orders placed so far are safe.',
      },
    });
    expect(posted.statusCode).toBe(201);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await target?.close();
  });

  it('shows the live incident with its update, the scheduled maintenance and 90-day bars with a tooltip per day; axe finds nothing serious', async () => {
    // The page allows no script at all; axe is brought in by a context that bypasses the CSP.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const response = await page.goto(url);
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    await expect.poll(() => page.locator('.banner').textContent()).toBe('Partial system outage');
    const active = page.locator('section[aria-labelledby="h-active"]');
    expect(await active.locator('h3').textContent()).toBe('Disruption: Checkout');
    expect(await active.locator('.u strong').first().textContent()).toBe('Identified');
    expect(await active.locator('.u p strong').textContent()).toBe('card provider');
    const maintenance = page.locator('section[aria-labelledby="h-maint"]');
    expect(await maintenance.locator('h3').textContent()).toBe('Database upgrade');
    expect(await maintenance.textContent()).toContain('Affects: Checkout, Public API');
    expect(await page.locator('.st').allTextContents()).toEqual(['Operational', 'Major outage', 'Operational', 'Operational']);
    const bars = page.locator('ol.bars');
    expect(await bars.count()).toBe(4);
    expect(await bars.first().locator('li').count()).toBe(90);
    const outageDay = bars
      .first()
      .locator('li')
      .nth(89 - 40);
    expect(await outageDay.getAttribute('class')).toBe('x');
    expect(await outageDay.getAttribute('title')).toMatch(/^[A-Z][a-z]{2} \d{1,2}: 86\.11 %$/);
    expect(
      await bars
        .first()
        .locator('li')
        .nth(89 - 41)
        .getAttribute('title'),
    ).toMatch(/: 100\.00 %$/);
    expect(await page.locator('.range').first().textContent()).toMatch(/90 days ago.*% uptime.*Today/);
    expect(await page.locator('header img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);

    const serious = (await axe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious).toEqual([]);

    mkdirSync(join(projectRoot, 'docs'), { recursive: true });
    await page.screenshot({ path: join(projectRoot, 'docs/status-page.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(projectRoot, 'docs/status-page-mobile.png'), fullPage: true });
    await context.close();
  });

  it('works without JavaScript and runs none: the page has no script element and the CSP allows no script', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const response = await page.goto(url);
    expect(response!.headers()['content-security-policy']).not.toMatch(/script-src/);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('h2').allTextContents()).toEqual([
      'Current incidents',
      'Scheduled maintenance',
      'Components',
      'Past incidents',
      'Get updates by email',
    ]);
    expect(await page.locator('form input[name="components"]').count()).toBe(4);
    await context.close();
  });
});
