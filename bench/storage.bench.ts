import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import { openCore, type Core } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import type { CheckResultsTable, ResultRollupsTable } from '../src/db/types.js';
import { silentLogger } from '../src/lib/logger.js';
import { toRow, type RecordedResult } from '../src/monitoring/result.js';
import { ResultStore } from '../src/monitoring/results.service.js';
import { DAY, HOUR, levelOf, MINUTE, MONTH, rollUpResults, type RawRow } from '../src/monitoring/rollups.js';
import { LatencySketch } from '../src/monitoring/sketch.js';
import { tempDir } from '../test/support/databases.js';
import { medianMs } from './median.js';

const MONITORS = Number(process.env.UPKEEP_BENCH_STORAGE_MONITORS ?? 20);
const FLEET = Number(process.env.UPKEEP_BENCH_STORAGE_FLEET ?? 10_000);
const SIMULATED_DAYS = 30;

export const title = `Result storage on SQLite: ${MONITORS} HTTP monitors at 60 s for a simulated ${SIMULATED_DAYS} days (bytes per monitor-year), and a year of history for ${FLEET.toLocaleString('en-US')} monitors (query times); this layout vs main's`;

type Figures = Record<string, string | number>;

/** One check of an ordinary HTTP monitor: latency that wanders, phases, the odd failure, a body size that sometimes changes. */
function check(monitorId: number, slot: number, at: number): RecordedResult {
  const wave = Math.sin(slot / 240 + monitorId) * 30;
  const noise = ((slot * 7_919 + monitorId * 104_729) % 97) - 48;
  const ms = Math.max(20, Math.round(140 + wave + noise));
  if ((slot + monitorId * 13) % 720 === 0) return { monitorId, at, status: 'down', message: 'connection refused by 10.0.0.5:443', durationMs: 3 };
  const timings = { dns: 1 + (slot % 3), connect: 12 + (noise & 3), tls: 25 + (noise & 7), ttfb: ms - 50, transfer: 12 };
  const bytes = 48_210 + (slot % 50 === 0 ? slot % 7 : 0);
  return {
    monitorId,
    at,
    status: 'up',
    message: `HTTP 200 in ${ms} ms`,
    durationMs: ms,
    statusCode: 200,
    timings,
    detail: { bytes, finalUrl: `https://shop${monitorId}.example/`, remoteAddress: '203.0.113.10' },
  };
}

/** Bytes per table and index (SQLite's dbstat), of the whole file or of a copy holding one rollup level only. */
function tableBytes(file: string, onlyLevel?: number): Map<string, number> {
  const db = new Sqlite(file);
  try {
    if (onlyLevel !== undefined) {
      db.prepare('delete from result_rollups where bucket_ms != ?').run(onlyLevel);
      db.exec('vacuum');
    }
    const rows = db.prepare('select name, sum(pgsize) as bytes from dbstat group by name').all() as { name: string; bytes: number }[];
    return new Map(rows.map((r) => [r.name, r.bytes]));
  } finally {
    db.close();
  }
}

const sumOf = (bytes: Map<string, number>, prefix: string) => [...bytes].filter(([name]) => name.startsWith(prefix)).reduce((n, [, b]) => n + b, 0);

async function openBenchCore(): Promise<{ core: Core; file: string; cleanup: () => void }> {
  const dir = tempDir('upkeep-bench-storage-');
  const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger() });
  return { core, file: join(dir.path, 'upkeep.db'), cleanup: dir.cleanup };
}

/** Bytes per level of a database after a simulated month, split by copying it once per level. */
async function levelBytes(core: Core, file: string, dir: string, name: string): Promise<Record<string, number>> {
  await sql`pragma wal_checkpoint(truncate)`.execute(core.storage.db);
  const out: Record<string, number> = {};
  const whole = tableBytes(file);
  out.raw = sumOf(whole, 'check_results') + sumOf(whole, 'check_blocks');
  for (const [level, ms] of [
    ['minute', MINUTE],
    ['hour', HOUR],
    ['day', DAY],
    ['month', MONTH],
  ] as const) {
    const copy = join(dir, `${name}-${ms}.db`);
    await sql`vacuum into ${copy}`.execute(core.storage.db);
    out[level] = sumOf(tableBytes(copy, ms), 'result_rollups');
  }
  return out;
}

