import { LEVELS, RAW, type Level } from './rollups.js';

/** What a level holds: every bucket in [keptFrom, doneUntil) (older ones were thinned; newer ones are not rolled up yet). */
export interface Coverage {
  keptFrom: number;
  doneUntil: number;
}

/** Coverage by `bucket_ms`; 0 is raw results (kept from `keptFrom` on, `doneUntil` being how far they are packed). */
export type Coverages = ReadonlyMap<number, Coverage>;

export interface Segment {
  /** A rollup size, or 0 for raw results. */
  bucketMs: number;
  from: number;
  to: number;
}

const holds = (cover: Coverages, level: Level, from: number, to: number) => {
  const c = cover.get(level.ms);
  return c !== undefined && from >= c.keptFrom && to <= c.doneUntil;
};

/** The finest of `levels` whose bucket around `t` is kept and rolled up. */
export function finestAt(t: number, cover: Coverages, levels: readonly Level[] = LEVELS): Level | undefined {
  return levels.find((l) => holds(cover, l, l.floor(t), l.next(t)));
}

/**
 * Splits [from, to) into the fewest pieces that can be read exactly: whole months, days, hours and
 * minutes, each only where that level is kept and rolled up, and raw results at the edges. Where raw
 * results are gone and an edge falls inside a bucket of the finest level still kept, that bucket
 * counts when it starts inside the window (so a 365-day window's oldest partial hour is left out and
 * the hour holding its end is counted whole). A year costs about 12 months + 60 days + 46 hours + 118
 * minutes of buckets, in a few dozen stored blocks.
 */
export function decompose(from: number, to: number, cover: Coverages, levels: readonly Level[] = LEVELS): Segment[] {
  const coarseFirst = [...levels].reverse();
  const rawFrom = cover.get(RAW.ms)?.keptFrom ?? 0;
  const segments: Segment[] = [];
  const push = (bucketMs: number, start: number, end: number) => {
    const last = segments.at(-1);
    if (last && last.bucketMs === bucketMs && last.to === start) last.to = end;
    else segments.push({ bucketMs, from: start, to: end });
  };
  let t = from;
  while (t < to) {
    const whole = coarseFirst.find((l) => l.floor(t) === t && l.next(t) <= to && holds(cover, l, t, l.next(t)));
    if (whole) {
      push(whole.ms, t, whole.next(t));
      t = whole.next(t);
      continue;
    }
    if (t >= rawFrom) {
      // Raw results up to the next boundary where some level can take over (or to the end).
      const takeover = levels.map((l) => l.next(t)).filter((b, i) => b < to && holds(cover, levels[i]!, b, levels[i]!.next(b)));
      const end = Math.min(to, ...takeover);
      push(RAW.ms, t, end);
      t = end;
      continue;
    }
    const fine = finestAt(t, cover, levels);
    if (!fine) {
      // Nothing is kept here at all: skip to where raw results or some level begin.
      const starts = [rawFrom, ...levels.map((l) => cover.get(l.ms)?.keptFrom ?? Infinity)].filter((s) => s > t);
      t = Math.min(to, ...starts);
      continue;
    }
    const start = fine.floor(t);
    if (start === t) push(fine.ms, t, Math.min(fine.next(t), to));
    t = fine.next(t);
  }
  return segments;
}
