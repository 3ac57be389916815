import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason } from '../support/browser.js';
import { laggingClock } from '../support/clock.js';
import { loginPage, startOwnedWorld, type OwnedWorld } from '../dashboard/support.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A day behind while the runtime starts, so the day of results fits. */
const clock = laggingClock(DAY);

/** The owner line and the objectives section as people see them in Debian's Chromium. */
describe.skipIf(chromiumSkipReason)('owners and objectives in the dashboard', () => {
  let world: OwnedWorld;
  let url: string;
  let siteId: number;
  const errors: string[] = [];

  beforeAll(async () => {
    world = await startOwnedWorld(
      `
sites:
  - name: Shop
    owner: ada@agency.example
    monitors: [{ name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, paused: true }]
    objectives:
      - { name: Available, type: availability, target: 99.5, window: 7d }
  - name: Orphan
`,
      clock,
      async ({ server, site }) => {
        const shop = await site('Shop');
        siteId = shop.siteId;
        const start = clock.now() + MINUTE;
        for (let i = 0; i < 1440; i++)
          server.engine.results.record(
            { monitorId: shop.monitorId!, at: start + i * MINUTE, status: i % 400 === 0 ? 'down' : 'up', message: 'x', durationMs: 120 },
            undefined,
            [],
          );
      },
    );
    url = world.url;
    await world.server.objectives.evaluateAll();
  }, 120_000);
  afterAll(async () => world?.close());

  it('flags the site without an owner on the overview, and shows the owner and the objectives on the site page', { timeout: 90_000 }, async () => {
    const page = await loginPage(world.browser, url, 'ada@agency.example', 'owner password 123');
    page.on('pageerror', (err) => errors.push(err.message));
    const orphan = page.locator('[data-site="Orphan"]');
    await orphan.getByText('no owner').waitFor();
    await page.locator('[data-site="Shop"]').getByText('owner ada@agency.example').waitFor();
    await page.getByRole('button', { name: '1 without an owner' }).click();
    await page.locator('[data-site="Shop"]').waitFor({ state: 'detached' });

    await page.goto(`${url}/sites/${siteId}`);
    const section = page.getByRole('region', { name: 'Objectives' });
    const row = section.locator('[data-objective="Available"]');
    await row.waitFor();
    const text = await row.innerText();
    // 4 of 1,440 checks down: 99.72 % against 99.5 %, so met with 44 % of the budget left (4 of 7 failures allowed).
    expect(text).toContain('99.5 % over 1w');
    expect(text).toContain('met');
    expect(text).toContain('99.72 %');
    expect(text).toContain('44.4 % (4 of 7 failures allowed)');
    await section.locator('.chart canvas').first().waitFor();
    expect(errors).toEqual([]);
  });
});
