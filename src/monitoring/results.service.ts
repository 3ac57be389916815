import { setImmediate } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database, MonitorStateTable, ResultRollupsTable } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { toRow, type RecordedResult } from './result.js';
import { ResultsRepository } from './results.repository.js';
import { ResultsWriter, type CommitListener, type EventHook, type StatesHook, type WriterHealth } from './results-writer.js';
import { decompose, viaMonths, type Coverage } from './planner.js';
import { bucketStarts, DAY, HOUR, LEVELS, MINUTE, MinuteBuckets, rollUpRollups, Totals, type Level } from './rollups.js';
import type { StateEvent } from './state-machine.js';

/** About how many results the minute rollup reads per statement (its slice of the minute follows the last minute's count). */
const SLICE_ROWS = 3_000;
/** How often the coarse levels (hours, days, months) take in the minutes rolled up since they last did (divides an hour). */
const COARSE_EVERY = 10 * MINUTE;
/** Monitor ids per step of the coarse merge. */
const PAGE = 1_000;

export interface Summary {
  checks: number;
  up: number;
  degraded: number;
  down: number;
  /** Share of checks that were up or degraded, in percent; null without checks. */
  uptime: number | null;
  latency: { avg: number | null; min: number | null; max: number | null; p50: number | null; p95: number | null; p99: number | null };
  /** Average phase timings in ms (HTTP checks). */
  phases: { dns: number; connect: number; tls: number; ttfb: number; transfer: number } | null;
}

export interface ResultStoreOptions {
  /** Results, states and events are written together at most this often. */
  flushEveryMs?: number;
  /** How long after a minute ends its results are rolled up (covers checks still running). */
  rollupGraceMs?: number;
  keepRawMs: number;
  /** How long minute rollups are kept (2 days); hours 90 days; days and months for good. */
  keepMinutesMs?: number;
  keepHoursMs?: number;
  /** Results (and, apart, events) kept while the database does not write; past it the oldest are dropped. */
  maxPending?: number;
}

function summarize(t: Totals): Summary {
  const q = (p: number) => t.sketch.quantile(p) ?? null;
  const avg = (i: number) => (t.phaseCount ? Math.round(t.phaseSums[i]! / t.phaseCount) : 0);
  return {
    checks: t.checks,
    up: t.up,
    degraded: t.degraded,
    down: t.down,
    uptime: t.checks ? (100 * (t.up + t.degraded)) / t.checks : null,
    latency: {
      avg: t.latencyCount ? Math.round(t.latencySum / t.latencyCount) : null,
      min: t.latencyMin,
      max: t.latencyMax,
      p50: q(0.5),
      p95: q(0.95),
      p99: q(0.99),
    },
    phases: t.phaseCount ? { dns: avg(0), connect: avg(1), tls: avg(2), ttfb: avg(3), transfer: avg(4) } : null,
  };
}

/**
 * Where results go: buffered and written in batches together with monitor state and events (one
 * transaction, with the event hooks); rolled up once a minute has passed into its minute, and every
 * ten minutes from those minutes into their hour, day and month (so hours, days and months hold
 * everything up to the same time, and a crash loses at most one batch); packed per monitor and hour
 * once the hour is over; thinned by age. Queries read the coarsest whole buckets that answer exactly,
 * the minutes since the coarse levels' mark, and raw results only at the edges.
 */