/**
 * A month of results written the way each layout writes them. This layout: through the ResultStore
 * (batches, rolled up every simulated minute as the engine does, hours packed). Main's: the same rows in
 * check_results and minute, hour and day rollups, none of them ever deleted.
 */
async function simulatedMonth(): Promise<Figures> {
  const start = Date.UTC(2026, 2, 1);
  const end = start + SIMULATED_DAYS * DAY;
  const clock = { t: start, now: () => clock.t };
  const ours = await openBenchCore();
  const main = await openBenchCore();
  const dir = tempDir('upkeep-bench-copies-');
  try {
    const store = new ResultStore(ours.core.storage.db, clock, silentLogger(), { keepRawMs: 30 * DAY, rollupGraceMs: 0, maxPending: 10_000_000 });
    await store.start();
    // The writer keeps results of monitors that exist only.
    const site = await ours.core.sites.createSite({ name: 'Shop' });
    for (let id = 1; id <= MONITORS; id++)
      await ours.core.sites.createMonitor(site.id, { name: `Shop ${id}`, type: 'http', url: `https://shop${id}.example/` });
    const rawOfMain: RawRow[] = [];
    const t0 = performance.now();
    for (let hour = start; hour < end; hour += HOUR) {
      const mainRows: CheckResultsTable[] = [];
      for (let slot = (hour - start) / MINUTE; slot < (hour + HOUR - start) / MINUTE; slot++)
        for (let id = 1; id <= MONITORS; id++) {
          // Checks start in their slot, a few ms late as the scheduler runs them.
          const r = check(id, slot, start + slot * MINUTE + ((slot * 31 + id) % 40));
          store.record(r, undefined, []);
          mainRows.push(toRow(r));
        }
      await store.flush();
      clock.t = hour + HOUR;
      await store.rollUp();
      await main.core.storage.db.transaction().execute(async (trx) => {
        for (let i = 0; i < mainRows.length; i += 400)
          await trx
            .insertInto('check_results')
            .values(mainRows.slice(i, i + 400))
            .execute();
      });
      rawOfMain.push(...mainRows);
    }
    const writeS = (performance.now() - t0) / 1000;
    await store.stop();
    const mainRollups: ResultRollupsTable[] = [MINUTE, HOUR, DAY].flatMap((ms) => rollUpResults(rawOfMain, ms));
    await main.core.storage.db.transaction().execute(async (trx) => {
      for (let i = 0; i < mainRollups.length; i += 200)
        await trx
          .insertInto('result_rollups')
          .values(mainRollups.slice(i, i + 200))
          .execute();
    });

    const mine = await levelBytes(ours.core, ours.file, dir.path, 'ours');
    const theirs = await levelBytes(main.core, main.file, dir.path, 'main');
    // A monitor-year at rest: 30 days of raw detail, plus each level for as long as it is kept (main keeps every level for good).
    const perMonth = (bytes: number) => bytes / MONITORS / SIMULATED_DAYS;
    const ourYear =
      perMonth(mine.raw!) * 30 + perMonth(mine.minute!) * 2 + perMonth(mine.hour!) * 90 + perMonth(mine.day!) * 365 + (mine.month! / MONITORS) * 12;
    const mainYear = perMonth(theirs.raw!) * 30 + (perMonth(theirs.minute!) + perMonth(theirs.hour!) + perMonth(theirs.day!)) * 365;
    const mb = (b: number) => Number((b / 1_000_000).toFixed(3));
    const checks = MONITORS * SIMULATED_DAYS * 1440;
    return {
      'month simulated: checks written': checks,
      'month simulated: checks written and rolled up (/s)': Math.round(checks / writeS),
      'raw detail per check, this layout (bytes)': Number((mine.raw! / checks).toFixed(1)),
      "raw detail per check, main's layout (bytes)": Number((theirs.raw! / checks).toFixed(1)),
      'per monitor-year, this layout (MB): raw 30 d': mb(perMonth(mine.raw!) * 30),
      'per monitor-year, this layout (MB): minutes 2 d': mb(perMonth(mine.minute!) * 2),
      'per monitor-year, this layout (MB): hours 90 d': mb(perMonth(mine.hour!) * 90),
      'per monitor-year, this layout (MB): days 365 d': mb(perMonth(mine.day!) * 365),
      'per monitor-year, this layout (MB): months 12': mb((mine.month! / MONITORS) * 12),
      'per monitor-year, this layout (MB)': mb(ourYear),
      "per monitor-year, main's layout (MB)": mb(mainYear),
      "main's / this layout": Number((mainYear / ourYear).toFixed(1)),
    };
  } finally {
    await ours.core.close();
    await main.core.close();
    ours.cleanup();
    main.cleanup();
    dir.cleanup();
  }
}

