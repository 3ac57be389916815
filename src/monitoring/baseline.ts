import { setImmediate } from 'node:timers/promises';
import type { ResultRollupsTable } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import type { ResultsRepository } from './results.repository.js';
import { bucketStarts, DAY, HOUR, levelOf, MINUTE, Totals } from './rollups.js';
import { LatencySketch } from './sketch.js';

/** A monitor's usual latency: the median of hourly p95s and their spread (MAD scaled to a standard deviation). */
export interface Baseline {
  median: number;
  spread: number;
  samples: number;
}

const MAD_SCALE = 1.4826;

export function robustBaseline(samples: readonly number[]): Baseline | undefined {
  if (samples.length < 6) return undefined;
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  };
  const m = median([...samples]);
  return { median: m, spread: MAD_SCALE * median(samples.map((x) => Math.abs(x - m))), samples: samples.length };
}

/**
 * Whether a recent p95 is "slower than usual": well above the usual by the spread (6σ robustly),
 * by half again and by 50 ms at least, so that quiet, fast sites do not alarm on noise. Once slow,
 * it stays slow until the p95 is back under a lower bar (hysteresis).
 */
export function isSlow(p95: number, b: Baseline, wasSlow: boolean): boolean {
  const bar = wasSlow ? Math.max(b.median + 3 * b.spread, 1.25 * b.median, b.median + 25) : Math.max(b.median + 6 * b.spread, 1.5 * b.median, b.median + 50);
  return p95 > bar;
}

export const describeSlow = (p95: number, b: Baseline) => `p95 ${Math.round(p95)} ms, usually ${Math.round(b.median)} ms`;

const WEEK = 7 * DAY;
const RECENT_WINDOW = 15 * MINUTE;
const MIN_RECENT_CHECKS = 5;

/** Monitors compared per step: one step reads a page's rollups, with a turn of the event loop between steps. */
const PAGE = 1_000;

/**
 * Keeps each monitor's baseline (hourly p95s at the same hour of the week over four weeks, or of
 * the last two days while there is less history) and compares the last 15 minutes' p95 with it.
 * Works a page of monitors at a time (their rollups only), so a fleet of 100,000 never reads
 * millions of rows in one statement on the main thread.
 */
export class BaselineJob {
  private baselines = new Map<number, Baseline>();
  private computedForHour = -1;

  constructor(
    private readonly repo: ResultsRepository,
    private readonly clock: Clock,
    /** The monitors to compare (those this node checks, heartbeats left out). */
    private readonly monitors: () => readonly number[],
    private readonly setSlow: (monitorId: number, slow: string | null) => void,
    private readonly isSlowNow: (monitorId: number) => boolean,
  ) {}

  /** Hourly p95 samples of `ids` (sorted) from the given ranges of hour rollups. */
  private async hourlyP95s(ranges: [number, number][], ids: readonly number[]): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    for (const [from, to] of ranges) {
      for (const row of await this.rollupsOf(HOUR, from, to, ids)) {
        const p95 = LatencySketch.parse(row.sketch).quantile(0.95);
        if (p95 === undefined) continue;
        const list = out.get(row.monitor_id) ?? [];
        list.push(p95);
        out.set(row.monitor_id, list);
      }
    }
    return out;
  }

  /** The rollups of `ids` (sorted) starting in [from, to): read in key order over their range of ids. */
  private async rollupsOf(bucketMs: number, from: number, to: number, ids: readonly number[]): Promise<ResultRollupsTable[]> {
    const wanted = new Set(ids);
    const rows = await this.repo.rollupsAt(bucketMs, bucketStarts(levelOf(bucketMs), from, to), ids[0]!, ids.at(-1)!);
    return rows.filter((row) => wanted.has(row.monitor_id));
  }

  private async baselinesOf(ids: readonly number[], hour: number): Promise<Map<number, Baseline>> {
    const weekly = await this.hourlyP95s(
      [1, 2, 3, 4].map((w) => [hour - w * WEEK - HOUR, hour - w * WEEK + 2 * HOUR]),
      ids,
    );
    const recent = await this.hourlyP95s([[hour - 2 * DAY, hour]], ids);
    const out = new Map<number, Baseline>();
    for (const id of ids) {
      const b = robustBaseline(weekly.get(id) ?? []) ?? robustBaseline(recent.get(id) ?? []);
      if (b) out.set(id, b);
    }
    return out;
  }

  /** Compares every monitor with a baseline against its last 15 minutes (baselines made anew each hour). */
  async run(): Promise<void> {
    const now = this.clock.now();
    const hour = now - (now % HOUR);
    const end = now - (now % MINUTE);
    const refresh = hour !== this.computedForHour;
    const baselines = refresh ? new Map<number, Baseline>() : this.baselines;
    const ids = [...this.monitors()].sort((a, b) => a - b);
    for (let i = 0; i < ids.length; i += PAGE) {
      if (i) await setImmediate();
      const page = ids.slice(i, i + PAGE);
      if (refresh) for (const [id, b] of await this.baselinesOf(page, hour)) baselines.set(id, b);
      const compared = page.filter((id) => baselines.has(id));
      if (!compared.length) continue;
      const recent = new Map<number, Totals>();
      for (const row of await this.rollupsOf(MINUTE, end - RECENT_WINDOW, end, compared)) {
        let totals = recent.get(row.monitor_id);
        if (!totals) recent.set(row.monitor_id, (totals = new Totals()));
        totals.addRollup(row);
      }
      for (const id of compared) {
        const totals = recent.get(id);
        const p95 = totals?.sketch.quantile(0.95);
        if (!totals || p95 === undefined || totals.latencyCount < MIN_RECENT_CHECKS) continue;
        const baseline = baselines.get(id)!;
        const slow = isSlow(p95, baseline, this.isSlowNow(id));
        this.setSlow(id, slow ? describeSlow(p95, baseline) : null);
      }
    }
    if (refresh) {
      this.baselines = baselines;
      this.computedForHour = hour;
    }
  }
}
