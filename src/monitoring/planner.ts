import { DAY, LEVELS, levelOf, MINUTE, MONTH, type Level } from './rollups.js';

/** What is stored at a moment: how far back each level and the raw results reach, and how far the rollups are done. */
export interface Coverage {
  /** Per level (`bucket_ms`): buckets starting at or after this are kept (older ones were thinned). */
  keptFrom: ReadonlyMap<number, number>;
  /** Raw results are kept from here on. */
  rawFrom: number;
  /** Minutes hold the results before this time; the minute holding it holds nothing yet. */
  doneUntil: number;
  /**
   * Hours, days and months hold the results before this time (≤ doneUntil: they are merged from the
   * minutes every few minutes, see ResultStore); the bucket of each holding it holds only what came before it.
   */
  coarseUntil: number;
}

/** Where a level's rows end: minutes are rolled up first, the coarser levels from them later. */
export const doneFor = (cover: Coverage, levelMs: number) => (levelMs === MINUTE ? cover.doneUntil : cover.coarseUntil);

export interface Segment {
  /** A rollup size, or 0 for raw results. */
  bucketMs: number;
  from: number;
  to: number;
}

/**
 * Splits [from, to) into the fewest pieces that can be read exactly: whole months, days, hours and
 * minutes, each only where that level is kept, and raw results at the edges and after the rollups.
 * Where raw results are gone and an edge falls inside a bucket of the finest level still kept, the
 * bucket counts when it starts inside the window (a 365-day window leaves out its oldest partial
 * day and counts the one holding its end whole), so adjacent windows still add up.
 *
 * @example decompose(now - 365 * DAY, now, coverage) // ~15 days, 11 months, this month so far, the last minute raw
 */
export function decompose(from: number, to: number, cover: Coverage, levels: readonly Level[] = LEVELS): Segment[] {
  const coarseFirst = [...levels].reverse();
  const kept = (l: Level, start: number) => start >= (cover.keptFrom.get(l.ms) ?? Infinity) && start < doneFor(cover, l.ms);
  const segments: Segment[] = [];
  const push = (bucketMs: number, start: number, end: number) => {
    const last = segments.at(-1);
    if (last && last.bucketMs === bucketMs && last.to === start) last.to = end;
    else segments.push({ bucketMs, from: start, to: end });
  };
  let t = from;
  while (t < to) {
    const rawHere = t >= cover.rawFrom;
    const end = (l: Level) => Math.min(l.next(t), doneFor(cover, l.ms));
    const whole = coarseFirst.find((l) => l.floor(t) === t && kept(l, t) && end(l) <= to);
    const fine = levels.find((l) => kept(l, l.floor(t)));
    if (whole) {
      push(whole.ms, t, end(whole));
      t = end(whole);
    } else if (rawHere) {
      // Raw results up to the next boundary where a level takes over (or to the end).
      const takeover = levels.map((l) => l.next(t)).filter((b, i) => kept(levels[i]!, b));
      const stop = Math.min(to, ...takeover);
      push(0, t, stop);
      t = stop;
    } else if (fine?.floor(t) === t) {
      // Raw results are gone and the finest bucket kept starts inside the window and ends past it: it counts whole.
      push(fine.ms, t, end(fine));
      t = end(fine);
    } else {
      // Raw results are gone and `t` is inside a bucket that started before the window: skip that bucket.
      t = fine ? fine.next(t) : Math.min(to, cover.rawFrom, ...levels.map((l) => cover.keptFrom.get(l.ms) ?? Infinity).filter((s) => s > t));
    }
  }
  return segments;
}

/**
 * Segments whose counts and sums are the same as those of `segments`, read from fewer rows: a run of
 * whole days that ends where its month ends (the old edge of a long window: up to 30 days for each
 * monitor) is read as that month less the days before the run, when those are fewer. Exact because
 * days and months hold everything up to the same time (coarseUntil), so a month's counts and sums are its days'.
 * For totals only (counts, sums), never for extremes or percentiles.
 *
 * @example viaMonths(decompose(now - 365 * DAY, now, cover), cover) // { add: [months…], subtract: [a few days] }
 */
export function viaMonths(segments: readonly Segment[], cover: Coverage): { add: Segment[]; subtract: Segment[] } {
  const month = levelOf(MONTH);
  const kept = (ms: number, start: number) => start >= (cover.keptFrom.get(ms) ?? Infinity);
  const add: Segment[] = [];
  const subtract: Segment[] = [];
  for (const s of segments) {
    const start = month.floor(s.from);
    const whole = s.bucketMs === DAY && s.to === month.next(s.from) && s.to <= cover.coarseUntil && kept(MONTH, start) && kept(DAY, start);
    const part = whole && s.from - start < s.to - s.from ? { bucketMs: MONTH, from: start, to: s.to } : s;
    if (part !== s) subtract.push({ bucketMs: DAY, from: start, to: s.from });
    const last = add.at(-1);
    if (last && last.bucketMs === part.bucketMs && last.to === part.from) last.to = part.to;
    else add.push({ ...part });
  }
  return { add, subtract };
}
