import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';
import { ensureWebBuilt, loginPage } from '../dashboard/support.js';

/**
 * The widget on a customer's page in Debian Chromium: the page (another origin on loopback) allows
 * nothing but itself and Upkeep's origin, as a strict CSP does; the report lands in the inbox (API and,
 * live, the dashboard); no cookie is set; bots are refused; one address is throttled.
 */
describe.skipIf(chromiumSkipReason)('the feedback widget in Debian Chromium', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let shop: TestServer;
  let upkeep: string;
  let key: string;
  let siteId: number;
  let owner: string;
  let context: BrowserContext;
  const violations: string[] = [];
  const as = () => ({ authorization: `Bearer ${owner}` });
  const inbox = async () =>
    (await server.app.inject({ url: `/api/v1/sites/${siteId}/feedback`, headers: as() })).json<{
      data: { comment: string; pageUrl: string; userAgent: string }[];
    }>().data;

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    const loaded = config(`
sites: [{ name: Shop }]
feedback: { minFillTime: 1s, limits: { perAddress: 10 } }
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    upkeep = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const user = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: user.id })).token;
    siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
    shop = await startHttpServer((req, res) => {
      const csp = `default-src 'self'; script-src 'self' ${upkeep}; connect-src 'self' ${upkeep}; style-src 'self'; img-src 'self'`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp });
      res.end(`<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Shop</h1>
<script src="${upkeep}/feedback/${key}.js" async></script></body></html>`);
    });
    const widget = await server.app.inject({
      method: 'PUT',
      url: `/api/v1/sites/${siteId}/feedback-widget`,
      headers: as(),
      payload: { origins: [shop.origin] },
    });
    key = widget.json().siteKey;
    browser = await launchChromium();
    context = await browser.newContext();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  const openShop = async (): Promise<Page> => {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(shop.url('/products/42'));
    await page.getByRole('button', { name: 'Feedback' }).click();
    return page;
  };

  it('is small: under 10 kB compressed', async () => {
    const script = await server.app.inject({ url: `/feedback/${key}.js` });
    expect(script.statusCode).toBe(200);
    expect(gzipSync(script.body).length).toBeLessThan(10 * 1024);
  });

  it('sends a report from a page under a strict CSP, sets no cookie, and the report shows in the inbox live', async () => {
    const dashboard = await loginPage(browser, upkeep, 'owner@agency.test', 'owner password 123');
    await dashboard.goto(`${upkeep}/sites/${siteId}/feedback`);
    await dashboard.getByText('No feedback here.').waitFor();

    const page = await openShop();
    // Styled by its constructed stylesheet, which the page's CSP does not block.
    const colour = await page.evaluate("getComputedStyle(document.querySelector('[data-upkeep-feedback]').shadowRoot.querySelector('.open')).backgroundColor");
    expect(colour).toBe('rgb(29, 78, 216)');
    await page.getByRole('group', { name: 'Did something go wrong?' }).getByLabel('Yes').check();
    await page.getByLabel('2', { exact: true }).check();
    await page.getByLabel('Comment').fill('The size picker is empty');
    await page.waitForTimeout(1_100); // the form's minimum fill time: a person reads first
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Thank you! Your report was sent.').waitFor();

    const [report] = await until('the report in the inbox', async () => ((await inbox()).length ? inbox() : undefined), 10_000);
    expect(report).toMatchObject({ comment: 'The size picker is empty', pageUrl: shop.url('/products/42') });
    expect(report!.userAgent).toMatch(/Chrome/);
    await dashboard.getByText('The size picker is empty').waitFor();
    expect(violations).toEqual([]);
    // No cookie for the shop's page or for Upkeep's origin in the shop's browser.
    expect(await context.cookies()).toEqual([]);
    await dashboard.close();
    await page.close();
  });

  it('refuses a headless bot that fills every field, the honeypot too', async () => {
    const page = await openShop();
    // Playwright's CSS reaches into the widget's (open) shadow root, as a bot's form filler would.
    await page.locator('[data-upkeep-feedback] [name=comment]').fill('Cheap pills');
    await page.locator('[data-upkeep-feedback] [name=email]').fill('bot@spam.test');
    await page.locator('[data-upkeep-feedback] [name=website]').fill('http://cheap-pills.test/');
    await page.waitForTimeout(1_100);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('refused: a field that people leave empty was filled').waitFor();
    expect((await inbox()).map((r) => r.comment)).not.toContain('Cheap pills');
    await page.close();
  });

  it('throttles 100 reports from one address in a minute (429)', async () => {
    const page = await openShop();
    const base = `${upkeep}/feedback/${key}`;
    const statuses = await page.evaluate(async (base) => {
      const tokens: string[] = [];
      for (let i = 0; i < 100; i++) tokens.push(((await (await fetch(`${base}/token`)).json()) as { token: string }).token);
      await new Promise((r) => setTimeout(r, 1_100));
      const out: { status: number; retryAfter: string | null }[] = [];
      for (const token of tokens) {
        const r = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, comment: 'flood' }) });
        out.push({ status: r.status, retryAfter: r.headers.get('retry-after') });
      }
      return out;
    }, base);
    const throttled = statuses.filter((s) => s.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(90);
    expect(throttled.every((s) => s.retryAfter === '60')).toBe(true);
    expect(statuses.filter((s) => s.status === 201).length).toBeLessThanOrEqual(10);
    expect((await inbox()).filter((r) => r.comment === 'flood').length).toBeLessThanOrEqual(10);
    await page.close();
  });
});
