import type { CheckResultsTable, ResultRollupsTable } from '../db/types.js';
import { LatencySketch } from './sketch.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** The key of the month level (the average Gregorian month); its buckets are calendar months in UTC. */
export const MONTH = 2_629_746_000;

/** A rollup size: where its buckets start and end. */
export interface Level {
  /** The key stored as `bucket_ms`: the bucket length in ms (MONTH for a month). */
  ms: number;
  /** The start of the bucket holding `t`. */
  floor(t: number): number;
  /** The start of the bucket after the one holding `t`. */
  next(t: number): number;
}

function fixed(ms: number): Level {
  const floor = (t: number) => t - (((t % ms) + ms) % ms);
  return { ms, floor, next: (t) => floor(t) + ms };
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
};

/** Rollup levels, finest first: minutes are made from raw results, and each result also goes into its hour, day and month. */
export const LEVELS: readonly Level[] = [fixed(MINUTE), fixed(HOUR), fixed(DAY), monthLevel];

/** The starts of a level's buckets from the one holding `from` up to `to` (exclusive). */
export function bucketStarts(level: Level, from: number, to: number): number[] {
  const starts: number[] = [];
  for (let start = level.floor(from); start < to; start = level.next(start)) starts.push(start);
  return starts;
}

export function levelOf(ms: number): Level {
  const level = LEVELS.find((l) => l.ms === ms);
  if (!level) throw new RangeError(`no rollup level of ${ms} ms`);
  return level;
}

export type RawRow = Pick<CheckResultsTable, 'monitor_id' | 'at' | 'status' | 'duration_ms' | 'dns_ms' | 'connect_ms' | 'tls_ms' | 'ttfb_ms' | 'transfer_ms'>;
export const PHASES = ['dns_ms', 'connect_ms', 'tls_ms', 'ttfb_ms', 'transfer_ms'] as const;

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
    if (row.duration_ms !== null) {
      this.addLatency(row.duration_ms, row.duration_ms, row.duration_ms, 1);
      this.sketch.add(row.duration_ms);
    }
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

  /** Back to no results, keeping the objects (see `MinuteBuckets`). */
  reset(): void {
    this.up = this.degraded = this.down = this.latencyCount = this.latencySum = this.phaseCount = 0;
    this.latencyMin = this.latencyMax = null;
    this.sketch.clear();
    this.phaseSums.fill(0);
  }

  private addLatency(sum: number, min: number, max: number, count: number): void {
    this.latencyCount += count;
    this.latencySum += sum;
    this.latencyMin = this.latencyMin === null ? min : Math.min(this.latencyMin, min);
    this.latencyMax = this.latencyMax === null ? max : Math.max(this.latencyMax, max);
  }
}

/** Items grouped into rollup rows of one level by monitor and bucket start; the items may come in several parts. */
class Buckets<T> {
  private readonly byKey = new Map<string, { monitorId: number; start: number; totals: Totals }>();

  constructor(
    private readonly level: Level,
    private readonly key: (item: T) => [monitorId: number, at: number],
    private readonly addTo: (totals: Totals, item: T) => void,
  ) {}

  add(items: Iterable<T>): this {
    for (const item of items) {
      const [monitorId, at] = this.key(item);
      const start = this.level.floor(at);
      const k = `${monitorId}:${start}`;
      let entry = this.byKey.get(k);
      if (!entry) this.byKey.set(k, (entry = { monitorId, start, totals: new Totals() }));
      this.addTo(entry.totals, item);
    }
    return this;
  }

  /** The rollup rows, each made as it is read: a caller writing them a part at a time never makes them all in one go. */
  *rows(): Generator<ResultRollupsTable> {
    for (const e of this.byKey.values()) yield e.totals.toRow(e.monitorId, this.level.ms, e.start);
  }
}

/** Raw results rolled up into buckets of `bucketMs`. */
export const rollUpResults = (rows: Iterable<RawRow>, bucketMs: number) => [
  ...new Buckets<RawRow>(
    levelOf(bucketMs),
    (r) => [r.monitor_id, r.at],
    (t, r) => t.addResult(r),
  )
    .add(rows)
    .rows(),
];

/**
 * The minute rollup's totals, one per monitor, kept from one minute to the next. A minute of a large fleet
 * is read in slices over a few seconds: new totals every minute (with their sketch and key; 100,000 sets a
 * minute at 100,000 monitors) lived long enough to reach V8's old generation and died there. Reset and
 * reused instead; a monitor without results for a whole minute is let go.
 */
export class MinuteBuckets {
  private readonly byMonitor = new Map<number, { totals: Totals; round: number }>();
  private round = 0;
  private start = 0;

  /** Starts the minute that begins at `start`, empty. */
  begin(start: number): this {
    this.round++;
    this.start = start;
    for (const [id, entry] of this.byMonitor) if (entry.round < this.round - 1) this.byMonitor.delete(id);
    return this;
  }

  /** Results of this minute, a part at a time. */
  add(rows: Iterable<RawRow>): void {
    for (const row of rows) {
      let entry = this.byMonitor.get(row.monitor_id);
      if (!entry) this.byMonitor.set(row.monitor_id, (entry = { totals: new Totals(), round: 0 }));
      if (entry.round !== this.round) {
        entry.round = this.round;
        entry.totals.reset();
      }
      entry.totals.addResult(row);
    }
  }

  /** The minute's rollup rows, each made as it is read. */
  *rows(): Generator<ResultRollupsTable> {
    for (const [id, entry] of this.byMonitor) if (entry.round === this.round) yield entry.totals.toRow(id, MINUTE, this.start);
  }
}

/** Rollups (of a finer level, or partial rows of this one) merged into buckets of `bucketMs`. */
export const rollUpRollups = (rows: Iterable<ResultRollupsTable>, bucketMs: number) => [
  ...new Buckets<ResultRollupsTable>(
    levelOf(bucketMs),
    (r) => [r.monitor_id, r.start],
    (t, r) => t.addRollup(r),
  )
    .add(rows)
    .rows(),
];