export class ResultStore {
  private readonly hooks: EventHook[] = [];
  private readonly statesHooks: StatesHook[] = [];
  private readonly listeners: CommitListener[] = [];
  private readonly repo: ResultsRepository;
  private readonly writer: ResultsWriter;
  private doneUntil = 0;
  private coarseUntil = 0;
  /** Results in the last minute rolled up: sizes the next minute's slices (unknown at first: a second at a time). */
  private perMinute = Infinity;
  private readonly minutes = new MinuteBuckets();
  private rolling: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly flushEveryMs: number;
  private readonly graceMs: number;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: ResultStoreOptions,
  ) {
    this.repo = new ResultsRepository(db);
    this.writer = new ResultsWriter(this.repo, clock, log, this.hooks, this.statesHooks, this.listeners, options.maxPending ?? 100_000);
    this.flushEveryMs = options.flushEveryMs ?? 1_000;
    this.graceMs = options.rollupGraceMs ?? 70_000;
  }

  /** Adds a hook that runs inside the transaction storing events (incidents, notification outbox). */
  onEventsStored(hook: EventHook): void {
    this.hooks.push(hook);
  }

  /** Adds a hook that runs inside the transaction storing monitors' states (cluster mode: telling the other nodes which). */
  onStatesStored(hook: StatesHook): void {
    this.statesHooks.push(hook);
  }

  /** Listens for what was committed (live updates, metrics). */
  onCommitted(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    // A new database rolls up from its first start on: nothing before it can exist.
    const now = this.clock.now();
    const marks = await this.repo.watermarks();
    const done = marks.get(MINUTE);
    this.doneUntil = done ?? now - (now % MINUTE);
    // Before the coarse levels had their own mark, every level held everything up to the minutes' mark.
    this.coarseUntil = marks.get(HOUR) ?? this.doneUntil;
    if (done === undefined) await this.repo.setWatermark(MINUTE, this.doneUntil);
    if (!marks.has(HOUR)) await this.repo.setWatermark(HOUR, this.coarseUntil);
    this.timer = setInterval(() => void this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  record(result: RecordedResult, state: MonitorStateTable | undefined, events: readonly StateEvent[]): void {
    this.writer.record(result, state, events);
  }

  /** State and events without a result (pause, maintenance, baseline, a missed heartbeat). */
  recordState(state: MonitorStateTable, events: readonly StateEvent[]): void {
    this.writer.recordState(state, events);
  }

  /** Writes everything buffered (see ResultsWriter); calls are serialized and never reject. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** What the writer has pending, failed and dropped, for /metrics. */
  health(): WriterHealth {
    return this.writer.health();
  }

  /** False while the database has refused several writes in a row (for /readyz). */
  get canWrite(): boolean {
    return this.writer.canWrite;
  }

  /** Results written since start, for the benchmark and /metrics. */
  get written(): number {
    return this.writer.written;
  }

  /**
   * Rolls up every minute that has ended (after a grace for running checks) into its minute row,
   * every ten minutes that have been rolled up into their hour, day and month rows, then packs the
   * hours that have ended.
   */
  rollUp(): Promise<void> {
    // Runs one at a time: each adds its minutes to the hour, day and month rows once.
    return this.oneAtATime(() => this.rollUpNow());
  }

  /**
   * Cluster mode, on a node that does not lead the rollups: moves what queries read from rollups up
   * to where the leader got (else they read more raw results than needed, though the same answer).
   */
  followRollups(): Promise<void> {
    return this.oneAtATime(() => this.readWatermark());
  }

  /** Queues `work` after the pass before it; a failed pass is its caller's to report and does not stop the next. */
  private oneAtATime(work: () => Promise<void>): Promise<void> {
    const run = this.rolling.then(work);
    this.rolling = run.catch(() => undefined);
    return run;
  }

  /** Another process (a cluster's previous leader) may have rolled up further than this one knows. */
  private async readWatermark(): Promise<void> {
    const marks = await this.repo.watermarks();
    this.doneUntil = Math.max(this.doneUntil, marks.get(MINUTE) ?? 0);
    this.coarseUntil = Math.max(this.coarseUntil, marks.get(HOUR) ?? 0);
  }

  private async rollUpNow(): Promise<void> {
    await this.readWatermark();
    const now = this.clock.now();
    const target = now - this.graceMs - ((now - this.graceMs) % MINUTE);
    while (this.doneUntil < target) {
      // A minute per transaction, read in slices of about SLICE_ROWS results with a turn of the event loop between:
      // at 100,000 monitors about 2 s of results per statement, for a small fleet the whole minute in one. A pass
      // that is behind (after a stall or a restart) never reads an hour of a fleet's results in one statement.
      // Minutes without results (the server was stopped) are skipped in one step.
      const first = await this.repo.firstResultAt(this.doneUntil, target);
      const from = first === undefined ? target - MINUTE : Math.max(this.doneUntil, first - (first % MINUTE));
      const end = from + MINUTE;
      await this.repo.transaction(async (repo) => {
        // Each slice is added to its monitors' buckets as it comes, and the rows are made a part at a time as they are written.
        const buckets = this.minutes.begin(from);
        const slice = Math.max(1_000, Math.min(MINUTE, Math.floor((MINUTE * SLICE_ROWS) / Math.max(1, this.perMinute))));
        let count = 0;
        for (let t = from; t < end; t += slice) {
          if (t > from) await setImmediate();
          const rows = await repo.resultsBetween(t, Math.min(t + slice, end));
          count += rows.length;
          buckets.add(rows);
        }
        this.perMinute = count;
        await repo.upsertRollups(buckets.rows());
        await repo.setWatermark(MINUTE, end);
      });
      this.doneUntil = end;
    }
    await this.rollUpCoarse();
    await this.pack(now);
  }

  /**
   * Merges the minutes rolled up since the coarse levels' mark into their hour, day and month rows,
   * once ten whole minutes are there: merging every minute read and rewrote three rows per monitor per
   * minute, most of the rollups' cost. Queries read the minutes in between (see `decompose`).
   */
  private async rollUpCoarse(): Promise<void> {
    const target = this.doneUntil - (this.doneUntil % COARSE_EVERY);
    while (this.coarseUntil < target) {
      const from = this.coarseUntil;
      let end = Math.min(target, from + COARSE_EVERY);
      await this.repo.transaction(async (repo) => {
        let bounds = await repo.monitorBounds(MINUTE, from, end);
        if (bounds && bounds.hi - bounds.lo < PAGE) {
          // A fleet within one page of ids: up to an hour per transaction, each level read as one range.
          end = Math.min(target, from + HOUR);
          bounds = await repo.monitorBounds(MINUTE, from, end);
        }
        if (bounds && bounds.hi - bounds.lo < PAGE)
          await this.mergePage(repo, from, end, bounds.lo, bounds.hi, (level, lo, hi) => repo.rollups(level.ms, level.floor(from), end, { lo, hi }));
        else if (bounds) {
          // Larger fleets: ten minutes per transaction (it holds the database: the results writer waits, ~16 s at
          // 100,000 monitors), a page of ids at a time, one key-order read per bucket start.
          const minutes = bucketStarts(LEVELS[0]!, from, end);
          for (
            let lo: number | undefined = bounds.lo;
            lo !== undefined;
            lo = lo + PAGE > bounds.hi ? undefined : await repo.firstMonitorAt(MINUTE, minutes, lo + PAGE)
          ) {
            await this.mergePage(repo, from, end, lo, lo + PAGE - 1, (level, l, h) => repo.rollupsAt(level.ms, bucketStarts(level, from, end), l, h));
            await setImmediate();
          }
        }
        await repo.setWatermark(HOUR, end);
      });
      this.coarseUntil = end;
    }
  }

  /** The minutes of monitors lo…hi summed into their hours once, then added to what each coarser bucket held. */
  private async mergePage(
    repo: ResultsRepository,
    from: number,
    end: number,
    lo: number,
    hi: number,
    read: (level: Level, lo: number, hi: number) => Promise<ResultRollupsTable[]>,
  ): Promise<void> {
    const sums = rollUpRollups(await read(LEVELS[0]!, lo, hi), HOUR);
    for (const level of LEVELS.slice(1)) await repo.upsertRollups(rollUpRollups([...(await read(level, lo, hi)), ...sums], level.ms));
  }

  /** Packs the results of every hour that ended before the grace (and any written late, into their hour's blocks). */
  private async pack(now: number): Promise<void> {
    const until = now - this.graceMs - ((now - this.graceMs) % HOUR);
    const oldest = await this.repo.firstResultAt(0, until);
    if (oldest === undefined) return;
    for (let hour = oldest - (oldest % HOUR); hour < until; hour += HOUR) {
      const ids = await this.repo.monitorsWithResults(hour, hour + HOUR);
      // A few hundred monitors per transaction, with a turn of the event loop between, so neither the
      // writer nor the checks are held up for long.
      for (let i = 0; i < ids.length; i += 250) {
        if (i) await setImmediate();
        await this.repo.transaction((repo) => repo.packHour(hour, ids.slice(i, i + 250)));
      }
    }
  }

  /** How long each level is kept (days and months for good). */
  private keepOf(levelMs: number): number {
    if (levelMs === MINUTE) return this.options.keepMinutesMs ?? 2 * DAY;
    if (levelMs === HOUR) return this.options.keepHoursMs ?? 90 * DAY;
    return Infinity;
  }

  /**
   * What queries may read now. It claims less than is stored: expiry deletes an hour (or a bucket)
   * further back than this, so a query running while it deletes never counts on a row just gone.
   */
  coverage(): Coverage {
    const now = this.clock.now();
    const keptFrom = new Map(LEVELS.map((l) => [l.ms, this.keepOf(l.ms) === Infinity ? -Infinity : l.floor(now - this.keepOf(l.ms))]));
    return { keptFrom, rawFrom: now - this.options.keepRawMs, doneUntil: this.doneUntil, coarseUntil: this.coarseUntil };
  }

  /** Deletes raw results older than `keepRawMs` and minute and hour rollups past their age; returns how many results went. */
  async expire(): Promise<number> {
    const now = this.clock.now();
    const deleted = await this.repo.deleteResultsBefore(now - this.options.keepRawMs - HOUR, 5_000);
    for (const level of LEVELS) {
      const keep = this.keepOf(level.ms);
      // Minutes not merged into the coarser levels yet stay, however old (a server stopped for days).
      const cutoff = level.floor(now - keep) - level.ms;
      if (keep !== Infinity) await this.repo.deleteRollupsBefore(level.ms, level.ms === MINUTE ? Math.min(cutoff, this.coarseUntil) : cutoff);
    }
    return deleted;
  }

  /** Uptime, latency percentiles and phases of one monitor over [from, to). */
  async summary(monitorId: number, from: number, to: number): Promise<Summary> {
    const totals = new Totals();
    for (const seg of decompose(from, to, this.coverage())) {
      if (seg.bucketMs === 0) for (const row of await this.repo.monitorResultsBetween(monitorId, seg.from, seg.to)) totals.addResult(row);
      else for (const row of await this.repo.rollups(seg.bucketMs, seg.from, seg.to, monitorId)) totals.addRollup(row);
    }
    for (const r of this.writer.pending) if (r.monitorId === monitorId && r.at >= from && r.at < to) totals.addResult(toRow(r));
    return summarize(totals);
  }

  /**
   * Uptime and average latency of every monitor (or of `monitorIds`) over [from, to): whole rollups,
   * and raw rows for the part not rolled up yet.
   */
  async overview(
    from: number,
    to: number,
    monitorIds?: readonly number[],
  ): Promise<Map<number, { checks: number; uptime: number | null; avgLatency: number | null }>> {
    const acc = new Map<number, { up: number; degraded: number; down: number; n: number; sum: number }>();
    const cover = this.coverage();
    // A year's old edge is read as its month less a few days (see viaMonths): SQLite groups by sorting, so rows read cost twice.
    const { add, subtract } = viaMonths(decompose(from, to, cover), cover);
    for (const [sign, segments] of [
      [1, add],
      [-1, subtract],
    ] as const)
      for (const seg of segments) {
        const rows =
          seg.bucketMs === 0
            ? await this.repo.rawTotals(seg.from, seg.to, monitorIds)
            : await this.repo.rollupTotals(seg.bucketMs, seg.from, seg.to, monitorIds);
        for (const row of rows) {
          let a = acc.get(row.monitor_id);
          if (!a) acc.set(row.monitor_id, (a = { up: 0, degraded: 0, down: 0, n: 0, sum: 0 }));
          a.up += sign * Number(row.up);
          a.degraded += sign * Number(row.degraded);
          a.down += sign * Number(row.down);
          a.n += sign * Number(row.latency_count);
          a.sum += sign * Number(row.latency_sum);
        }
      }
    const out = new Map<number, { checks: number; uptime: number | null; avgLatency: number | null }>();
    for (const [id, a] of acc) {
      const checks = a.up + a.degraded + a.down;
      // A monitor whose only checks were in the days taken off again (deleted or created then) had none in the window.
      if (checks === 0) continue;
      out.set(id, { checks, uptime: checks ? (100 * (a.up + a.degraded)) / checks : null, avgLatency: a.n ? Math.round(a.sum / a.n) : null });
    }
    return out;
  }

  /** Results waiting for the next batch write, so a chart can include the last second. */
  get pending(): readonly RecordedResult[] {
    return this.writer.pending;
  }

  get repository(): ResultsRepository {
    return this.repo;
  }

  /** Writes what is buffered before the process ends, trying a few times while the database refuses. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (let tries = 0; tries < 3; tries++) {
      await this.flush();
      if (this.writer.health().failingFor === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const { pendingResults, pendingEvents } = this.writer.health();
    if (pendingResults || pendingEvents) this.log.error({ results: pendingResults, events: pendingEvents }, 'stopping with results the database did not take');
  }
}
