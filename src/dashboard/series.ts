import { decompose } from '../monitoring/planner.js';
import { DAY, HOUR, LEVELS, MINUTE, Totals } from '../monitoring/rollups.js';
import { outcomeCode } from '../monitoring/result.js';
import type { ResultStore } from '../monitoring/results.service.js';
import { toIso } from '../lib/clock.js';

/** One bucket of a monitor's history, as charts draw it. */
export interface SeriesBucket {
  at: string;
  checks: number;
  up: number;
  degraded: number;
  down: number;
  /** Share of checks up or degraded, in percent; null without checks. */
  uptime: number | null;
  latency: { avg: number | null; p95: number | null };
  /** Average phase timings in ms (HTTP checks), null without any. */
  phases: { dns: number; connect: number; tls: number; ttfb: number; transfer: number } | null;
}

/**
 * The bucket size for a window: about 100–400 points whatever the window, each a whole number of
 * one rollup size, so every stored rollup falls into exactly one bucket.
 */
export function bucketFor(windowMs: number): number {
  if (windowMs <= 3_600_000) return MINUTE;
  if (windowMs <= DAY) return 10 * MINUTE;
  if (windowMs <= 7 * DAY) return HOUR;
  if (windowMs <= 31 * DAY) return 6 * HOUR;
  return DAY;
}

/**
 * A monitor's uptime, latency and phases per bucket over [from, to), read like `ResultStore.summary`
 * (whole rollups where they exist, raw results at the edges) but only from rollup sizes that divide
 * the bucket: an hour rollup cannot be split over 10-minute buckets.
 */
export async function monitorSeries(store: ResultStore, monitorId: number, from: number, to: number, bucketMs: number): Promise<SeriesBucket[]> {
  const first = from - (from % bucketMs);
  const count = Math.ceil((to - first) / bucketMs);
  const totals = Array.from({ length: count }, () => new Totals());
  const at = (t: number) => totals[Math.floor((t - first) / bucketMs)];
  const usable = LEVELS.filter((l) => bucketMs % l.ms === 0);
  const repo = store.repository;
  for (const seg of decompose(from, to, store.coverage(), usable)) {
    if (seg.bucketMs === 0) for (const row of await repo.monitorResultsBetween(monitorId, seg.from, seg.to)) at(row.at)?.addResult(row);
    else for (const row of await repo.rollups(seg.bucketMs, seg.from, seg.to, monitorId)) at(row.start)?.addRollup(row);
  }
  for (const r of store.pending) {
    if (r.monitorId !== monitorId || r.at < from || r.at >= to) continue;
    at(r.at)?.addResult({
      monitor_id: r.monitorId,
      at: r.at,
      status: outcomeCode[r.status],
      duration_ms: r.durationMs === undefined ? null : Math.round(r.durationMs),
      dns_ms: r.timings?.dns ?? null,
      connect_ms: r.timings?.connect ?? null,
      tls_ms: r.timings?.tls ?? null,
      ttfb_ms: r.timings?.ttfb ?? null,
      transfer_ms: r.timings?.transfer ?? null,
    });
  }
  return totals.map((t, i) => show(t, first + i * bucketMs));
}

function show(t: Totals, start: number): SeriesBucket {
  const avg = (i: number) => Math.round(t.phaseSums[i]! / t.phaseCount);
  return {
    at: toIso(start),
    checks: t.checks,
    up: t.up,
    degraded: t.degraded,
    down: t.down,
    uptime: t.checks ? (100 * (t.up + t.degraded)) / t.checks : null,
    latency: { avg: t.latencyCount ? Math.round(t.latencySum / t.latencyCount) : null, p95: t.sketch.quantile(0.95) ?? null },
    phases: t.phaseCount ? { dns: avg(0), connect: avg(1), tls: avg(2), ttfb: avg(3), transfer: avg(4) } : null,
  };
}
