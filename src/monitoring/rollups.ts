import type { CheckResultsTable, ResultRollupsTable } from '../db/types.js';
import { LatencySketch } from './sketch.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Rollup sizes, finest first: each is built from the one before it. */
export const LEVELS = [MINUTE, HOUR, DAY] as const;

export type RawRow = Pick<CheckResultsTable, 'monitor_id' | 'at' | 'status' | 'duration_ms' | 'dns_ms' | 'connect_ms' | 'tls_ms' | 'ttfb_ms' | 'transfer_ms'>;
const PHASES = ['dns_ms', 'connect_ms', 'tls_ms', 'ttfb_ms', 'transfer_ms'] as const;

/** Counts by state, latency (sketch, sum, min, max) and phase sums over any number of results or rollups. */
export class Totals {
  up = 0;
  degraded = 0;
  down = 0;
  latencyCount = 0;
  latencySum = 0;
  latencyMin: number | null = null;
  latencyMax: number | null = null;
  sketch = new LatencySketch();
  phaseCount = 0;
  phaseSums = [0, 0, 0, 0, 0];

  get checks(): number {
    return this.up + this.degraded + this.down;
  }

  addResult(row: RawRow): void {
    if (row.status === 0) this.up++;
    else if (row.status === 1) this.degraded++;
    else this.down++;
    if (row.duration_ms !== null) this.addLatency(row.duration_ms, row.duration_ms, row.duration_ms, 1, row.duration_ms);
    if (row.ttfb_ms !== null) {
      this.phaseCount++;
      PHASES.forEach((p, i) => (this.phaseSums[i]! += row[p] ?? 0));
    }
  }

  addRollup(row: ResultRollupsTable): void {
    this.up += row.up;
    this.degraded += row.degraded;
    this.down += row.down;
    if (row.latency_count > 0) this.addLatency(row.latency_sum, row.latency_min!, row.latency_max!, row.latency_count);
    this.sketch.merge(LatencySketch.parse(row.sketch));
    this.phaseCount += row.phase_count;
    (JSON.parse(row.phase_sums) as number[]).forEach((v, i) => (this.phaseSums[i]! += v));
  }

  toRow(monitorId: number, bucketMs: number, start: number): ResultRollupsTable {
    return {
      monitor_id: monitorId,
      bucket_ms: bucketMs,
      start,
      up: this.up,
      degraded: this.degraded,
      down: this.down,
      latency_count: this.latencyCount,
      latency_sum: this.latencySum,
      latency_min: this.latencyMin,
      latency_max: this.latencyMax,
      sketch: this.sketch.toString(),
      phase_count: this.phaseCount,
      phase_sums: JSON.stringify(this.phaseSums),
    };
  }

  private addLatency(sum: number, min: number, max: number, count: number, single?: number): void {
    this.latencyCount += count;
    this.latencySum += sum;
    this.latencyMin = this.latencyMin === null ? min : Math.min(this.latencyMin, min);
    this.latencyMax = this.latencyMax === null ? max : Math.max(this.latencyMax, max);
    if (single !== undefined) this.sketch.add(single);
  }
}

/** Groups items into Totals by monitor and bucket start. */
function group<T>(
  items: readonly T[],
  bucketMs: number,
  key: (item: T) => [monitorId: number, at: number],
  add: (totals: Totals, item: T) => void,
): ResultRollupsTable[] {
  const byKey = new Map<string, { monitorId: number; start: number; totals: Totals }>();
  for (const item of items) {
    const [monitorId, at] = key(item);
    const start = at - (at % bucketMs);
    const k = `${monitorId}:${start}`;
    let entry = byKey.get(k);
    if (!entry) byKey.set(k, (entry = { monitorId, start, totals: new Totals() }));
    add(entry.totals, item);
  }
  return [...byKey.values()].map((e) => e.totals.toRow(e.monitorId, bucketMs, e.start));
}

export const rollUpResults = (rows: readonly RawRow[], bucketMs: number) =>
  group(
    rows,
    bucketMs,
    (r) => [r.monitor_id, r.at],
    (t, r) => t.addResult(r),
  );

export const rollUpRollups = (rows: readonly ResultRollupsTable[], bucketMs: number) =>
  group(
    rows,
    bucketMs,
    (r) => [r.monitor_id, r.start],
    (t, r) => t.addRollup(r),
  );

export interface Segment {
  /** A rollup size, or 0 for raw results. */
  bucketMs: number;
  from: number;
  to: number;
}

/**
 * Splits [from, to) into the fewest pieces that can be read from rollups: whole days, then whole
 * hours, then whole minutes, each only where that level is rolled up; the rest is read raw.
 * A year costs about 365 + 48 + 120 rows per monitor.
 */
export function decompose(from: number, to: number, doneUntil: ReadonlyMap<number, number>): Segment[] {
  const segments: Segment[] = [];
  const push = (bucketMs: number, start: number, end: number) => {
    const last = segments.at(-1);
    if (last && last.bucketMs === bucketMs && last.to === start) last.to = end;
    else segments.push({ bucketMs, from: start, to: end });
  };
  let t = from;
  while (t < to) {
    const size = [...LEVELS].reverse().find((s) => t % s === 0 && t + s <= to && t + s <= (doneUntil.get(s) ?? 0));
    if (size) {
      push(size, t, t + size);
      t += size;
      continue;
    }
    // Not on a rolled-up boundary: read raw up to the next minute boundary (or to the end past the watermark).
    const nextMinute = t - (t % MINUTE) + MINUTE;
    const end = nextMinute <= (doneUntil.get(MINUTE) ?? 0) ? Math.min(nextMinute, to) : to;
    push(0, t, end);
    t = end;
  }
  return segments;
}
