import type { Clock } from '../lib/clock.js';
import { LatencySketch } from './sketch.js';

/** Runs one monitor's check; resolves when the check and its bookkeeping are done. */
export type RunCheck = (monitorId: number, scheduledAt: number) => Promise<void>;

interface Entry {
  monitorId: number;
  dueAt: number;
  version: number;
  /** Asked for ("check now", a retry), not a slot of the cadence: never skipped, only postponed. */
  requested: boolean;
}

interface Slot {
  intervalMs: number;
  /** Checks of one host share a concurrency limit, so one slow site cannot hold every slot. */
  host: string;
  version: number;
  running: boolean;
  /** Waiting for room (the concurrency or its host's limit): a slot that falls meanwhile is skipped, not queued again. */
  waiting: boolean;
  /** A requested run arrived while a check was running: it starts when that check ends. */
  rerun: boolean;
}

export interface SchedulerOptions {
  /** Checks running at once, across all monitors. */
  concurrency: number;
  /** Checks running at once against one host. */
  perHost: number;
  clock: Clock;
  run: RunCheck;
  onLateness?: (ms: number) => void;
  /** A check whose bookkeeping threw (a bug): reported, never swallowed. */
  onError: (monitorId: number, err: unknown) => void;
  /** Overdue monitors are started at most this many a second (default 50), so a restart of a large fleet does not burst. */
  catchUpPerSecond?: number;
}

/** How far ahead of its slot a check may start, to share a timer with the checks due just before it. */
export const BATCH_MS = 20;

/** Where in its interval a monitor's slots fall: spread by the golden ratio, the same for a monitor at every start. */
export function phaseOf(monitorId: number, intervalMs: number): number {
  return Math.floor(((monitorId * 0.6180339887498949) % 1) * intervalMs);
}

/**
 * A monitor's first slot at or after `t`. Slots are `phase + k × interval` counted from the epoch, so
 * they fall at the same wall-clock times whenever the process starts.
 *
 * @example slotAtOrAfter(Date.now(), 42, 300_000) // the next of monitor 42's five-minute slots
 */
export function slotAtOrAfter(t: number, monitorId: number, intervalMs: number): number {
  const phase = phaseOf(monitorId, intervalMs);
  return phase + Math.ceil((t - phase) / intervalMs) * intervalMs;
}

/**
 * When each monitor runs. One timer over a min-heap of due times; each monitor runs in its slots,
 * fixed on the wall clock (see `slotAtOrAfter`), so neither check durations nor restarts move them;
 * a monitor that missed its latest slot (new, resumed, or down with the process) is caught up soon
 * after, at a bounded rate; a monitor whose check is still running (or still waiting for room) skips a slot instead of piling
 * up; concurrency is bounded globally and per host, and waiting checks are started round-robin
 * across hosts. Lateness (start − due) is measured for every start.
 */
