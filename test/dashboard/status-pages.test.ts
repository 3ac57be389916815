import type { Browser, Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { ensureWebBuilt } from './support.js';

/**
 * The status pages editor and public updates, in Debian's Chromium: a page made in the dashboard is
 * served at once; the server's message about a bad field shows beside that field; a page of
 * upkeep.yaml offers its YAML; an update written on an incident appears on the public page.
 */
describe.skipIf(chromiumSkipReason)('status pages in the dashboard', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let page: Page;
  let url: string;
  const errors: string[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    const loaded = config(`
sites:
  - name: Agency site
    monitors:
      - { name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }
statusPages:
  - slug: agency
    title: Agency status
    components:
      - { name: Website, site: Agency site }
`);
    await core.sync.apply(loaded, { dryRun: false });
    const shop = await core.sites.createSite({ name: 'Shop' });
    await core.sites.createMonitor(shop.id, { name: 'Checkout', type: 'heartbeat', period: '1h' });
    server = await testRuntime(core, loaded.config);
    url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && errors.push(m.text()));
    await page.goto(url);
    await page.getByLabel('Email').fill('owner@agency.test');
    await page.getByLabel('Password').fill('owner password 123');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

  it('makes a page whose bad slug is named beside its field, and serves it at once', { timeout: 60_000 }, async () => {
    await nav('Status pages').click();
    await page.locator('[data-status-page="agency"]').waitFor();
    await page.getByRole('button', { name: 'Add a status page' }).click();
    const form = page.getByRole('form', { name: 'Status page' });
    await form.getByLabel('Title').fill('Shop status');
    await form.getByLabel('Slug').fill('Shop Status');
    await form.getByLabel('Component name').fill('Web shop');
    await form.getByPlaceholder('Site name').fill('Shop');
    await form.getByLabel('Time zone').fill('Europe/Stockholm');
    await form.getByRole('button', { name: 'Add status page' }).click();
    await expect.poll(() => form.locator('.field.invalid').textContent()).toMatch(/^Sluga slug is 1–63 lowercase letters/);

    await form.getByLabel('Slug').fill('shop');
    await form.getByRole('button', { name: 'Add status page' }).click();
    const row = page.locator('[data-status-page="shop"]');
    await row.waitFor();
    expect(await row.getByRole('link').getAttribute('href')).toBe('/status/shop');
    const stored = (await core.storage.db
      .selectFrom('status_pages' as never)
      .selectAll()
      .execute()) as { slug: string }[];
    expect(stored.map((p) => p.slug).sort()).toEqual(['agency', 'shop']);

    const visitor = await browser.newPage();
    await visitor.goto(`${url}/status/shop`);
    expect(await visitor.title()).toBe('Shop status');
    expect(await visitor.locator('body').textContent()).toContain('Web shop');
    await visitor.close();
  });

  it('offers the YAML of a page of upkeep.yaml instead of saving it', async () => {
    const row = page.locator('[data-status-page="agency"]');
    expect(await row.locator('.badge-file').textContent()).toBe('upkeep.yaml');
    expect(await row.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Status page' });
    await form.getByLabel('Title').fill('Agency service status');
    let changes = 0;
    const count = (r: { method(): string }) => r.method() !== 'GET' && changes++;
    page.on('request', count);
    await form.getByRole('button', { name: 'Show the YAML' }).click();
    await expect.poll(() => page.locator('.yaml-offer pre').textContent()).toMatch(/^statusPages:/);
    const yaml = parse((await page.locator('.yaml-offer pre').textContent())!);
    expect(yaml.statusPages[0]).toMatchObject({ slug: 'agency', title: 'Agency service status', components: [{ name: 'Website', site: 'Agency site' }] });
    page.off('request', count);
    expect(changes).toBe(0);
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('posts a public update on an incident, which the status page shows', { timeout: 60_000 }, async () => {
    const site = await core.sites.listSites({ limit: 10, search: 'Shop' });
    const incident = await server.incidents.service.open({ siteId: site.items[0]!.id, title: 'Checkout fails', severity: 'major' }, 'test');
    await page.goto(`${url}/incidents/${incident.id}`);
    const updates = page.getByRole('region', { name: 'Public updates' });
    await updates.getByText('No public update yet.').waitFor();
    await updates.getByLabel('Update status').selectOption('identified');
    await updates.getByLabel('Message').fill('Payments time out; a fix is on its way.');
    await updates.getByRole('button', { name: 'Post update' }).click();
    await expect.poll(() => updates.locator('.timeline').textContent()).toContain('Payments time out; a fix is on its way.');

    const visitor = await browser.newPage();
    await visitor.goto(`${url}/status/shop`);
    expect(await visitor.locator('body').textContent()).toContain('Payments time out; a fix is on its way.');
    await visitor.close();
    expect(errors).toEqual([]);
  });

  it('deletes a page the API made once asked, and only that one', async () => {
    await nav('Status pages').click();
    const row = page.locator('[data-status-page="shop"]');
    await row.waitFor();
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await row.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect(asked).toEqual(['Delete the status page Shop status and its subscribers?']);
    const stored = (await core.storage.db
      .selectFrom('status_pages' as never)
      .selectAll()
      .execute()) as { slug: string }[];
    expect(stored.map((p) => p.slug)).toEqual(['agency']);
  });
});
