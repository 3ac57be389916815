import { ByteReader, ByteWriter } from './bytes.js';
import { MONTH, Totals, zeroCounts, type Counts, type Level } from './rollups.js';
import { LatencySketch } from './sketch.js';

/**
 * One stored row of rollups: a monitor's buckets of one level inside one bucket of the next (the
 * minutes of an hour, the hours of a day, the days of a month; a month alone), packed. The head holds
 * the monitor's running totals before the block — every check counted since its history began, so the
 * counts over any window are a difference of two running totals — and the buckets follow to the end,
 * so a new bucket is appended without reading the others.
 *
 * A bucket: its index in the block, a mask of what it holds, the counts, latency (one value alone when
 * it holds one check; else count, sum, min, spread and the sketch) and phase sums, all whole ms.
 */
const VERSION = 1;
const enum Has {
  Up = 1,
  Degraded = 2,
  Down = 4,
  Latency = 8,
  Single = 16,
  Phases = 32,
}

export interface Bucket {
  start: number;
  totals: Totals;
}

export interface RollupBlock {
  /** Running totals before the block's first bucket; null for rows written without them (seeded history). */
  running: Counts | null;
  buckets: Bucket[];
}

const indexIn = (level: Level, blockStart: number, start: number) => (level.ms === MONTH ? 0 : Math.round((start - blockStart) / level.ms));
const startAt = (level: Level, blockStart: number, index: number) => (level.ms === MONTH ? blockStart : blockStart + index * level.ms);
const whole = (n: number) => Math.max(0, Math.round(n));

/** Writes `buckets` (in order) as they follow a block's head or its last bucket. */
export function encodeBuckets(level: Level, blockStart: number, buckets: readonly Bucket[], w = new ByteWriter(64 * buckets.length)): Buffer {
  for (const { start, totals: t } of buckets) {
    const single = t.latencyCount === 1 && t.latencyMin === t.latencySum && t.latencyMax === t.latencySum && t.sketch.holdsOnly(t.latencySum);
    w.uint(indexIn(level, blockStart, start));
    w.uint(
      (t.up ? Has.Up : 0) |
        (t.degraded ? Has.Degraded : 0) |
        (t.down ? Has.Down : 0) |
        (t.latencyCount ? Has.Latency : 0) |
        (single ? Has.Single : 0) |
        (t.phaseCount ? Has.Phases : 0),
    );
    if (t.up) w.uint(t.up);
    if (t.degraded) w.uint(t.degraded);
    if (t.down) w.uint(t.down);
    if (single) w.uint(whole(t.latencySum));
    else if (t.latencyCount) {
      w.uint(t.latencyCount);
      w.uint(whole(t.latencySum));
      w.uint(whole(t.latencyMin!));
      w.uint(whole(t.latencyMax! - t.latencyMin!));
      t.sketch.encode(w);
    }
    if (t.phaseCount) {
      w.uint(t.phaseCount);
      for (const v of t.phaseSums) w.uint(whole(v));
    }
  }
  return w.finish();
}

export function encodeBlock(level: Level, blockStart: number, block: RollupBlock): Buffer {
  const w = new ByteWriter(16 + 64 * block.buckets.length);
  w.uint(VERSION);
  w.uint(block.running ? 1 : 0);
  if (block.running) for (const v of countsOf(block.running)) w.uint(whole(v));
  return encodeBuckets(level, blockStart, block.buckets, w);
}

const countsOf = (c: Counts) => [c.up, c.degraded, c.down, c.latencyCount, c.latencySum];

function readHead(r: ByteReader): Counts | null {
  if (r.uint() !== VERSION) throw new RangeError('unknown version of packed rollups');
  if (!(r.uint() & 1)) return null;
  return { up: r.uint(), degraded: r.uint(), down: r.uint(), latencyCount: r.uint(), latencySum: r.uint() };
}

/** Reads one bucket's counts; with `into` a Totals, its latency range, sketch and phases too. */
function readBucket(r: ByteReader, into: Counts | Totals): void {
  const has = r.uint();
  into.up = has & Has.Up ? r.uint() : 0;
  into.degraded = has & Has.Degraded ? r.uint() : 0;
  into.down = has & Has.Down ? r.uint() : 0;
  const full = into instanceof Totals;
  if (has & Has.Single) {
    const v = r.uint();
    into.latencyCount = 1;
    into.latencySum = v;
    if (full) {
      into.latencyMin = into.latencyMax = v;
      into.sketch = LatencySketch.of(v);
    }
  } else if (has & Has.Latency) {
    into.latencyCount = r.uint();
    into.latencySum = r.uint();
    const min = r.uint();
    const spread = r.uint();
    if (full) {
      into.latencyMin = min;
      into.latencyMax = min + spread;
      into.sketch = LatencySketch.decode(r);
    } else LatencySketch.skip(r);
  }
  if (has & Has.Phases) {
    const count = r.uint();
    const sums = [r.uint(), r.uint(), r.uint(), r.uint(), r.uint()];
    if (full) {
      into.phaseCount = count;
      into.phaseSums = sums;
    }
  }
}

export function decodeBlock(level: Level, blockStart: number, data: Uint8Array): RollupBlock {
  const r = new ByteReader(data);
  const running = readHead(r);
  const buckets: Bucket[] = [];
  while (!r.done) {
    const start = startAt(level, blockStart, r.uint());
    const totals = new Totals();
    readBucket(r, totals);
    buckets.push({ start, totals });
  }
  return { running, buckets };
}

/** Just the counts of each bucket (no sketches): what running totals and the overview read. */
export function decodeCounts(level: Level, blockStart: number, data: Uint8Array): { running: Counts | null; buckets: { start: number; counts: Counts }[] } {
  const r = new ByteReader(data);
  const running = readHead(r);
  const buckets: { start: number; counts: Counts }[] = [];
  while (!r.done) {
    const start = startAt(level, blockStart, r.uint());
    const counts = zeroCounts();
    readBucket(r, counts);
    buckets.push({ start, counts });
  }
  return { running, buckets };
}
