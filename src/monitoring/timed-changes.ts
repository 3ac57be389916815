import { DueQueue } from '../lib/due-queue.js';
import type { Monitor } from '../sites/sites.service.js';

/** Maintenance windows as the engine needs them (provided by the incidents capability). */
export interface MaintenanceSource {
  /** Whether a window covers the monitor at `at`. */
  covers(monitor: Monitor, at: number): boolean;
  /** The first time after `at` when a window begins or ends: until then `covers` answers as it does at `at`. */
  nextChange(at: number): number;
}

const noWindows: MaintenanceSource = { covers: () => false, nextChange: () => Infinity };

/**
 * What changes a monitor's state with time alone, without a result: a heartbeat's deadline passing,
 * a maintenance window beginning or ending. Deadlines wait in a due-time heap, and the monitors are
 * matched against the windows only when one begins or ends (or the windows are edited), so the
 * engine's look every second costs a peek at the heap and a comparison when nothing is due,
 * whatever the size of the fleet.
 */
export class TimedChanges {
  private readonly deadlines = new DueQueue<number>();
  private readonly covered = new Set<number>();
  private windows = noWindows;
  /** When the windows are looked at next. */
  private lookAt = -Infinity;

  useWindows(source: MaintenanceSource): void {
    this.windows = source;
    this.windowsChanged();
  }

  /** The windows were edited: every monitor is matched again at the next look. */
  windowsChanged(): void {
    this.lookAt = -Infinity;
  }

  inMaintenance(monitorId: number): boolean {
    return this.covered.has(monitorId);
  }

  /** A heartbeat's next deadline (undefined: none to watch, as before its first ping or while paused). */
  expectPing(monitorId: number, due: number | undefined): void {
    if (due === undefined) this.deadlines.delete(monitorId);
    else this.deadlines.set(monitorId, due);
  }

  /** A heartbeat whose deadline passed by `now` (taken: it is not reported again until expected again), or undefined. */
  overdue(now: number): number | undefined {
    return this.deadlines.take(now);
  }

  /** Matches one monitor (new or changed) against the windows in force; returns whether it is covered. */
  place(monitor: Monitor, now: number): boolean {
    const covered = this.windows.covers(monitor, now);
    if (covered) this.covered.add(monitor.id);
    else this.covered.delete(monitor.id);
    return covered;
  }

  forget(monitorId: number): void {
    this.deadlines.delete(monitorId);
    this.covered.delete(monitorId);
  }

  /**
   * The monitors that entered or left maintenance: nothing (and no look at the monitors) before a
   * window begins or ends; at that moment every monitor is matched once.
   */
  windowChanges(now: number, monitors: () => Iterable<Monitor>): number[] {
    if (now < this.lookAt) return [];
    this.lookAt = this.windows.nextChange(now);
    const changed: number[] = [];
    for (const monitor of monitors()) if (this.covered.has(monitor.id) !== this.place(monitor, now)) changed.push(monitor.id);
    return changed;
  }
}
