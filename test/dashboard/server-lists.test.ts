import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason } from '../support/browser.js';
import { laggingClock } from '../support/clock.js';
import { loginPage, startOwnedWorld, type OwnedWorld } from './support.js';

const SITES = 220;
const name = (i: number) => `Site ${String(i).padStart(3, '0')}`;

/**
 * The overview and the monitors page hold lists the server searches and pages: more than one page
 * of sites and monitors is read page by page as the list scrolls, and a search asks the server.
 */
describe.skipIf(chromiumSkipReason)('lists the server pages, in the dashboard', () => {
  let world: OwnedWorld;

  beforeAll(async () => {
    const sites = Array.from(
      { length: SITES },
      (_, i) => `  - name: ${name(i + 1)}\n    monitors:\n      - { name: "Beat ${i + 1}", type: heartbeat, period: 1d, grace: 1h }`,
    );
    world = await startOwnedWorld(`sites:\n${sites.join('\n')}\n`, laggingClock(0), async () => {});
  });
  afterAll(() => world?.close());
  const login = () => loginPage(world.browser, world.url, 'ada@agency.example', 'owner password 123');

  /** The API calls the page makes to `path`, as query strings. */
  const callsTo = (page: Page, path: string) => {
    const calls: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === `/api/v1${path}`) calls.push(u.search);
    });
    return calls;
  };

  /** Presses End in the list until `last` is drawn: each End reaches the end of the rows read so far. */
  const scrollToEnd = (page: Page, last: string) =>
    expect
      .poll(
        async () => {
          await page.keyboard.press('End');
          return page.locator(last).count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);

  it('reads the overview’s next page of sites when the list is scrolled to its end', { timeout: 90_000 }, async () => {
    const page = await login();
    const calls = callsTo(page, '/portfolio');
    await page.locator(`[data-site="${name(1)}"]`).waitFor();
    expect(await page.locator(`[data-site="${name(SITES)}"]`).count()).toBe(0);
    await page
      .locator(`[data-site="${name(1)}"] a`)
      .first()
      .focus();
    await scrollToEnd(page, `[data-site="${name(SITES)}"]`);
    expect(calls.some((q) => q.includes('cursor='))).toBe(true);

    await page.getByLabel('Search sites').fill(name(219));
    await expect.poll(() => page.locator('[data-site]').count()).toBe(1);
    expect(calls).toContain('?q=Site+219&show=all&limit=100');
    await page.close();
  });

  it('reads the monitors page’s next page when scrolled to its end, and searches on the server', { timeout: 90_000 }, async () => {
    const page = await login();
    const calls = callsTo(page, '/portfolio/monitors');
    await page.goto(`${world.url}/monitors`);
    await page.locator('[data-monitor="Beat 1"]').waitFor();
    expect(await page.locator(`[data-monitor="Beat ${SITES}"]`).count()).toBe(0);
    await page.locator('[data-monitor="Beat 1"] a').first().focus();
    await scrollToEnd(page, `[data-monitor="Beat ${SITES}"]`);
    expect(calls.filter((q) => q.includes('cursor='))).toHaveLength(1);

    await page.getByLabel('Search monitors').fill('Beat 217');
    await expect.poll(() => page.locator('[data-monitor]').count()).toBe(1);
    expect(calls).toContain('?q=Beat+217&limit=200');
    await page.close();
  });
});
