import { openCore, type Core } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import type { ResultRollupsTable } from '../src/db/types.js';
import { silentLogger } from '../src/lib/logger.js';
import { monitorSchema } from '../src/monitoring/monitor.schema.js';
import { ResultsRepository } from '../src/monitoring/results.repository.js';
import { DAY, HOUR, MINUTE, MONTH, rollUpRollups, Totals } from '../src/monitoring/rollups.js';
import { makeReport } from '../src/reports/index.js';
import { siteSchema } from '../src/sites/site.schema.js';
import { SitesRepository } from '../src/sites/sites.repository.js';
import { chromiumSkipReason, CHROMIUM } from '../test/support/browser.js';
import { tempDir } from '../test/support/databases.js';

const SITES = Number(process.env.UPKEEP_BENCH_REPORTS_SITES ?? 500);
const PDFS = Number(process.env.UPKEEP_BENCH_REPORTS_PDFS ?? 10);
const MONTH_NAME = '2026-11';
const TIMEZONE = 'Europe/Stockholm';
/** Two days into December: November is over and rolled up. */
const NOW = Date.parse('2026-12-03T00:00:00Z');

export const title = `Monthly reports on SQLite: ${SITES} sites with a year of rollups each (an HTTP monitor at 60 s, two objectives), one team report of every site and one report per site (HTML), PDF for ${PDFS}`;

type Figures = Record<string, string | number>;

/** The sites (one team's tag, two objectives) and one HTTP monitor each, in one transaction. */
async function seedSites(core: Core): Promise<number[]> {
  const monitors: number[] = [];
  await core.storage.db.transaction().execute(async (trx) => {
    const repo = new SitesRepository(trx);
    for (let i = 0; i < SITES; i++) {
      const spec = siteSchema.parse({
        name: `Client site ${i}`,
        url: `https://site${i}.example/`,
        tags: ['clients'],
        objectives: [
          { name: 'Available', type: 'availability', target: 99.9, period: 'month', timezone: TIMEZONE },
          { name: 'Quick', type: 'latency', under: '800ms', period: 'month', timezone: TIMEZONE },
        ],
      });
      const siteId = await repo.insertSite(core.siteCodec.siteToWrite(spec, 'api', {}), NOW);
      const monitor = monitorSchema.parse({ name: 'Home', type: 'http', url: `https://site${i}.example/` });
      monitors.push(await repo.insertMonitor(core.siteCodec.monitorToWrite(siteId, monitor, 'api', {}), NOW));
    }
  });
  await core.users.putTeam('Clients', { tags: ['clients'] });
  return monitors;
}

/**
 * What the result store holds a few days after the month, for a year: hours (kept 90 days), days and
 * months, each rolled up from checks (the odd failure, latency that wanders) from a year before to two
 * days after the month; minutes and raw results have expired. The reported month's hours come from a
 * check a minute; the other months' from one every 15 minutes (the same rows, seeded faster).
 */
async function seedRollups(core: Core, monitors: readonly number[]): Promise<number> {
  const results = new ResultsRepository(core.storage.db);
  const from = Date.parse('2025-12-01T00:00:00Z');
  const monthFrom = Date.parse('2026-10-31T00:00:00Z');
  const to = Date.parse('2026-12-02T00:00:00Z');
  const hoursKeptFrom = NOW - 90 * DAY;
  let rows = 0;
  for (const id of monitors) {
    const hours: ResultRollupsTable[] = [];
    for (let hour = from; hour < to; hour += HOUR) {
      const t = new Totals();
      const step = hour >= monthFrom ? MINUTE : 15 * MINUTE;
      for (let at = hour; at < hour + HOUR; at += step) {
        const slot = (at - from) / MINUTE;
        const ms = 120 + Math.round(40 * Math.sin(slot / 300 + id)) + ((slot * 7_919 + id) % 61);
        t.addResult({
          monitor_id: id,
          at,
          status: (slot + id * 17) % 2_000 === 0 ? 2 : 0,
          duration_ms: ms,
          dns_ms: 1,
          connect_ms: 8,
          tls_ms: 20,
          ttfb_ms: ms - 40,
          transfer_ms: 11,
        });
      }
      hours.push(t.toRow(id, HOUR, hour));
    }
    const days = rollUpRollups(hours, DAY);
    const all = [...hours.filter((h) => h.start >= hoursKeptFrom), ...days, ...rollUpRollups(days, MONTH)];
    await results.transaction((repo) => repo.upsertRollups(all));
    rows += all.length;
  }
  await results.setWatermark(MINUTE, NOW);
  return rows;
}

/** Wall and CPU time of `fn` in ms. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

const round = (n: number) => Number(n.toFixed(1));

export async function run(): Promise<Figures> {
  const dir = tempDir('upkeep-bench-reports-');
  const clock = { now: () => NOW };
  const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger(), clock });
  try {
    const seeding = await measured(async () => seedRollups(core, await seedSites(core)));
    const figures: Figures = { 'rollup rows seeded': seeding.value, 'seeding (s)': round(seeding.wallMs / 1000) };

    const team = await measured(() => makeReport(core, { team: 'Clients', month: MONTH_NAME, timezone: TIMEZONE }));
    figures['team report: sites'] = team.value.siteIds.length;
    figures['team report: HTML bytes'] = team.value.html.length;
    figures['team report: seconds'] = round(team.wallMs / 1000);
    figures['team report: sites per second'] = round((SITES * 1000) / team.wallMs);
    figures['team report: CPU ms per site'] = round(team.cpuMs / SITES);

    const heapBefore = process.memoryUsage().heapUsed;
    const perSite = await measured(async () => {
      for (let i = 0; i < SITES; i++) await makeReport(core, { site: `Client site ${i}`, month: MONTH_NAME, timezone: TIMEZONE });
    });
    figures['site reports (HTML): reports per second'] = round((SITES * 1000) / perSite.wallMs);
    figures['site reports (HTML): ms per report'] = round(perSite.wallMs / SITES);
    figures['site reports (HTML): CPU ms per report'] = round(perSite.cpuMs / SITES);
    figures['site reports (HTML): heap growth over all (MB)'] = round((process.memoryUsage().heapUsed - heapBefore) / 1e6);

    if (chromiumSkipReason || PDFS === 0) figures['site reports (PDF)'] = chromiumSkipReason ?? 'not asked for (UPKEEP_BENCH_REPORTS_PDFS=0)';
    else {
      // Chromium runs as its own process per report: its CPU is not in this process's figure.
      const pdf = await measured(async () => {
        let bytes = 0;
        for (let i = 0; i < PDFS; i++)
          bytes += (await makeReport(core, { site: `Client site ${i}`, month: MONTH_NAME, timezone: TIMEZONE }, { chromium: CHROMIUM, user: 'nobody' })).pdf!
            .length;
        return bytes;
      });
      figures['site reports (PDF): ms per report'] = round(pdf.wallMs / PDFS);
      figures['site reports (PDF): Node CPU ms per report (Chromium apart)'] = round(pdf.cpuMs / PDFS);
      figures['site reports (PDF): bytes per PDF'] = Math.round(pdf.value / PDFS);
    }
    figures['peak RSS (MB)'] = round(process.resourceUsage().maxRSS / 1000);
    return figures;
  } finally {
    await core.close();
    dir.cleanup();
  }
}
