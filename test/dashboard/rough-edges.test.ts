import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { ensureWebBuilt, loginPage } from './support.js';

/**
 * What a demanding first user ran into: forms that turned "2xx" into null, a page that kept asking
 * for a monitor that is not there, long names drawn over the next row, uptime bars wider than a
 * phone, and buttons or pages offered to team members that the server refuses.
 */
describe.skipIf(chromiumSkipReason)('the dashboard’s rough edges', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let url: string;
  let siteId: number;

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    const loaded = config(`
sites:
  - name: A shop whose name is far too long to fit on one line of the overview list, by a wide margin
    tags: [client-acme]
  - name: Second site
    tags: [client-beta]
  - name: Third site
    tags: [client-beta]
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    siteId = (await core.sites.createSite({ name: 'Own site', tags: ['client-acme'] })).id;
    await core.accounts.createUser({ email: 'owner@shop.test', password: 'owner password 123', role: 'owner' });
    // Made an editor, then put in a team as a viewer: in the team's sites the team role is what counts.
    await core.accounts.createUser({ email: 'client@beta.test', password: 'client password 123', role: 'editor' });
    browser = await launchChromium();
    const owner = await login('owner@shop.test', 'owner password 123');
    const made = await owner.evaluate(async () => {
      const { csrfToken } = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const headers = { 'content-type': 'application/json', 'x-csrf-token': csrfToken };
      const team = await fetch('/api/v1/teams/beta', { method: 'PUT', headers, body: JSON.stringify({ tags: ['client-beta'] }) });
      const users = (await (await fetch('/api/v1/users')).json()) as { data: { id: number; email: string }[] };
      const client = users.data.find((u) => u.email === 'client@beta.test')!;
      const member = await fetch(`/api/v1/users/${client.id}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ teams: [{ team: 'beta', role: 'viewer' }] }),
      });
      return [team.status, member.status];
    });
    expect(made).toEqual([200, 200]);
    await owner.close();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  const login = (email: string, password: string, width = 1360) => loginPage(browser, url, email, password, { width });

  it('sends expected statuses as written ("2xx", a range), and a word in a number field is named in the message', async () => {
    const page = await login('owner@shop.test', 'owner password 123');
    await page.goto(`${url}/sites/${siteId}?setup=uptime#setup`);
    const form = page.getByRole('form', { name: 'New monitor' });
    await form.getByLabel('Type').selectOption('tcp');
    await form.getByLabel('Name').fill('Port');
    await form.getByLabel('Host').fill('127.0.0.1');
    await form.getByLabel('Port').fill('eighty');
    await form.getByRole('button', { name: 'Add monitor' }).click();
    await expect.poll(() => form.locator('.field.invalid').textContent()).toContain('got "eighty"');

    await form.getByLabel('Type').selectOption('http');
    await form.getByLabel('Name').fill('Home');
    await form.getByLabel('URL', { exact: true }).fill('http://127.0.0.1:9/');
    await form.getByLabel('Expected status codes').fill('2xx, 301, 400-404');
    await form.getByRole('button', { name: 'Add monitor' }).click();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    expect((await core.sites.getMonitor(id)).spec).toMatchObject({ expect: { status: ['2xx', 301, '400-404'] } });
    await page.close();
  });

  it('stops asking for a monitor that is not there', async () => {
    const page = await login('owner@shop.test', 'owner password 123');
    await page.goto(`${url}/monitors/999999`);
    await page.getByText('This monitor could not be loaded').waitFor();
    let asked = 0;
    page.on('request', (r) => r.url().includes('/monitors/999999') && asked++);
    await page.waitForTimeout(4_500);
    expect(asked).toBe(0);
    await page.close();
  });

  it('cuts a long site name to its row instead of drawing it over the next one', async () => {
    const page = await login('owner@shop.test', 'owner password 123');
    await page.locator('.site-row').nth(3).waitFor();
    // Rows of the virtual list are absolutely placed boxes: nothing of a site's name may reach below its own box.
    const overlaps = await page.evaluate(`[...document.querySelectorAll('.site-row')].filter((row) => {
      const bottom = row.parentElement.getBoundingClientRect().bottom;
      return [...row.querySelectorAll('.site-name *')].some((e) => e.getBoundingClientRect().bottom > bottom + 0.5);
    }).length`);
    expect(overlaps).toBe(0);
    expect(await page.locator('.totals').textContent()).toContain('0 open incidents');
    await page.close();
  });

  it('fits a year of uptime bars on a phone', async () => {
    const page = await login('owner@shop.test', 'owner password 123', 390);
    const id = (await core.sites.createMonitor(siteId, { name: 'Ping', type: 'tcp', host: '127.0.0.1', port: 9, interval: '1h' })).id;
    await page.goto(`${url}/monitors/${id}`);
    await page.getByRole('button', { name: '1 year', exact: true }).click();
    await expect.poll(() => page.locator('.uptime-bars .bar').count()).toBeGreaterThan(365);
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBe(0);
    await page.close();
  });

  it('names the site of an incident in its crumbs, not "site"', async () => {
    const page = await login('owner@shop.test', 'owner password 123');
    const id = await page.evaluate(async (site) => {
      const { csrfToken } = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const body = JSON.stringify({ siteId: site, title: 'Checkout is slow', severity: 'minor' });
      const res = await fetch('/api/v1/incidents', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken }, body });
      return ((await res.json()) as { id: number }).id;
    }, siteId);
    await page.goto(`${url}/incidents/${id}`);
    await page.getByRole('heading', { name: 'Checkout is slow' }).waitFor();
    await expect.poll(() => page.locator('.crumbs').textContent()).toBe('Incidents / Own site /');
    await page.close();
  });

  it('says why a delete failed instead of doing nothing', async () => {
    const channel = await core.channels.create({
      name: 'gone-hook',
      type: 'webhook',
      url: 'http://127.0.0.1:9/hook',
      secret: 'a-webhook-secret-of-some-length',
    });
    const page = await login('owner@shop.test', 'owner password 123');
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${url}/channels`);
    const row = page.locator('[data-channel="gone-hook"]');
    await row.waitFor();
    // Someone else deletes it while this list is open.
    await core.channels.delete(channel.id);
    await row.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/does not exist/);
    await page.close();
  });

  it('opens the keyboard help with "?" and closes it with Escape', async () => {
    const page = await login('owner@shop.test', 'owner password 123');
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    await page.close();
  });

  it('offers a team viewer no changes and no instance pages, even with an editor account', async () => {
    const page = await login('client@beta.test', 'client password 123');
    const refused: string[] = [];
    page.on('response', (r) => r.status() >= 400 && refused.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`));
    expect(await page.getByRole('link', { name: 'Add a site' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Second site' }).click();
    await page.getByRole('heading', { name: /Second site/ }).waitFor();
    expect(await page.locator('.page-title button').count()).toBe(0);
    for (const path of ['/channels', '/maintenance', '/status-pages', '/users']) {
      await page.goto(`${url}${path}`);
      await page.getByRole('heading', { name: 'Not for your account' }).waitFor();
      expect(await page.locator('main button').count(), path).toBe(0);
    }
    expect(refused).toEqual([]);
    // The keyboard help offers only the pages this account has.
    await page.keyboard.press('?');
    const help = await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).textContent();
    expect(help).toContain('g o, g m, g i, g s');
    expect(help).not.toMatch(/g w|g c|maintenance|channels/);
    await page.close();
  });

  it('shows and sets what an account reaches on the users page', async () => {
    const page = await login('owner@shop.test', 'owner password 123');
    await page.goto(`${url}/users`);
    const client = page.getByRole('listitem').filter({ hasText: 'client@beta.test' });
    await expect.poll(() => client.getByLabel('reaches').inputValue()).toBe('teams');
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Email').fill('new@beta.test');
    await form.getByLabel('Password').fill('a new password 123');
    await form.getByLabel('Team').selectOption('beta');
    expect(await form.getByLabel('Reaches').inputValue()).toBe('teams');
    await form.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('listitem').filter({ hasText: 'new@beta.test' }).waitFor();
    const made = (await core.users.list()).find((u) => u.email === 'new@beta.test');
    expect(made).toMatchObject({ scope: 'teams', teams: [{ team: 'beta', role: 'viewer' }] });
    await page.close();
  });
});
