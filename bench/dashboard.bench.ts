import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { openCore, type Core } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import { configSchema } from '../src/config-file.js';
import type { MonitorStateTable, ResultRollupsTable } from '../src/db/types.js';
import { silentLogger } from '../src/lib/logger.js';
import { monitorSchema } from '../src/monitoring/monitor.schema.js';
import { ResultsRepository } from '../src/monitoring/results.repository.js';
import { DAY, HOUR, MINUTE, Totals } from '../src/monitoring/rollups.js';
import { createRuntime } from '../src/runtime.js';
import { SitesRepository } from '../src/sites/sites.repository.js';
import { chromiumSkipReason, launchChromium } from '../test/support/browser.js';
import { ensureWebBuilt } from '../test/dashboard/support.js';
import { tempDir } from '../test/support/databases.js';

const MONITORS = Number(process.env.UPKEEP_BENCH_DASHBOARD_MONITORS ?? 10_000);
const PER_SITE = 10;
const RUNS = Number(process.env.UPKEEP_BENCH_DASHBOARD_RUNS ?? 7);
const GOAL_MS = 2_000;

export const title = `Dashboard in headless Chromium: ${MONITORS.toLocaleString('en-US')} monitors on ${(MONITORS / PER_SITE).toLocaleString('en-US')} sites with 24 h of history, median of ${RUNS} loads (goal: overview under ${GOAL_MS} ms)`;

/** Sites, monitors, their last state and 24 hourly rollups each, written in a few transactions. */
async function seed(core: Core, targetUrl: string): Promise<void> {
  const now = Date.now();
  const hour = now - (now % HOUR);
  await core.storage.db.transaction().execute(async (trx) => {
    const repo = new SitesRepository(trx);
    const states: MonitorStateTable[] = [];
    let siteId = 0;
    for (let i = 0; i < MONITORS; i++) {
      if (i % PER_SITE === 0)
        siteId = await repo.insertSite(core.siteCodec.siteToWrite({ name: `Client site ${i / PER_SITE}`, url: targetUrl, tags: [] }, 'api', {}), now);
      // An hour apart, the engine checks a few monitors a second while the dashboard is measured.
      const spec = monitorSchema.parse({ name: `Page ${i}`, type: 'http', url: `${targetUrl}p${i}`, interval: '1h' });
      const id = await repo.insertMonitor(core.siteCodec.monitorToWrite(siteId, spec, 'api', {}), now);
      const down = i % 997 === 0;
      states.push({
        monitor_id: id,
        status: down ? 'down' : 'up',
        health: down ? 'down' : 'up',
        since: now - DAY,
        streak: 10,
        history: down ? 'dddddddddd' : 'uuuuuuuuuu',
        flapping: 0,
        slow: 0,
        last_check_at: now - MINUTE,
        last_message: down ? 'HTTP 500 in 12 ms' : null,
        extra: null,
        updated_at: now,
      });
    }
    await new ResultsRepository(trx).upsertStates(states);
  });
  const results = new ResultsRepository(core.storage.db);
  const batch: ResultRollupsTable[] = [];
  for (let id = 1; id <= MONITORS; id++) {
    for (let h = 1; h <= 24; h++) {
      const t = new Totals();
      t.addResult({
        monitor_id: id,
        at: hour - h * HOUR,
        status: 0,
        duration_ms: 40 + (id % 90),
        dns_ms: 1,
        connect_ms: 2,
        tls_ms: 0,
        ttfb_ms: 30,
        transfer_ms: 5,
      });
      batch.push(t.toRow(id, HOUR, hour - h * HOUR));
    }
    if (batch.length >= 20_000) await results.transaction((repo) => repo.upsertRollups(batch.splice(0)));
  }
  await results.transaction((repo) => repo.upsertRollups(batch.splice(0)));
  for (const size of [MINUTE, HOUR, DAY]) await results.setWatermark(size, size === HOUR ? hour : now - (now % size));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Loads a page and answers the page's own clock (ms since navigation began) when `selector` is first drawn. */
async function timeToRender(page: Page, url: string, selector: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector(selector, { timeout: 30_000 });
  return await page.evaluate<number>('performance.now()');
}

export async function run(): Promise<Record<string, string | number>> {
  if (chromiumSkipReason) return { skipped: chromiumSkipReason };
  ensureWebBuilt();
  const target = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  const dir = tempDir('upkeep-bench-dashboard-');
  const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger() });
  const t0 = performance.now();
  await seed(core, targetUrl);
  const seedS = (performance.now() - t0) / 1000;
  await core.accounts.createUser({ email: 'bench@upkeep.test', password: 'bench password 123', role: 'owner' });
  const runtime = await createRuntime(core, configSchema.parse({ network: { allowPrivateTargets: true } }));
  await runtime.start();
  const url = await runtime.http.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(url);
    await page.getByLabel('Email').fill('bench@upkeep.test');
    await page.getByLabel('Password').fill('bench password 123');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('[data-site]');
    const overview: number[] = [];
    const monitors: number[] = [];
    for (let i = 0; i < RUNS; i++) overview.push(await timeToRender(page, `${url}/`, '[data-site]'));
    const rowsDrawn = await page.locator('.virtual-row').count();
    for (let i = 0; i < RUNS; i++) monitors.push(await timeToRender(page, `${url}/monitors`, '[data-monitor]'));
    const searches: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const wanted = `Page ${MONITORS - 1 - i * 13}`;
      const started = await page.evaluate<number>('performance.now()');
      await page.getByRole('searchbox').fill(wanted);
      await page.waitForSelector(`[data-monitor="${wanted}"]`);
      searches.push((await page.evaluate<number>('performance.now()')) - started);
    }
    const api: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await page.evaluate(`fetch('/api/v1/portfolio?limit=100').then((r) => r.json())`);
      api.push(performance.now() - started);
    }
    const overviewMs = median(overview);
    return {
      'seed (s)': seedS,
      'overview rendered, median (ms)': Math.round(overviewMs),
      'overview rendered, slowest (ms)': Math.round(Math.max(...overview)),
      'overview vs 2 s goal': `${(overviewMs / GOAL_MS).toFixed(2)} of the goal (${overviewMs < GOAL_MS ? 'met' : 'missed'})`,
      'site rows in the DOM (of 100 loaded)': rowsDrawn,
      'monitor list rendered, median (ms)': Math.round(median(monitors)),
      [`search of ${MONITORS.toLocaleString('en-US')} monitors to row drawn, median (ms, incl. 250 ms typing pause)`]: Math.round(median(searches)),
      'GET /portfolio?limit=100, median (ms)': Math.round(median(api)),
    };
  } finally {
    await browser.close();
    await runtime.stop();
    await core.close();
    target.close();
    dir.cleanup();
  }
}
