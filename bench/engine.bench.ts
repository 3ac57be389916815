import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openCore, type Core } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import type { ResultRollupsTable } from '../src/db/types.js';
import { silentLogger } from '../src/lib/logger.js';
import { LocalDispatcher } from '../src/monitoring/checks/index.js';
import { MonitoringEngine } from '../src/monitoring/engine.js';
import { monitorSchema } from '../src/monitoring/monitor.schema.js';
import { ResultStore } from '../src/monitoring/results.service.js';
import { DAY, HOUR, levelOf, MINUTE, MONTH, Totals } from '../src/monitoring/rollups.js';
import { LatencySketch } from '../src/monitoring/sketch.js';
import { SitesRepository } from '../src/sites/sites.repository.js';
import { tempDir } from '../test/support/databases.js';
import { medianMs } from './median.js';

const WINDOW_S = Number(process.env.UPKEEP_BENCH_ENGINE_SECONDS ?? 120);
const SIZES = (process.env.UPKEEP_BENCH_ENGINE_SIZES ?? '10000,50000').split(',').map(Number);

export const title = `Monitoring engine on SQLite: ${SIZES.map((n) => n.toLocaleString('en-US')).join(' and ')} HTTP monitors at 60 s against 16 loopback hosts, measured over ${WINDOW_S} s`;

type Figures = Record<string, string | number>;
const fileSize = (path: string) => (statSync(path, { throwIfNoEntry: false })?.size ?? 0) / 1024 / 1024;

async function addMonitors(core: Core, n: number, port: number): Promise<void> {
  await core.storage.db.transaction().execute(async (trx) => {
    const repo = new SitesRepository(trx);
    const now = Date.now();
    let siteId = 0;
    for (let i = 0; i < n; i++) {
      if (i % 100 === 0) siteId = await repo.insertSite(core.siteCodec.siteToWrite({ name: `Site ${i / 100}`, tags: [] }, 'api', {}), now);
      const spec = monitorSchema.parse({
        name: `Page ${i}`,
        type: 'http',
        url: `http://127.0.0.${1 + (i % 16)}:${port}/p${i}`,
        interval: '60s',
        expect: { contains: 'Add to cart' },
      });
      await repo.insertMonitor(core.siteCodec.monitorToWrite(siteId, spec, 'api', {}), now);
    }
  });
}

async function scale(n: number, port: number, keep: boolean): Promise<{ figures: Figures; core: Core; cleanup: () => void }> {
  const dir = tempDir('upkeep-bench-');
  const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger() });
  const t0 = performance.now();
  await addMonitors(core, n, port);
  const setupS = (performance.now() - t0) / 1000;
  const lateness = new LatencySketch();
  const results = new ResultStore(core.storage.db, core.clock, silentLogger(), { keepRawMs: 30 * DAY });
  const engine = new MonitoringEngine(
    {
      monitors: core.sites.monitorStore(),
      codec: core.siteCodec,
      results,
      dispatcher: new LocalDispatcher(),
      clock: core.clock,
      log: silentLogger(),
      metrics: { checkFinished: () => {}, lateness: (s) => lateness.add(s * 1000), recordFailed: () => {} },
    },
    { allowPrivateTargets: true },
  );
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 250);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await engine.start();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const checks = engine.schedule.started;
  const written = results.written;
  clearInterval(sampler);
  await engine.stop();
  const expected = (n * WINDOW_S) / 60;
  const up = (
    await core.storage.db
      .selectFrom('monitor_state')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'up')
      .executeTakeFirstOrThrow()
  ).n;
  const label = n.toLocaleString('en-US');
  const figures: Figures = {
    [`${label}: set-up (monitors/s)`]: Math.round(n / setupS),
    [`${label}: checks started / expected`]: `${checks} / ${expected} (${((100 * checks) / expected).toFixed(2)} %)`,
    [`${label}: checks/s achieved (expected ${(n / 60).toFixed(1)})`]: Number((checks / wall).toFixed(1)),
    [`${label}: monitors up at the end`]: `${Number(up)} / ${n}`,
    [`${label}: lateness p50 (ms)`]: lateness.quantile(0.5) ?? 0,
    [`${label}: lateness p99 (ms)`]: lateness.quantile(0.99) ?? 0,
    [`${label}: CPU (% of one core)`]: Number(((100 * (used.user + used.system)) / 1e6 / wall).toFixed(1)),
    [`${label}: peak RSS (MiB)`]: Math.round(peakRss / 1024 / 1024),
    [`${label}: results written/s`]: Number((written / wall).toFixed(1)),
    [`${label}: database size (MiB)`]: Number((fileSize(join(dir.path, 'upkeep.db')) + fileSize(join(dir.path, 'upkeep.db-wal'))).toFixed(1)),
  };
  if (!keep) {
    await core.close();
    dir.cleanup();
  }
  return { figures, core, cleanup: dir.cleanup };
}

