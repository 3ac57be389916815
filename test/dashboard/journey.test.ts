import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, startServerProcess, type ServerProcess } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { ensureWebBuilt, startShop } from './support.js';

async function shot(page: Page, name: string): Promise<void> {
  // From the top, so the sticky header is where a person sees it.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(projectRoot, `docs/${name}.png`), fullPage: true });
}

/**
 * The whole journey in Debian's Chromium against the real server process: first start (the printed
 * setup link) → log in → add a site and an HTTP monitor → it goes up with a chart → the target
 * breaks → the incident appears without a reload → acknowledge → resolve. Screenshots go to docs/.
 */
describe.skipIf(chromiumSkipReason)('the dashboard, from the first start to a resolved incident', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let shop: Awaited<ReturnType<typeof startShop>>;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createTestDatabase('sqlite');
    shop = await startShop();
    // No UPKEEP_ADMIN_*: the server prints a setup link, as on a real first start.
    server = await startServerProcess(['--data-dir', db.dataDir, '--allow-private']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    // Any CSP violation, script error or failed request of the app's own is a defect.
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
    page.on('pageerror', (e) => problems.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    await shop?.close();
    await db?.cleanup();
  });

  it('makes the owner through the printed setup link, then logs out and in', { timeout: 60_000 }, async () => {
    await expect.poll(() => /"setupUrl":"([^"]+)"/.exec(server.output())?.[1], { timeout: 10_000 }).toBeTruthy();
    const setupUrl = /"setupUrl":"([^"]+)"/.exec(server.output())![1]!;
    await page.goto(setupUrl);
    await page.getByLabel('Email').fill('owner@shop.test');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Make the owner account' }).click();
    // The server's words, next to the field they are about.
    await expect.poll(() => page.locator('.field.invalid').textContent()).toContain('a password is at least 12 characters');
    await page.getByLabel('Password').fill('a long owner passphrase');
    await page.getByRole('button', { name: 'Make the owner account' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('No sites yet').waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to Upkeep' }).waitFor();
    await page.getByLabel('Email').fill('owner@shop.test');
    await page.getByLabel('Password').fill('wrong passphrase, long enough');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill('a long owner passphrase');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  it('adds a site and an HTTP monitor, which goes up with a chart', { timeout: 90_000 }, async () => {
    await page.getByRole('link', { name: 'Add a site' }).click();
    await page.getByLabel('Name').fill('Shop');
    await page.getByLabel('URL').fill(shop.url);
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { name: 'Add a monitor' }).waitFor();

    const form = page.getByRole('form', { name: 'New monitor' });
    await form.getByLabel('Name').fill('Home page');
    await form.getByLabel('URL').fill(shop.url);
    await form.getByLabel('Page must contain').fill('Add to cart');
    await form.getByLabel('Check every').fill('fast');
    await form.getByRole('button', { name: 'Add monitor' }).click();
    await expect.poll(() => form.locator('.field.invalid').textContent()).toContain('expected a duration like "30s" or "5m", got "fast"');
    await form.getByLabel('Check every').fill('2s');
    await form.getByLabel('Time-out').fill('1s');
    await form.getByRole('button', { name: 'Add monitor' }).click();

    await page.getByRole('heading', { name: 'Home page' }).waitFor();
    await expect.poll(() => page.getByTestId('monitor-status').locator('.status').textContent(), { timeout: 30_000 }).toBe('up');
    // A chart drawn from stored results: uPlot's canvas, a legend with the phases, and bars with checks in them.
    await page.locator('.chart canvas').first().waitFor();
    await expect.poll(() => page.locator('.u-legend').textContent(), { timeout: 20_000 }).toContain('Waiting (TTFB)');
    await expect.poll(() => page.locator('.uptime-bars .bar-up').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.results li').count(), { timeout: 20_000 }).toBeGreaterThan(1);
    // The last hour in minutes: a new monitor's first results make a line, not a dot.
    await page.getByRole('button', { name: '1 hour' }).click();
    await expect.poll(() => page.locator('.uptime-bars .bar').count()).toBeGreaterThanOrEqual(60);
    await shot(page, 'dashboard-monitor');

    await nav(page, 'Overview').click();
    const row = page.locator('[data-site="Shop"]');
    await expect.poll(() => row.locator('[data-pillar="uptime"]').textContent()).toMatch(/1 of 1 up/);
    expect(await row.locator('[data-pillar="updates"]').textContent()).toContain('not set up');
    expect(await row.locator('[data-pillar="backups"] a').getAttribute('href')).toBe(`/sites/${await siteIdOf(page)}?setup=backups#setup`);
    await shot(page, 'dashboard-overview');
  });

  it('shows the incident live when the target breaks, then acknowledges and resolves it', { timeout: 90_000 }, async () => {
    await nav(page, 'Incidents').click();
    await page.getByText('No open incidents').waitFor();
    // Marks this document: a reload or a navigation would lose the mark.
    await page.evaluate('window.__sameDocument = true');

    shop.setHealthy(false);
    const row = page.locator('.incident-row').first();
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('Home page is down');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await shot(page, 'dashboard-incidents');

    await row.getByRole('link').click();
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => page.getByTestId('incident-status').textContent()).toContain('acknowledged by owner@shop.test');
    await page.getByLabel('Owner').fill('Ada');
    await page.getByRole('button', { name: 'Assign' }).click();
    await expect.poll(() => page.locator('.timeline').first().textContent()).toContain('assigned to Ada');
    await page.getByLabel('Root cause').fill('The database ran out of connections.');
    await page.getByRole('button', { name: 'Save postmortem' }).click();
    await expect.poll(() => page.locator('.timeline').first().textContent()).toContain('postmortem updated');
    await shot(page, 'dashboard-incident');

    await page.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => page.getByTestId('incident-status').locator('.status').textContent()).toBe('resolved');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
  });

  it('ran under the strict CSP without a script error or a refused resource', () => {
    const expected = [
      /^GET \/api\/v1\/session 401$/, // before logging in
      /^POST \/api\/v1\/setup 400$/, // the short password
      /^POST \/api\/v1\/session 401$/, // the wrong password
      /^POST \/api\/v1\/sites\/\d+\/monitors 400$/, // "fast"
      /^GET \/api\/v1\/monitors\/\d+\/status 404$/, // the engine had not loaded the new monitor yet
    ];
    expect(problems.filter((p) => !expected.some((e) => e.test(p)))).toEqual([]);
  });
});

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

async function siteIdOf(page: Page): Promise<string> {
  const href = await page.locator('[data-site="Shop"] .site-name a').first().getAttribute('href');
  return href!.split('/').pop()!;
}