/** A year of day and month rollups for every monitor of the fleet (one sketch, scaled), and hours and minutes for the first. */
async function yearOfFleet(): Promise<Figures> {
  const { core, cleanup } = await openBenchCore();
  try {
    const store = new ResultStore(core.storage.db, core.clock, silentLogger(), { keepRawMs: 30 * DAY });
    await store.start();
    const now = Date.now();
    const sketch = new LatencySketch();
    for (let i = 0; i < 1440; i++) sketch.add(80 + ((i * 37) % 120));
    const scaled = (k: number) =>
      sketch
        .toString()
        .split(',')
        .map((p) => p.split(':'))
        .map(([i, c]) => `${i}:${Number(c) * k}`)
        .join(',');
    const row = (monitorId: number, bucketMs: number, start: number, days: number): ResultRollupsTable => ({
      monitor_id: monitorId,
      bucket_ms: bucketMs,
      start,
      up: 1440 * days - days,
      degraded: 0,
      down: days,
      latency_count: 1440 * days,
      latency_sum: 1440 * days * 139,
      latency_min: 80,
      latency_max: 199,
      sketch: scaled(days),
      phase_count: 1440 * days,
      phase_sums: JSON.stringify([1, 12, 25, 89, 12].map((v) => v * 1440 * days)),
    });
    const month = levelOf(MONTH);
    const today = now - (now % DAY);
    const t0 = performance.now();
    let batch: ResultRollupsTable[] = [];
    const flush = async () => {
      const rows = batch;
      batch = [];
      await store.repository.transaction((repo) => repo.upsertRollups(rows));
    };
    for (let id = 1; id <= FLEET; id++) {
      const days = new Map<number, number>();
      for (let d = 366; d >= 0; d--) {
        const start = today - d * DAY;
        batch.push(row(id, DAY, start, 1));
        days.set(month.floor(start), (days.get(month.floor(start)) ?? 0) + 1);
      }
      for (const [start, n] of days) batch.push(row(id, MONTH, start, n));
      if (batch.length >= 20_000) await flush();
    }
    for (let h = 0; h < 90 * 24; h++) batch.push({ ...row(1, HOUR, now - (now % HOUR) - h * HOUR, 1), up: 59, down: 1, latency_count: 60, phase_count: 60 });
    await flush();
    await core.storage.optimize();
    const loadS = (performance.now() - t0) / 1000;
    const from = now - 365 * DAY;
    const oneYear = await medianMs(21, () => store.summary(1, from, now));
    const overview = await medianMs(5, () => store.overview(from, now));
    // Main's read path for the same year: a row per day for every monitor (its summaries read those and the hours and minutes at the edges).
    const repo = store.repository;
    const mainOneYear = await medianMs(21, () => repo.rollups(DAY, from - (from % DAY) + DAY, today, 1));
    const mainOverview = await medianMs(5, () => repo.rollupTotals(DAY, from - (from % DAY) + DAY, today));
    const label = FLEET.toLocaleString('en-US');
    return {
      'fleet history: rollups written (rows/s)': Math.round((FLEET * 380) / loadS),
      'query: 365-day summary of one monitor (ms, median of 21)': oneYear,
      "query: main's read path for it, 365 day rows (ms)": mainOneYear,
      [`query: 365-day overview of all ${label} monitors (ms, median of 5)`]: overview,
      [`query: main's read path for it, 365 day rows each (ms)`]: mainOverview,
      "query: overview, main's read path / this layout": Number((mainOverview / overview).toFixed(1)),
    };
  } finally {
    await core.close();
    cleanup();
  }
}

export async function run(): Promise<Figures> {
  return { ...(await simulatedMonth()), ...(await yearOfFleet()) };
}
