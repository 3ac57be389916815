/**
 * One fleet size of bench/engine.bench.ts, in a process of its own so its memory and CPU figures are
 * its own: `node --import tsx bench/engine-fleet.ts <monitors> <target port>`. It runs the whole
 * runtime as `upkeep start` does (engine, incidents with a maintenance window, status pages,
 * metrics) on a fresh SQLite database, lets it settle for the warm-up, then measures one window:
 * CPU, scheduler lateness, event-loop delay, GC pauses, and memory at regular marks. Prints one JSON
 * line with the figures and the window's Unix seconds; the target counts what actually reached it.
 *
 * Environment: UPKEEP_BENCH_ENGINE_SECONDS (window, default 120), UPKEEP_BENCH_ENGINE_WARMUP (default
 * 90), UPKEEP_BENCH_ENGINE_MARKS (memory samples over the window, default 6),
 * UPKEEP_BENCH_ENGINE_HEAP_SNAPSHOTS (a folder: a heap snapshot at every mark, for diffing).
 * Profile with node's own flags through UPKEEP_BENCH_ENGINE_NODE_ARGS="--cpu-prof --cpu-prof-dir=…".
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openCore } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import { boundHeapGrowth } from '../src/lib/heap.js';
import { parseConfig } from '../src/config-file.js';
import { silentLogger } from '../src/lib/logger.js';
import { LatencySketch } from '../src/monitoring/sketch.js';
import { createRuntime } from '../src/runtime.js';
import { tempDir } from '../test/support/databases.js';
import { addMonitors, MAINTENANCE_TAG } from './engine-monitors.js';

const n = Number(process.argv[2]);
const port = Number(process.argv[3]);
const WINDOW_S = Number(process.env.UPKEEP_BENCH_ENGINE_SECONDS ?? 120);
const WARMUP_S = Number(process.env.UPKEEP_BENCH_ENGINE_WARMUP ?? 90);
const MARKS = Number(process.env.UPKEEP_BENCH_ENGINE_MARKS ?? 6);
const SNAPSHOTS = process.env.UPKEEP_BENCH_ENGINE_HEAP_SNAPSHOTS;
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lateness of the window alone: the scheduler's sketch at the end less its sketch at the start. */
function since(before: string, after: LatencySketch): LatencySketch {
  const seen = new Map(
    before
      .split(',')
      .filter(Boolean)
      .map((p) => p.split(':').map(Number) as [number, number]),
  );
  const rest = after
    .toString()
    .split(',')
    .filter(Boolean)
    .map((p) => p.split(':').map(Number) as [number, number])
    .map(([i, c]) => `${i}:${c - (seen.get(i) ?? 0)}`);
  return LatencySketch.parse(rest.join(','));
}

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx ? points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx : 0;
}

boundHeapGrowth();
const dir = tempDir('upkeep-bench-');
const core = await openCore({ dataDir: dir.path, env: readEnvironment({}, false), logger: silentLogger() });
const t0 = performance.now();
await addMonitors(core, n, port);
const setupS = (performance.now() - t0) / 1000;
const config = parseConfig(
  stringify({
    network: { allowPrivateTargets: true },
    // Two hours of every day on one site in a hundred: defined, so every second's bookkeeping sees it.
    maintenance: [{ name: 'Night work', tags: [MAINTENANCE_TAG], cron: '0 2 * * *', duration: '2h' }],
  }),
  'bench.yaml',
  {},
).config;
const runtime = await createRuntime(core, config);
await runtime.start();
await sleep(WARMUP_S * 1000);

const gcPauses: number[] = [];
const gc = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((e) => e.duration)));
gc.observe({ entryTypes: ['gc'] });
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const scheduler = runtime.engine.schedule;
const latenessBefore = scheduler.lateness.toString();
const startedBefore = scheduler.started;
const writtenBefore = runtime.engine.results.written;
const cpu = process.cpuUsage();
const from = Date.now();
const marks: { minute: number; rss: number; heap: number }[] = [];
const mark = (i: number) => {
  const m = process.memoryUsage();
  marks.push({ minute: (Date.now() - from) / 60_000, rss: m.rss / MiB, heap: m.heapUsed / MiB });
  if (SNAPSHOTS) writeHeapSnapshot(join(SNAPSHOTS, `engine-${n}-${i}.heapsnapshot`));
};
mark(0);
for (let i = 1; i <= MARKS; i++) {
  await sleep(from + (i * WINDOW_S * 1000) / MARKS - Date.now());
  mark(i);
}
const to = Date.now();
const used = process.cpuUsage(cpu);
loop.disable();
gc.disconnect();
const lateness = since(latenessBefore, scheduler.lateness);
const wall = (to - from) / 1000;
const checks = scheduler.started - startedBefore;
const cpuSeconds = (used.user + used.system) / 1e6;
const pct = (q: number) => Math.round(loop.percentile(q) / 1e6);
const sorted = gcPauses.sort((a, b) => a - b);
await runtime.stop();
await core.close();
const fileSize = (name: string) => (statSync(join(dir.path, name), { throwIfNoEntry: false })?.size ?? 0) / MiB;
const databaseMiB = fileSize('upkeep.db') + fileSize('upkeep.db-wal');
dir.cleanup();

process.stdout.write(
  `${JSON.stringify({
    from,
    to,
    setupPerSecond: Math.round(n / setupS),
    started: checks,
    written: runtime.engine.results.written - writtenBefore,
    latenessP50: lateness.quantile(0.5) ?? 0,
    latenessP99: lateness.quantile(0.99) ?? 0,
    latenessMax: lateness.quantile(1) ?? 0,
    cpuPercent: (100 * cpuSeconds) / wall,
    checksPerCoreSecond: checks / cpuSeconds,
    loopDelayP99: pct(99),
    loopDelayMax: Math.round(loop.max / 1e6),
    gcPauseTotalS: sorted.reduce((s, d) => s + d, 0) / 1000,
    gcPauseMax: Math.round(sorted.at(-1) ?? 0),
    marks,
    rssSlopePer10Min: 10 * slope(marks.map((m) => [m.minute, m.rss])),
    heapSlopePer10Min: 10 * slope(marks.map((m) => [m.minute, m.heap])),
    databaseMiB,
  })}\n`,
);
