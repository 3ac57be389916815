import type { CheckResultsTable, ResultRollupsTable } from '../db/types.js';
import { LatencySketch } from './sketch.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** The key of the month level (its average length); its buckets are calendar months in UTC. */
export const MONTH = 2_629_746_000;

/** A rollup size: where its buckets start and end, and which coarser bucket holds one stored block of them. */
export interface Level {
  /** The key stored as `bucket_ms`: the bucket length in ms (MONTH for a month). */
  ms: number;
  /** The start of the bucket holding `t`. */
  floor(t: number): number;
  /** The start of the bucket after the one holding `t`. */
  next(t: number): number;
  /** The level whose bucket is one stored block of this level's buckets (a month is its own block). */
  readonly block: Level;
}

function fixed(ms: number, block?: () => Level): Level {
  const level: Level = {
    ms,
    floor: (t) => t - (((t % ms) + ms) % ms),
    next: (t) => level.floor(t) + ms,
    get block() {
      return block ? block() : level;
    },
  };
  return level;
}

const monthLevel: Level = {
  ms: MONTH,
  floor(t) {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  },
  next(t) {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  },
  get block() {
    return monthLevel;
  },
};
const dayLevel = fixed(DAY, () => monthLevel);
const hourLevel = fixed(HOUR, () => dayLevel);
const minuteLevel = fixed(MINUTE, () => hourLevel);
/** Raw results, stored in blocks of an hour per monitor like a level of their own (bucket_ms 0). */
export const RAW: Level = {
  ms: 0,
  floor: (t) => t,
  next: (t) => t + 1,
  get block() {
    return hourLevel;
  },
};

/** Rollup levels, finest first: each is built from the one before it (minutes from raw results). */
export const LEVELS: readonly Level[] = [minuteLevel, hourLevel, dayLevel, monthLevel];

export function levelOf(ms: number): Level {
  const level = ms === 0 ? RAW : LEVELS.find((l) => l.ms === ms);
  if (!level) throw new RangeError(`no rollup level of ${ms} ms`);
  return level;
}

export type RawRow = Pick<CheckResultsTable, 'monitor_id' | 'at' | 'status' | 'duration_ms' | 'dns_ms' | 'connect_ms' | 'tls_ms' | 'ttfb_ms' | 'transfer_ms'>;
export const PHASES = ['dns_ms', 'connect_ms', 'tls_ms', 'ttfb_ms', 'transfer_ms'] as const;

/** The additive part of totals: what running totals and the overview of every monitor need. */
export interface Counts {
  up: number;
  degraded: number;
  down: number;
  latencyCount: number;
  latencySum: number;
}

export const zeroCounts = (): Counts => ({ up: 0, degraded: 0, down: 0, latencyCount: 0, latencySum: 0 });

export function addCounts(into: Counts, c: Counts, sign = 1): void {
  into.up += sign * c.up;
  into.degraded += sign * c.degraded;
  into.down += sign * c.down;
  into.latencyCount += sign * c.latencyCount;
  into.latencySum += sign * c.latencySum;
}

/** Counts by state, latency (sketch, sum, min, max) and phase sums over any number of results or rollups. */
export class Totals implements Counts {
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
    if (row.duration_ms !== null) {
      this.addLatency(row.duration_ms, row.duration_ms, row.duration_ms, 1);
      this.sketch.add(row.duration_ms);
    }
    if (row.ttfb_ms !== null) {
      this.phaseCount++;
      PHASES.forEach((p, i) => (this.phaseSums[i]! += row[p] ?? 0));
    }
  }

  add(t: Totals): void {
    this.up += t.up;
    this.degraded += t.degraded;
    this.down += t.down;
    if (t.latencyCount > 0) this.addLatency(t.latencySum, t.latencyMin!, t.latencyMax!, t.latencyCount);
    this.sketch.merge(t.sketch);
    this.phaseCount += t.phaseCount;
    t.phaseSums.forEach((v, i) => (this.phaseSums[i]! += v));
  }

  /** A rollup as seeders and tests write it (see ResultsRepository.upsertRollups). */
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

  private addLatency(sum: number, min: number, max: number, count: number): void {
    this.latencyCount += count;
    this.latencySum += sum;
    this.latencyMin = this.latencyMin === null ? min : Math.min(this.latencyMin, min);
    this.latencyMax = this.latencyMax === null ? max : Math.max(this.latencyMax, max);
  }
}

/** Groups items into Totals by monitor and bucket start. */
function group<T>(
  items: readonly T[],
  level: Level,
  key: (item: T) => [monitorId: number, at: number],
  add: (totals: Totals, item: T) => void,
): { monitorId: number; start: number; totals: Totals }[] {
  const byKey = new Map<string, { monitorId: number; start: number; totals: Totals }>();
  for (const item of items) {
    const [monitorId, at] = key(item);
    const start = level.floor(at);
    const k = `${monitorId}:${start}`;
    let entry = byKey.get(k);
    if (!entry) byKey.set(k, (entry = { monitorId, start, totals: new Totals() }));
    add(entry.totals, item);
  }
  return [...byKey.values()];
}

/** Raw results rolled up into buckets of one level, in order of monitor and time. */
export const bucketResults = (rows: readonly RawRow[], level: Level) =>
  group(
    rows,
    level,
    (r) => [r.monitor_id, r.at],
    (t, r) => t.addResult(r),
  ).sort((a, b) => a.monitorId - b.monitorId || a.start - b.start);

/** Raw results rolled up as seeders write them (one row per monitor and bucket). */
export const rollUpResults = (rows: readonly RawRow[], bucketMs: number): ResultRollupsTable[] =>
  bucketResults(rows, levelOf(bucketMs)).map((e) => e.totals.toRow(e.monitorId, bucketMs, e.start));