export class Scheduler {
  private heap: Entry[] = [];
  private readonly slots = new Map<number, Slot>();
  private readonly waiting = new Map<string, Entry[]>();
  private readonly perHostRunning = new Map<string, number>();
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = true;
  private idle: (() => void)[] = [];
  /** The last time handed to a catch-up run. */
  private catchUpAt = -Infinity;
  readonly lateness = new LatencySketch();
  started = 0;
  skipped = 0;

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    this.stopped = false;
    this.arm();
  }

  /**
   * Adds or changes a monitor. It runs at its next slot; but when its latest slot passed without a
   * check since `lastRunAt` (a new monitor, or a slot that fell while the process was down), it is
   * caught up first, soon (a new TLS or domain monitor should not wait hours for its first result,
   * and a restart must not skip a five-minute monitor's turn).
   */
  upsert(monitorId: number, intervalMs: number, host: string, lastRunAt?: number): void {
    // A changed monitor keeps its slot object: a check running now ends on this very slot (its
    // `running` flag), so the monitor is never left marked as running for good.
    const slot = this.slots.get(monitorId) ?? { intervalMs, host, version: 0, running: false, waiting: false, rerun: false };
    Object.assign(slot, { intervalMs, host, version: slot.version + 1 });
    this.slots.set(monitorId, slot);
    const now = this.options.clock.now();
    const next = slotAtOrAfter(now, monitorId, intervalMs);
    const overdue = lastRunAt === undefined || lastRunAt < next - intervalMs;
    this.push({ monitorId, dueAt: overdue ? Math.min(next, this.catchUp(now)) : next, version: slot.version, requested: false });
  }

  /** Catch-up runs are spaced out: a restart of 100,000 overdue monitors starts them at a steady rate, not at once. */
  private catchUp(now: number): number {
    this.catchUpAt = Math.max(now, this.catchUpAt + 1_000 / (this.options.catchUpPerSecond ?? 50));
    return this.catchUpAt;
  }

  remove(monitorId: number): void {
    this.slots.delete(monitorId);
  }

  has(monitorId: number): boolean {
    return this.slots.has(monitorId);
  }

  /** Runs a monitor at `at` instead of its next slot (a quicker retry, or "check now"); its cadence resumes after. */
  runAt(monitorId: number, at: number): void {
    const slot = this.slots.get(monitorId);
    if (!slot) return;
    slot.version++;
    this.push({ monitorId, dueAt: at, version: slot.version, requested: true });
  }

  get size(): number {
    return this.slots.size;
  }

  get inFlight(): number {
    return this.running;
  }

  /** Stops starting checks and waits for the running ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.dueAt <= entry.dueAt) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
    if (entry.dueAt < this.timerAt) this.arm();
  }

  private pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let min = last.dueAt;
      if (l < heap.length && heap[l]!.dueAt < min) [m, min] = [l, heap[l]!.dueAt];
      if (r < heap.length && heap[r]!.dueAt < min) m = r;
      if (m === i) break;
      heap[i] = heap[m]!;
      i = m;
    }
    heap[i] = last;
    return top;
  }

  private arm(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const next = this.heap[0];
    this.timerAt = next ? next.dueAt : Infinity;
    if (!next) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next.dueAt - this.options.clock.now()));
  }

  private tick(): void {
    const now = this.options.clock.now();
    // Slots due within the next few milliseconds start now, with this one: a timer per slot woke the process
    // for nearly every check (three nodes at 200 checks/s each: 0.58–0.64 ms of CPU per check, 0.47 with batches).
    const until = now + BATCH_MS;
    while (this.heap.length && this.heap[0]!.dueAt <= until) {
      const entry = this.pop()!;
      const slot = this.slots.get(entry.monitorId);
      if (!slot || slot.version !== entry.version) continue;
      const { monitorId, dueAt, requested } = entry;
      // The next slot is booked now, on the wall-clock grid, so the cadence never drifts (a catch-up
      // or a retry returns to the grid); a process that fell behind by whole intervals skips them
      // instead of bursting. The entry itself is booked again: one that lived an interval in the heap
      // is in V8's old generation, and a new one per run would leave a hole there every interval.
      entry.dueAt = slotAtOrAfter(Math.max(now, dueAt) + 1, monitorId, slot.intervalMs);
      entry.requested = false;
      this.push(entry);
      if (slot.running || slot.waiting) {
        if (requested && slot.running) slot.rerun = true;
        else if (!requested) this.skipped++;
        continue;
      }
      this.enqueue({ monitorId, dueAt, version: slot.version, requested }, slot);
    }
    this.drain();
    this.arm();
  }

  private enqueue(entry: Entry, slot: Slot): void {
    slot.waiting = true;
    let queue = this.waiting.get(slot.host);
    if (!queue) this.waiting.set(slot.host, (queue = []));
    queue.push(entry);
  }

  /** Starts waiting checks while there is room, taking one per host in turn. */
  private drain(): void {
    while (this.running < this.options.concurrency && this.waiting.size && !this.stopped) {
      let startedAny = false;
      for (const [host, queue] of this.waiting) {
        if (this.running >= this.options.concurrency) break;
        if ((this.perHostRunning.get(host) ?? 0) >= this.options.perHost) continue;
        const entry = queue.shift()!;
        if (queue.length === 0) this.waiting.delete(host);
        const slot = this.slots.get(entry.monitorId);
        if (!slot) continue;
        slot.waiting = false;
        if (slot.running) continue;
        this.begin(entry, slot);
        startedAny = true;
      }
      if (!startedAny) break;
    }
  }

  private begin(entry: Entry, slot: Slot): void {
    const host = slot.host;
    const late = Math.max(0, this.options.clock.now() - entry.dueAt);
    this.lateness.add(late);
    this.options.onLateness?.(late);
    this.started++;
    slot.running = true;
    this.running++;
    this.perHostRunning.set(slot.host, (this.perHostRunning.get(slot.host) ?? 0) + 1);
    void this.options
      .run(entry.monitorId, entry.dueAt)
      .catch((err: unknown) => this.options.onError(entry.monitorId, err))
      .finally(() => {
        slot.running = false;
        this.running--;
        const n = (this.perHostRunning.get(host) ?? 1) - 1;
        if (n) this.perHostRunning.set(host, n);
        else this.perHostRunning.delete(host);
        if (slot.rerun) {
          slot.rerun = false;
          if (this.slots.get(entry.monitorId) === slot) this.runAt(entry.monitorId, this.options.clock.now());
        }
        if (this.running === 0 && this.stopped) for (const resolve of this.idle.splice(0)) resolve();
        this.drain();
      });
  }
}
