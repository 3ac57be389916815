import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { backupWorld } from '../backups/support/world.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { ensureWebBuilt, loginPage } from './support.js';

/**
 * Backups in the dashboard, in Debian's Chromium: browse a snapshot folder by folder, restore one
 * folder onto the server and download it, and get back the very bytes that were backed up. A viewer
 * is shown no restore or download, and the API refuses them when asked directly.
 */
describe.skipIf(chromiumSkipReason)('backups in the dashboard', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let url: string;
  let world: Awaited<ReturnType<typeof backupWorld>>;
  let scratch: string;

  beforeAll(async () => {
    ensureWebBuilt();
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    world = await backupWorld(core);
    server = await testRuntime(core, world.loaded.config);
    url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    await core.accounts.createUser({ email: 'viewer@agency.test', password: 'viewer password 123', role: 'viewer' });
    // A client's editor: team "Client A" reaches the sites tagged client-a (Shop, job www), not Zulu Site.
    const owner = await core.accounts.createUser({ email: 'admin@agency.test', password: 'admin password 123', role: 'owner' });
    const headers = { authorization: `Bearer ${(await core.accounts.createToken({ name: 'setup', scope: 'write', userId: owner.id })).token}` };
    await server.app.inject({ method: 'PUT', url: '/api/v1/teams/Client A', headers, payload: { tags: ['client-a'] } });
    const client = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers,
      payload: { email: 'a@client-a.test', password: 'client password 123', role: 'viewer', teams: [{ team: 'Client A', role: 'editor' }] },
    });
    if (client.statusCode !== 201) throw new Error(client.body);
    scratch = await mkdtemp(join(tmpdir(), 'upkeep-download-'));
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
    if (world) await rm(world.root, { recursive: true, force: true });
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const sameFiles = async (dir: string) => {
    const assets = join(world.www, 'site', 'assets');
    for (const file of ['logo.png', 'style.css', 'img/hero.jpg']) {
      expect((await readFile(join(dir, file))).equals(await readFile(join(assets, file))), file).toBe(true);
    }
    expect(await readlink(join(dir, 'home.html'))).toBe('../index.html');
  };

  /** From the menu to the folder that holds `site/assets`, clicking through every folder of the snapshot. */
  const openSiteFolder = async (page: Page) => {
    await page.getByRole('link', { name: 'Backups' }).click();
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    await page.locator('[data-job="www"]').getByRole('link', { name: 'www' }).click();
    await page.getByRole('link', { name: world.snapshots.www!.slice(0, 8) }).click();
    for (const part of [...world.www.split('/').filter(Boolean), 'site']) {
      await page
        .getByRole('table', { name: 'Files' })
        .getByRole('button', { name: `${part}/`, exact: true })
        .click();
    }
    await page.locator('[data-entry="assets"]').waitFor();
  };

  it('browses a snapshot, restores one folder onto the server and downloads it: the same bytes', async () => {
    const page = await loginPage(browser, url, 'owner@agency.test', 'owner password 123');
    await openSiteFolder(page);
    expect(await page.locator('[data-entry="index.html"]').textContent()).toContain('20 B');

    await page.getByRole('button', { name: 'Restore assets to the server' }).click();
    await page.getByLabel('Target folder').fill('from-the-dashboard');
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^Restored 3 files/);
    await sameFiles(join(world.restoreRoot, 'from-the-dashboard', world.www, 'site', 'assets'));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download assets' }).click()]);
    const tar = join(scratch, download.suggestedFilename());
    await download.saveAs(tar);
    execFileSync('tar', ['-xf', tar, '-C', scratch]);
    await sameFiles(join(scratch, world.www, 'site', 'assets'));

    await page.getByLabel('Find a file by name').fill('hero');
    await page.locator('[data-entry="hero.jpg"]').waitFor();
    expect(await page.locator('[data-entry="hero.jpg"]').textContent()).toContain(`${world.www}/site/assets/img/hero.jpg`);
    await page.close();
  }, 120_000);

  it('shows a client team only its sites’ backups', async () => {
    const jobsOn = async (page: Page) => {
      await page.getByRole('link', { name: 'Backups' }).click();
      await page.locator('[data-job]').first().waitFor();
      return page.locator('[data-job]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job')));
    };
    const agency = await loginPage(browser, url, 'owner@agency.test', 'owner password 123');
    expect(await jobsOn(agency)).toEqual(['www', 'zulu-files']);
    await agency.close();

    const page = await loginPage(browser, url, 'a@client-a.test', 'client password 123');
    expect(await jobsOn(page)).toEqual(['www']);
    expect(await page.locator('main').textContent()).not.toMatch(/zulu/i);
    // The other client's job by its address: not found, none of its snapshots shown.
    await page.goto(`${url}/backups/zulu-files`);
    expect(await page.getByRole('alert').textContent()).toBe('backup job zulu-files does not exist');
    expect(await page.getByRole('list', { name: 'Snapshots' }).count()).toBe(0);
    await page.close();
  }, 120_000);

  it('shows a viewer no restore or download, and the API refuses them (403)', async () => {
    const page = await loginPage(browser, url, 'viewer@agency.test', 'viewer password 123');
    await openSiteFolder(page);
    expect(await page.getByRole('button', { name: /^Restore / }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /^Download / }).count()).toBe(0);
    const base = `/api/v1/backups/jobs/www/snapshots/${world.snapshots.www}`;
    const answers = await page.evaluate(async (base) => {
      const { csrfToken } = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const download = await fetch(`${base}/archive`);
      const restore = await fetch(`${base}/restore`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: JSON.stringify({ target: 'by-a-viewer' }),
      });
      return [download.status, restore.status, ((await restore.json()) as { error: { message: string } }).error.message];
    }, base);
    expect(answers).toEqual([403, 403, 'viewers may look but not change things']);
    await page.close();
  }, 120_000);
});
