import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditsRepository } from '../../src/audits/audits.repository.js';
import { axe, chromiumSkipReason } from '../support/browser.js';
import { laggingClock } from '../support/clock.js';
import { loginPage, startOwnedWorld, type OwnedWorld } from './support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 100 days behind while the runtime starts, so the months of results fit. */
const clock = laggingClock(100 * DAY);

/** The site page's Trends section in Debian's Chromium: the year's chart, a row a month in the table, audit scores. */
describe.skipIf(chromiumSkipReason)('trends on the site page', () => {
  let world: OwnedWorld;
  let url: string;
  let siteId: number;

  beforeAll(async () => {
    world = await startOwnedWorld(
      `
sites:
  - name: Shop
    owner: ada@agency.example
    monitors: [{ name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, paused: true }]
    objectives:
      - { name: Available, type: availability, target: 99.5, period: month }
      - { name: Quick, type: latency, under: 150ms, period: month }
`,
      clock,
      async ({ server, site }) => {
        const shop = await site('Shop');
        siteId = shop.siteId;
        // A check an hour for 100 days: every 50th down (2 %: each month missed), slower as time goes on.
        const start = clock.now() + HOUR;
        for (let i = 0; i < 100 * 24 - 2; i++)
          server.engine.results.record(
            { monitorId: shop.monitorId!, at: start + i * HOUR, status: i % 50 === 0 ? 'down' : 'up', message: 'x', durationMs: 100 + Math.floor(i / 24) },
            undefined,
            [],
          );
      },
    );
    url = world.url;
    await world.server.engine.results.rollUp();
    const audits = new AuditsRepository(world.core.storage.db);
    for (const [days, score] of [
      [60, 70],
      [30, 85],
      [5, 90],
    ] as const) {
      const at = Date.now() - days * DAY;
      const id = await audits.insertAudit({ siteId, url: 'https://shop.test/', categories: ['security'], startedAt: at });
      await audits.finishAudit(
        id,
        { status: 'done', finishedAt: at + HOUR, scores: { security: score }, grades: { security: 'B' }, facts: {}, errors: {} },
        [],
        [],
      );
    }
  }, 180_000);
  afterAll(async () => world?.close());

  it('shows a row a month for the year with each goal met or missed, the chart, audit scores, and passes axe', { timeout: 90_000 }, async () => {
    const errors: string[] = [];
    const page = await loginPage(world.browser, url, 'ada@agency.example', 'owner password 123', { bypassCSP: true });
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${url}/sites/${siteId}`);
    const section = page.getByRole('region', { name: 'Trends' });
    await section.locator('.trends-table tbody tr').first().waitFor();
    expect(await section.locator('.trends-table tbody tr').count()).toBe(12);
    expect(await section.locator('.trends-table thead th').allInnerTexts()).toEqual(['Month', 'Available', 'Quick', 'Home p50 / p95 / p99']);
    // The month under way has checks; 2 % of them failed, so the availability goal is missed.
    const current = section.locator('.trends-table tbody tr').last();
    expect((await current.locator('td').first().textContent())!.replace(/\s+/g, ' ')).toMatch(/^✗ missed 9\d\.\d\d %$/);
    expect(await section.locator('.trends-table tbody tr').first().locator('td').first().innerText()).toBe('no checks');
    await section
      .getByRole('img', { name: /Attainment per goal and p95 response time per monitor/ })
      .locator('canvas')
      .waitFor();
    const security = section.locator('[data-audit="security"]');
    expect(await security.locator('figcaption').innerText()).toContain('3 runs · score security from 70 to 90 (lowest 70)');
    await security.locator('canvas').waitFor();
    const serious = (await axe(page, 'section[aria-label="Trends"]')).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious).toEqual([]);
    expect(errors).toEqual([]);
  });
});
