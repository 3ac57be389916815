import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { openCore, type Core } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import type { ResultRollupsTable } from '../src/db/types.js';
import { silentLogger } from '../src/lib/logger.js';
import { ResultStore } from '../src/monitoring/results.service.js';
import { DAY, HOUR, levelOf, MINUTE, MONTH, Totals } from '../src/monitoring/rollups.js';
import { tempDir } from '../test/support/databases.js';
import { addMonitors } from './engine-monitors.js';
import { medianMs } from './median.js';

const WINDOW_S = Number(process.env.UPKEEP_BENCH_ENGINE_SECONDS ?? 120);
const SIZES = (process.env.UPKEEP_BENCH_ENGINE_SIZES ?? '10000,50000,100000').split(',').map(Number);
const NODE_ARGS = (process.env.UPKEEP_BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean);

export const title = `Monitoring engine (the whole runtime) on SQLite: ${SIZES.map((s) => s.toLocaleString('en-US')).join(', ')} HTTP monitors at 60 s against 16 loopback hosts that count requests per second, measured over ${WINDOW_S} s after a warm-up`;

type Figures = Record<string, string | number>;

/** What bench/engine-fleet.ts prints. */
interface FleetRun {
  from: number;
  to: number;
  setupPerSecond: number;
  started: number;
  written: number;
  latenessP50: number;
  latenessP99: number;
  latenessMax: number;
  cpuPercent: number;
  checksPerCoreSecond: number;
  loopDelayP99: number;
  loopDelayMax: number;
  gcPauseTotalS: number;
  gcPauseMax: number;
  marks: { minute: number; rss: number; heap: number }[];
  rssSlopePer10Min: number;
  heapSlopePer10Min: number;
  databaseMiB: number;
}

type Target = { port: number; counts(from: number, to: number): Promise<number[]> };

/** Runs one fleet size in its own process; the target says how many checks reached it in each second of the window. */
async function scale(n: number, target: Target): Promise<Figures> {
  const child = spawn(
    process.execPath,
    [...NODE_ARGS, '--import', 'tsx', new URL('./engine-fleet.ts', import.meta.url).pathname, String(n), String(target.port)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`bench/engine-fleet.ts ${n} exited with ${code}`);
  const run = JSON.parse(out.trim().split('\n').at(-1)!) as FleetRun;
  // Whole seconds inside the window.
  const counts = await target.counts(Math.ceil(run.from / 1000), Math.floor(run.to / 1000));
  const seconds = counts.length;
  const done = counts.reduce((s, c) => s + c, 0);
  const expected = (n * seconds) / 60;
  const label = n.toLocaleString('en-US');
  const mib = (v: number) => Math.round(v);
  return {
    [`${label}: set-up (monitors/s)`]: run.setupPerSecond,
    [`${label}: checks done, target-side / expected`]: `${done} / ${Math.round(expected)} (${((100 * done) / expected).toFixed(2)} %)`,
    [`${label}: checks per second at the target, min / max (expected ${(n / 60).toFixed(1)})`]: `${Math.min(...counts)} / ${Math.max(...counts)}`,
    [`${label}: seconds without a check`]: counts.filter((c) => c === 0).length,
    [`${label}: checks started by the scheduler`]: run.started,
    [`${label}: lateness p50 / p99 / max (ms)`]: `${run.latenessP50} / ${run.latenessP99} / ${run.latenessMax}`,
    [`${label}: event-loop delay p99 / max (ms)`]: `${run.loopDelayP99} / ${run.loopDelayMax}`,
    [`${label}: GC pauses, total (s) / longest (ms)`]: `${run.gcPauseTotalS.toFixed(1)} / ${run.gcPauseMax}`,
    [`${label}: CPU (% of one core)`]: Number(run.cpuPercent.toFixed(1)),
    [`${label}: checks per core-second`]: Math.round(run.checksPerCoreSecond),
    [`${label}: RSS at the marks (MiB)`]: run.marks.map((m) => `${m.minute.toFixed(m.minute < 10 ? 1 : 0)} min ${mib(m.rss)}`).join(', '),
    [`${label}: V8 heap used at the marks (MiB)`]: run.marks.map((m) => mib(m.heap)).join(', '),
    [`${label}: RSS / heap slope (MiB per 10 min)`]: `${run.rssSlopePer10Min.toFixed(1)} / ${run.heapSlopePer10Min.toFixed(1)}`,
    [`${label}: results written/s`]: Number((run.written / ((run.to - run.from) / 1000)).toFixed(1)),
    [`${label}: database size at the end (MiB)`]: Number(run.databaseMiB.toFixed(1)),
  };
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
  const peer = spawn(process.execPath, ['--import', 'tsx', new URL('./engine-target.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  const { port } = JSON.parse((await lines.next()).value as string) as { port: number };
  const target: Target = {
    port,
    async counts(from, to) {
      peer.stdin.write(`${JSON.stringify({ from, to })}\n`);
      return (JSON.parse((await lines.next()).value as string) as { counts: number[] }).counts;
    },
  };
  const figures: Figures = {
    'load average at the start (1, 5, 15 min)': loadavg()
      .map((l) => l.toFixed(2))
      .join(', '),
  };
  try {
    for (const n of SIZES) Object.assign(figures, await scale(n, target));
    figures['load average at the end (1, 5, 15 min)'] = loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
    if (process.env.UPKEEP_BENCH_ENGINE_QUERIES !== '0') {
      const n = SIZES[0]!;
      const dir = tempDir('upkeep-bench-');
      const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger() });
      try {
        await addMonitors(core, n, port);
        Object.assign(figures, await queries(core, n));
      } finally {
        await core.close();
        dir.cleanup();
      }
    }
  } finally {
    peer.stdin.end();
  }
  return figures;
}
