import { covers, type MaintenanceCalendar, type Occurrence } from '../incidents/maintenance.js';
import { wallClock, zonedToUtc } from '../lib/time.js';
import type { ResultStore } from '../monitoring/results.service.js';
import type { Monitor } from '../sites/sites.service.js';
import type { ObjectiveSpec } from '../sites/objective.schema.js';

/** Checks that count for availability: good ones (up or degraded) among all. */
export interface Counts {
  good: number;
  total: number;
}

/** What an objective measures: its monitors, with their site (maintenance windows match on both). */
export interface Measured {
  siteName: string;
  siteTags: readonly string[];
  monitors: readonly Monitor[];
}

/** [from, to) of an objective's period at `now`: the rolling window, or the calendar month so far in its time zone. */
export function periodOf(spec: ObjectiveSpec, now: number): { from: number; to: number } {
  if (spec.period === 'rolling') return { from: now - spec.window, to: now };
  const wall = new Date(wallClock(now, spec.timezone));
  return { from: zonedToUtc(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), 1), spec.timezone), to: now };
}

/** [from, to) without the excluded stretches, as the pieces that are left. */
export function without(from: number, to: number, excluded: readonly Occurrence[]): [number, number][] {
  const pieces: [number, number][] = [];
  let start = from;
  for (const o of [...excluded].sort((a, b) => a.start - b.start)) {
    if (o.end <= start || o.start >= to) continue;
    if (o.start > start) pieces.push([start, o.start]);
    start = Math.max(start, o.end);
  }
  if (start < to) pieces.push([start, to]);
  return pieces;
}

/**
 * Reads what objectives need from the result store's public queries (rollups where they exist, raw
 * rows at the edges), leaving out each monitor's maintenance windows when asked. One measurer serves
 * one evaluation: the counts of every monitor in `scope` over a stretch of time are read once (one
 * overview query) and shared by every objective that asks for that stretch.
 */
export class Measurer {
  private readonly totals = new Map<string, Promise<Map<number, Counts>>>();

  constructor(
    readonly store: ResultStore,
    private readonly calendar: MaintenanceCalendar | undefined,
    private readonly scope: readonly number[],
  ) {}

  /** The stretches of [from, to) a monitor's checks count in. */
  private pieces(target: Measured, monitor: Monitor, from: number, to: number, excludeMaintenance: boolean): [number, number][] {
    if (!excludeMaintenance || !this.calendar) return [[from, to]];
    const covered = { site: target.siteName, key: `${target.siteName}/${monitor.spec.name}`, tags: [...monitor.spec.tags, ...target.siteTags] };
    const windows = this.calendar.upcoming(from, to).filter((w) => covers(w.spec, covered));
    return without(
      from,
      to,
      windows.map((w) => w.occurrence),
    );
  }

  /** Counts of every monitor in scope over [from, to), read once. */
  private countsBetween(from: number, to: number): Promise<Map<number, Counts>> {
    const key = `${from}:${to}`;
    let found = this.totals.get(key);
    if (!found) {
      // The overview gives the share of good checks as a percentage of an integer count; rounding
      // gives back the exact number of good checks.
      found = this.store
        .overview(from, to, this.scope)
        .then((all) => new Map([...all].map(([id, o]) => [id, { good: Math.round(((o.uptime ?? 0) * o.checks) / 100), total: o.checks }])));
      this.totals.set(key, found);
    }
    return found;
  }

  async counts(target: Measured, from: number, to: number, excludeMaintenance: boolean): Promise<Counts> {
    const counts = { good: 0, total: 0 };
    for (const monitor of target.monitors)
      for (const [a, b] of this.pieces(target, monitor, from, to, excludeMaintenance)) {
        const c = (await this.countsBetween(a, b)).get(monitor.id);
        counts.good += c?.good ?? 0;
        counts.total += c?.total ?? 0;
      }
    return counts;
  }

  /**
   * The worst percentile among the monitors (each must meet a latency goal), and among the stretches
   * between maintenance windows when they are left out; null without checks.
   */
  async percentile(target: Measured, p: 50 | 95 | 99, from: number, to: number, excludeMaintenance: boolean): Promise<number | null> {
    let worst: number | null = null;
    for (const monitor of target.monitors)
      for (const [a, b] of this.pieces(target, monitor, from, to, excludeMaintenance)) {
        const value = (await this.store.summary(monitor.id, a, b)).latency[`p${p}`];
        if (value !== null && (worst === null || value > worst)) worst = value;
      }
    return worst;
  }
}
