import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { projectRoot } from '../support/cli.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { ensureWebBuilt, loginPage } from './support.js';

/**
 * One truth: objects of upkeep.yaml are marked as such, and editing one in the dashboard offers the
 * YAML to put in the file instead of a change the next `upkeep apply` would undo. Also: a viewer
 * sees no buttons that would be refused, the keyboard moves through lists, and dark and narrow
 * screens render (screenshots in docs/).
 */
describe.skipIf(chromiumSkipReason)('objects of upkeep.yaml in the dashboard', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    const loaded = config(`
sites:
  - name: Agency site
    url: http://127.0.0.1:9/
    tags: [client-acme]
    monitors:
      - { name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }
channels:
  - { name: ops-hook, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-webhook-secret-of-some-length }
`);
    await core.sync.apply(loaded, { dryRun: false });
    for (let i = 1; i <= 40; i++) await core.sites.createSite({ name: `Client ${String(i).padStart(2, '0')}`, tags: ['client'] });
    server = await testRuntime(core, loaded.config);
    url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    await core.accounts.createUser({ email: 'viewer@agency.test', password: 'viewer password 123', role: 'viewer' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  const login = (email: string, password: string, options: { dark?: boolean; width?: number } = {}) => loginPage(browser, url, email, password, options);

  it('marks the file’s site and offers its YAML instead of saving an edit', async () => {
    const page = await login('owner@agency.test', 'owner password 123');
    const row = page.locator('[data-site="Agency site"]');
    expect(await row.locator('.badge-file').textContent()).toBe('upkeep.yaml');
    expect(await page.locator('[data-site="Client 01"] .badge-file').count()).toBe(0);
    await row.getByRole('link', { name: 'Agency site' }).click();
    await page.getByRole('button', { name: 'Edit site' }).click();
    await page.getByLabel('Tags').fill('client-acme, vip');
    let changes = 0;
    page.on('request', (r) => r.method() !== 'GET' && changes++);
    await page.getByRole('button', { name: 'Show the YAML' }).click();
    await expect.poll(() => page.locator('.yaml-offer pre').textContent()).toMatch(/^sites:/);
    const yaml = await page.locator('.yaml-offer pre').textContent();
    expect(parse(yaml!)).toEqual({ sites: [{ name: 'Agency site', url: 'http://127.0.0.1:9/', tags: ['client-acme', 'vip'] }] });
    expect(changes).toBe(0);
    // The server holds to the file whatever a client sends.
    const refused = await page.evaluate(async () => {
      const { csrfToken } = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/sites/1', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: '{"tags":[]}',
      });
      return { status: res.status, body: (await res.json()) as { error: { message: string } } };
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/upkeep\.yaml|config/);
    await page.close();
  });

  it('offers the YAML of a monitor of the file under its site, and of a channel', { timeout: 60_000 }, async () => {
    const page = await login('owner@agency.test', 'owner password 123');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitors' }).click();
    await page.getByRole('link', { name: 'Home' }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Check every').fill('5m');
    await page.getByRole('button', { name: 'Show the YAML' }).click();
    await expect.poll(() => page.locator('.yaml-offer pre').textContent()).toMatch(/^sites:/);
    const monitor = parse((await page.locator('.yaml-offer pre').textContent())!);
    expect(monitor.sites[0].name).toBe('Agency site');
    expect(monitor.sites[0].monitors[0]).toMatchObject({ name: 'Home', type: 'tcp', host: '127.0.0.1', port: 9, interval: '5m' });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Channels' }).click();
    const channel = page.locator('[data-channel="ops-hook"]');
    await channel.getByRole('button', { name: 'Edit' }).click();
    await expect.poll(() => page.getByLabel('Fields (YAML)').inputValue()).toMatch(/^url:/);
    await page.getByRole('button', { name: 'Show the YAML' }).click();
    await expect.poll(() => page.locator('.yaml-offer pre').textContent()).toMatch(/^channels:/);
    const yaml = parse((await page.locator('.yaml-offer pre').textContent())!);
    expect(yaml.channels[0]).toMatchObject({ name: 'ops-hook', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: '********' });
    // "Send test" answers how the delivery went: nothing listens on port 9.
    await channel.getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => channel.getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/^not delivered/);
    await page.close();
  });

  it('moves through a long list with the keyboard and shows a viewer no button that would be refused', async () => {
    const page = await login('viewer@agency.test', 'viewer password 123');
    expect(await page.getByRole('link', { name: 'Add a site' }).count()).toBe(0);
    await page.keyboard.press('/');
    expect(await page.evaluate("document.activeElement?.getAttribute('type')")).toBe('search');
    await page.locator('[data-site="Agency site"] .site-name a').first().focus();
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate('document.activeElement?.textContent');
    expect(focused).toBe('Client 30');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Client 30' }).waitFor();
    expect(await page.getByRole('button', { name: 'Edit site' }).count()).toBe(0);
    await page.close();
  });

  it('renders dark and on a phone', async () => {
    const dark = await login('owner@agency.test', 'owner password 123', { dark: true });
    const background = await dark.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(17, 20, 24)');
    await dark.screenshot({ path: join(projectRoot, 'docs/dashboard-overview-dark.png') });
    await dark.close();
    const phone = await login('owner@agency.test', 'owner password 123', { width: 390 });
    // The menu folds away behind a button on narrow screens.
    expect(await phone.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    await phone.getByRole('button', { name: 'Menu' }).click();
    expect(await phone.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
    await phone.getByRole('button', { name: 'Menu' }).click();
    await phone.screenshot({ path: join(projectRoot, 'docs/dashboard-phone.png') });
    await phone.close();
  });
});