/** A year of day and month rollups for every monitor, and of hours and the last day's minutes for one: what a year of history holds. */
async function queries(core: Core, n: number): Promise<Figures> {
  const results = new ResultStore(core.storage.db, core.clock, silentLogger(), { keepRawMs: 30 * DAY });
  await results.start();
  const now = Date.now();
  const today = now - (now % DAY);
  const row = (monitorId: number, bucketMs: number, start: number, count: number): ResultRollupsTable => {
    const t = new Totals();
    for (let i = 0; i < Math.min(count, 60); i++)
      t.addResult({
        monitor_id: monitorId,
        at: start,
        status: i === 0 && start % (7 * DAY) === 0 ? 2 : 0,
        duration_ms: 40 + ((start / bucketMs + i * 7) % 90),
        dns_ms: 1,
        connect_ms: 2,
        tls_ms: 0,
        ttfb_ms: 30,
        transfer_ms: 1,
      });
    const r = t.toRow(monitorId, bucketMs, start);
    const scale = count / Math.min(count, 60);
    return {
      ...r,
      up: Math.round(r.up * scale),
      down: r.down,
      latency_count: Math.round(r.latency_count * scale),
      latency_sum: Math.round(r.latency_sum * scale),
    };
  };
  const t0 = performance.now();
  const batch: ResultRollupsTable[] = [];
  const flush = async () => {
    await results.repository.transaction((repo) => repo.upsertRollups(batch.splice(0)));
  };
  // Every day also goes into its month, as the engine rolls up.
  const months = new Map<string, { id: number; start: number; totals: Totals }>();
  for (let d = 1; d <= 365; d++) {
    for (let id = 1; id <= n; id++) {
      const day = row(id, DAY, today - d * DAY, 1440);
      batch.push(day);
      const start = levelOf(MONTH).floor(day.start);
      const month = months.get(`${id}:${start}`) ?? months.set(`${id}:${start}`, { id, start, totals: new Totals() }).get(`${id}:${start}`)!;
      month.totals.addRollup(day);
      if (batch.length >= 20_000) await flush();
    }
  }
  for (const m of months.values()) {
    batch.push(m.totals.toRow(m.id, MONTH, m.start));
    if (batch.length >= 20_000) await flush();
  }
  for (let h = 1; h <= 365 * 24; h++) batch.push(row(1, HOUR, today - h * HOUR, 60));
  for (let m = 1; m <= 1440; m++) batch.push(row(1, MINUTE, now - (now % MINUTE) - m * MINUTE, 1));
  await flush();
  // What the engine does every hour after expiring old results.
  await core.storage.optimize();
  const loadS = (performance.now() - t0) / 1000;
  const oneYear = await medianMs(21, () => results.summary(1, now - 365 * DAY, now));
  const overview = await medianMs(3, () => results.overview(now - 365 * DAY, now));
  const overviewMonth = await medianMs(3, () => results.overview(now - 30 * DAY, now));
  // What GET /api/v1/overview reads for one page (its default limit).
  const pageIds = Array.from({ length: Math.min(500, n) }, (_, i) => i + 1);
  const overviewPage = await medianMs(5, () => results.overview(now - 365 * DAY, now, pageIds));
  const summary = await results.summary(1, now - 365 * DAY, now);
  return {
    'history: rollups written (rows/s)': Math.round((365 * n + 365 * 24 + 1440) / loadS),
    'query: 365-day uptime and latency of one monitor (ms, median of 21)': oneYear,
    'query: 365-day checks counted': summary.checks,
    [`query: 365-day overview of all ${n.toLocaleString('en-US')} monitors (ms, median of 3)`]: overview,
    [`query: 30-day overview of all ${n.toLocaleString('en-US')} monitors (ms, median of 3)`]: overviewMonth,
    [`query: 365-day overview of a page of ${pageIds.length} monitors (ms, median of 5)`]: overviewPage,
  };
}

export async function run(): Promise<Figures> {
  const target = spawn(process.execPath, ['--import', 'tsx', new URL('./engine-target.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: target.stdout })[Symbol.asyncIterator]();
  const peer = JSON.parse((await lines.next()).value as string) as { port: number };
  const figures: Figures = {};
  try {
    for (const [i, n] of SIZES.entries()) {
      const keep = i === 0;
      const { figures: f, core, cleanup } = await scale(n, peer.port, keep);
      Object.assign(figures, f);
      if (keep) {
        Object.assign(figures, await queries(core, n));
        await core.close();
        cleanup();
      }
    }
  } finally {
    target.stdin.end();
  }
  return figures;
}
