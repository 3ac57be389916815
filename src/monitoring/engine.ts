import { performance } from 'node:perf_hooks';
import type { MonitorStateTable } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError, describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { MonitorWithSite } from '../sites/sites.repository.js';
import type { Monitor, MonitorStore, SiteCodec } from '../sites/sites.service.js';
import { BaselineJob } from './baseline.js';
import type { Dispatcher } from './dispatcher.js';
import type { EngineMetrics } from './metrics.js';
import { applyPing, deadline, missedResult, type HeartbeatMemory, type PingKind } from './heartbeat.js';
import type { MonitorSpec } from './monitor.schema.js';
import type { CheckResult, RecordedResult } from './result.js';
import type { ResultStore } from './results.service.js';
import { Scheduler } from './scheduler.js';
import { stateFromRow, stateToRow } from './state-store.js';
import {
  applyConditions,
  applyResult,
  initialState,
  isConfirming,
  shownStatus,
  type Conditions,
  type Evidence,
  type MonitorState,
  type StateEvent,
} from './state-machine.js';
import { TimedChanges, type MaintenanceSource } from './timed-changes.js';

interface Runtime {
  monitor: Monitor;
  /** The site's stored definition, to notice when the site changes. */
  siteSpec: string;
  state: MonitorState;
  memory: HeartbeatMemory;
  /** The latest results, newest last: evidence for events (only what evidence needs, not the whole result). */
  recent: Evidence[];
  /** Result times are unique and increasing per monitor. */
  lastAt: number;
  /** The heartbeat deadline already reported as missed. */
  missedDue?: number;
  /** Whether this node checks the monitor (always, outside cluster mode); others' states are followed from the database. */
  owned: boolean;
}

/** A request for the node that checks a monitor (cluster mode). */
export type ForwardedRequest =
  | { type: 'ping'; monitorId: number; key: string; kind: PingKind; runId?: string | undefined; body?: string | undefined }
  | { type: 'check'; monitorId: number };

/**
 * How this node shares the monitors with the other nodes of a cluster: it checks, settles and
 * writes the states of its own share only, and rolls up or expires results only while it leads that job.
 */
export interface MonitorShare {
  owns(monitorId: number): boolean;
  leads(job: 'rollups' | 'retention'): boolean;
  /** Hands a ping or a "check now" to the node that checks the monitor. */
  forward(request: ForwardedRequest): void;
}

export interface EngineDeps {
  /** The stored monitors (the sites service's `monitorStore()`). */
  monitors: MonitorStore;
  codec: SiteCodec;
  results: ResultStore;
  dispatcher: Dispatcher;
  clock: Clock;
  log: Logger;
  metrics?: EngineMetrics | undefined;
  /** Keeps the database's planner statistics fresh (run after hourly expiry). */
  optimize?: () => Promise<void>;
}

export interface EngineOptions {
  allowPrivateTargets: boolean;
  concurrency?: number;
  perHost?: number;
  /** How often the database is asked whether monitors changed (another process may have applied a config). */
  pollChangesMs?: number;
  rollupEveryMs?: number;
  expireEveryMs?: number;
  baselineEveryMs?: number;
  /** Cluster mode: this node's share; without it the engine checks every monitor. */
  share?: MonitorShare | undefined;
}

const RECENT = 6;
/** Cluster mode: another node's states are read at most this often (what it tells meanwhile is read together). */
const FOLLOW_EVERY_MS = 1_000;
const STOP_WAIT_MS = 3_000;
const heartbeatThresholds = { downAfter: 1, upAfter: 1 };

/**
 * Adds a result to a monitor's latest ones. Once there are RECENT, the oldest object is reused for the newest
 * (events copy their evidence), so a steady monitor allocates nothing here that outlives the check.
 */
function remember(recent: Evidence[], { at, status, message, statusCode, durationMs }: RecordedResult): void {
  if (recent.length < RECENT) {
    recent.push({ at, status, message, statusCode, durationMs });
    return;
  }
  const e = recent[0]!;
  recent.copyWithin(0, 1);
  recent[RECENT - 1] = e;
  e.at = at;
  e.status = status;
  e.message = message;
  e.statusCode = statusCode;
  e.durationMs = durationMs;
}

/** The host a monitor's checks go to (the scheduler's per-host limit). */
export function hostOf(spec: MonitorSpec): string {
  switch (spec.type) {
    case 'http':
      return new URL(spec.url).hostname;
    case 'domain':
      return spec.domain;
    case 'heartbeat':
      return '';
    default:
      return spec.host;
  }
}

/** The retry interval while a failure is being confirmed: as configured, else the interval up to 20 s. */
export const retryIntervalOf = (spec: Extract<MonitorSpec, { interval: number }>) => spec.retryInterval ?? Math.min(spec.interval, 20_000);

/**
 * The monitoring engine: keeps every monitor's runtime (spec, state, recent evidence), schedules
 * probes through the scheduler and the dispatcher, takes heartbeat pings, feeds every result to the
 * state machine and hands results, states and events to the result store in batches. Monitors
 * changed in the API or by `upkeep apply` in another process are picked up by polling (in a cluster,
 * when the database tells of the change, with a slow poll behind).
 */
export class MonitoringEngine {
  private readonly runtimes = new Map<number, Runtime>();
  private readonly byPingKey = new Map<string, number>();
  private readonly scheduler: Scheduler;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Checks under way, to cut off when stopping. */
  private readonly running = new Set<AbortController>();
  private stopping = false;
  /** Whether start() has begun reading the monitors with their stored states (a change notice may come before). */
  private started = false;
  private readonly timed = new TimedChanges();
  private signature = '';
  private reloading: Promise<void> = Promise.resolve();
  /** Cluster mode: monitors whose states another node wrote, to read at the next look ('all' after a gap in the news). */
  private readonly toFollow = new Set<number | 'all'>();
  private following: Promise<void> | undefined;
  /** When the last read of followed states began (performance.now()). */
  private followedAt = -Infinity;

  private readonly monitors: MonitorStore;
  private readonly codec: SiteCodec;
  readonly results: ResultStore;
  private readonly dispatcher: Dispatcher;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: EngineMetrics | undefined;
  private readonly optimize: () => Promise<void>;

  constructor(
    deps: EngineDeps,
    private readonly options: EngineOptions,
  ) {
    ({
      monitors: this.monitors,
      codec: this.codec,
      results: this.results,
      dispatcher: this.dispatcher,
      clock: this.clock,
      log: this.log,
      metrics: this.metrics,
    } = deps);
    this.optimize = deps.optimize ?? (async () => {});
    this.scheduler = new Scheduler({
      concurrency: options.concurrency ?? 512,
      perHost: options.perHost ?? 8,
      clock: this.clock,
      run: (id, due) => this.runCheck(id, due),
      onLateness: (ms) => this.metrics?.lateness(ms / 1000),
      onError: (monitorId, err) => {
        this.metrics?.recordFailed();
        this.log.error({ monitorId, err }, 'a finished check could not be recorded');
      },
    });
  }

  get schedule(): Scheduler {
    return this.scheduler;
  }

  /** Which monitors maintenance windows cover, and when that changes. */
  setMaintenance(source: MaintenanceSource): void {
    this.timed.useWindows(source);
  }

  /** The windows were edited: every monitor is matched against them again, now. */
  maintenanceChanged(): void {
    this.timed.windowsChanged();
    this.settleWindowChanges(this.clock.now());
  }

  async start(): Promise<void> {
    await this.results.start();
    const states = new Map((await this.results.repository.allStates()).map((r) => [r.monitor_id, stateFromRow(r)]));
    this.started = true;
    await this.reload(states);
    this.scheduler.start();
    const every = (ms: number, fn: () => Promise<unknown> | void, what: string) => {
      const timer = setInterval(() => {
        Promise.resolve(fn()).catch((err: unknown) => this.log.error({ err }, `${what} failed`));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.pollChangesMs ?? 2_000, () => this.pollChanges(), 'looking for monitor changes');
    every(1_000, () => this.due(), 'checking heartbeats and maintenance');
    const share = this.options.share;
    every(
      this.options.rollupEveryMs ?? 15_000,
      () => (!share || share.leads('rollups') ? this.results.rollUp() : this.results.followRollups()),
      'rolling up results',
    );
    every(
      this.options.expireEveryMs ?? 3_600_000,
      () => (!share || share.leads('retention') ? this.results.expire().then(() => this.optimize()) : undefined),
      'expiring old results',
    );
    const baseline = new BaselineJob(
      this.results.repository,
      this.clock,
      () => [...this.runtimes.values()].filter((rt) => rt.owned && rt.monitor.spec.type !== 'heartbeat').map((rt) => rt.monitor.id),
      (id, slow) => this.setSlow(id, slow),
      (id) => Boolean(this.runtimes.get(id)?.state.slow),
    );
    every(this.options.baselineEveryMs ?? 300_000, () => baseline.run(), 'comparing latency with the baseline');
    this.log.info({ monitors: this.runtimes.size, scheduled: this.scheduler.size }, 'monitoring started');
  }

  /**
   * Stops scheduling, lets running checks finish for up to `STOP_WAIT_MS` (then cuts them off; a cut
   * check records nothing, it says nothing about the target), and writes what is buffered, all
   * within the grace a service manager gives between SIGTERM and SIGKILL.
   */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    const finished = this.scheduler.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
    this.stopping = true;
    for (const check of this.running) check.abort();
    await finished;
    await this.results.stop();
  }

  /** Picks up monitors changed elsewhere; cheap when nothing changed; nothing before start() (it reads every monitor with its state). */
  async pollChanges(): Promise<void> {
    if (!this.started) return;
    const monitors = await this.monitors.monitorsChanged();
    const sitesLatest = await this.monitors.sitesChangedAt();
    if (`${monitors.count}:${monitors.latest}:${sitesLatest}` !== this.signature) await this.reload();
  }

  /** Re-reads every monitor; unchanged ones keep their runtime, changed ones are rescheduled. */
  reload(states?: Map<number, { state: MonitorState; memory: HeartbeatMemory }>): Promise<void> {
    return this.oneAtATime(async () => {
      const siteLatest = await this.monitors.sitesChangedAt();
      const rows = await this.monitors.allMonitors();
      const seen = new Set<number>();
      let latest = 0;
      for (const row of rows) {
        seen.add(row.id);
        latest = Math.max(latest, row.updated_at);
        this.sync(row, states?.get(row.id));
      }
      for (const id of [...this.runtimes.keys()]) if (!seen.has(id)) this.uninstall(id);
      this.signature = `${rows.length}:${rows.length ? latest : null}:${siteLatest}`;
    });
  }

  /** Reloads and refreshes run one after another; one that failed (the database was away) does not stop the next. */
  private oneAtATime(work: () => Promise<void>): Promise<void> {
    const run = this.reloading.catch(() => undefined).then(work);
    this.reloading = run;
    return run;
  }

  /**
   * Applies one monitor's change at once (a write in the API) instead of at the next poll: reads
   * that monitor only, so writing many monitors one by one stays linear.
   */
  refresh(monitorId: number): Promise<void> {
    return this.oneAtATime(async () => {
      const row = await this.monitors.getMonitor(monitorId);
      if (row) this.sync(row);
      else this.uninstall(monitorId);
    });
  }

  private owns(monitorId: number): boolean {
    return this.options.share?.owns(monitorId) ?? true;
  }

  /**
   * The cluster's live nodes changed: lets go of the monitors that are now another node's, and takes
   * up the ones now this node's from their stored state (so the next check is due an interval after
   * the last one, wherever that ran).
   */
  reassign(): Promise<void> {
    return this.oneAtATime(async () => {
      const gained: Runtime[] = [];
      for (const rt of this.runtimes.values()) {
        const owned = this.owns(rt.monitor.id);
        if (owned && !rt.owned) gained.push(rt);
        else if (!owned && rt.owned) {
          rt.owned = false;
          this.scheduler.remove(rt.monitor.id);
          this.timed.forget(rt.monitor.id);
        }
      }
      if (!gained.length) return;
      const stored = new Map((await this.results.repository.allStates()).map((r) => [r.monitor_id, stateFromRow(r)]));
      for (const rt of gained) {
        this.adopt(rt, stored.get(rt.monitor.id));
        this.install(rt.monitor, rt, undefined, rt.siteSpec);
      }
    });
  }

  /**
   * Cluster mode: another node committed these monitors' states and told them (see `follow` for those it
   * could only name). Shows them here (API, dashboard, status pages) at once, reading nothing.
   */
  adoptStates(rows: readonly MonitorStateTable[]): void {
    for (const row of rows) {
      const rt = this.runtimes.get(row.monitor_id);
      if (rt && !rt.owned) this.adopt(rt, stateFromRow(row));
    }
  }

  /**
   * Cluster mode: another node wrote these monitors' states but could not tell them in its message (too
   * long), or `'all'` when this node may have missed such news (its cluster connection was away). Reads
   * them and shows them here within a second: one read a second at most, for whatever every other node
   * named meanwhile.
   */
  follow(monitorIds: readonly number[] | 'all'): Promise<void> {
    if (monitorIds === 'all') this.toFollow.add('all');
    else for (const id of monitorIds) this.toFollow.add(id);
    return (this.following ??= this.readFollowed().finally(() => (this.following = undefined)));
  }

  private async readFollowed(): Promise<void> {
    while (this.toFollow.size && !this.stopping) {
      const wait = this.followedAt + FOLLOW_EVERY_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
      const told = [...this.toFollow];
      this.toFollow.clear();
      this.followedAt = performance.now();
      const ids = told.filter((id) => id !== 'all');
      let rows: MonitorStateTable[];
      try {
        rows = told.length > ids.length ? await this.results.repository.allStates() : await this.results.repository.statesOf(ids);
      } catch (err) {
        // Read at the next news instead.
        for (const id of told) this.toFollow.add(id);
        throw err;
      }
      this.adoptStates(rows);
    }
  }

  private adopt(rt: Runtime, stored: { state: MonitorState; memory: HeartbeatMemory } | undefined): void {
    if (!stored) return;
    // In place, as `commit` does: a follower adopts each of the others' states once per check.
    Object.assign(rt.state, stored.state);
    rt.memory = stored.memory;
    rt.lastAt = Math.max(rt.lastAt, stored.state.lastCheckAt ?? 0);
  }

  /** Installs a monitor read from the database unless it and its site (name, tags: maintenance windows match on them) are unchanged. */
  private sync(row: MonitorWithSite, stored?: { state: MonitorState; memory: HeartbeatMemory }): void {
    const current = this.runtimes.get(row.id);
    if (current && current.monitor.updatedAt === row.updated_at && current.monitor.siteName === row.site_name && current.siteSpec === row.site_spec) return;
    this.install(this.codec.monitorFromRow(row), current, stored, row.site_spec);
  }

  private install(
    monitor: Monitor,
    current: Runtime | undefined,
    stored: { state: MonitorState; memory: HeartbeatMemory } | undefined,
    siteSpec: string,
  ): void {
    const now = this.clock.now();
    const owned = this.owns(monitor.id);
    const rt: Runtime = current
      ? { ...current, monitor, siteSpec, owned }
      : {
          monitor,
          siteSpec,
          state: stored?.state ?? initialState(now),
          memory: stored?.memory ?? {},
          recent: [],
          lastAt: stored?.state.lastCheckAt ?? 0,
          owned,
        };
    this.runtimes.set(monitor.id, rt);
    if (current?.monitor.pingKey && current.monitor.pingKey !== monitor.pingKey) this.byPingKey.delete(current.monitor.pingKey);
    if (monitor.pingKey) this.byPingKey.set(monitor.pingKey, monitor.id);
    if (!owned) {
      this.scheduler.remove(monitor.id);
      this.timed.forget(monitor.id);
      return;
    }
    this.expectPing(rt);
    this.timed.place(monitor, now);
    const spec = monitor.spec;
    if (spec.type === 'heartbeat' || spec.paused) this.scheduler.remove(monitor.id);
    else {
      const before = current?.monitor.spec;
      const same = before && before.type !== 'heartbeat' && !before.paused && before.interval === spec.interval && hostOf(before) === hostOf(spec);
      if (!same || !this.scheduler.has(monitor.id)) this.scheduler.upsert(monitor.id, spec.interval, hostOf(spec), rt.lastAt);
    }
    this.settle(rt, now);
  }

  private uninstall(id: number): void {
    const rt = this.runtimes.get(id);
    if (rt?.monitor.pingKey) this.byPingKey.delete(rt.monitor.pingKey);
    this.runtimes.delete(id);
    this.scheduler.remove(id);
    this.timed.forget(id);
  }

  /** A heartbeat's next deadline goes into the due-time heap, unless it was already reported as missed. */
  private expectPing(rt: Runtime): void {
    const spec = rt.monitor.spec;
    const due = spec.type === 'heartbeat' && !spec.paused ? deadline(spec, rt.memory) : undefined;
    this.timed.expectPing(rt.monitor.id, due === rt.missedDue ? undefined : due);
  }

  private conditions(rt: Runtime): Conditions {
    return { paused: rt.monitor.spec.paused, maintenance: this.timed.inMaintenance(rt.monitor.id) };
  }

  /** Shows paused / maintenance / slow changes that happen without a result. */
  private settle(rt: Runtime, now: number): void {
    const conditions = this.conditions(rt);
    if (shownStatus(rt.state, conditions) === rt.state.status) return;
    const { state, events } = applyConditions(rt.state, conditions, now, rt.recent);
    if (events.length) this.commit(rt, state, events);
  }

  private commit(rt: Runtime, state: MonitorState, events: readonly StateEvent[], result?: RecordedResult): void {
    // A runtime keeps one state object, updated in place: a new one per check would live one interval in V8's old
    // generation and die there, and at 100,000 monitors those holes grew the heap's committed size, not its use.
    if (state !== rt.state) Object.assign(rt.state, state);
    const row = stateToRow(rt.monitor.id, state, rt.memory, this.clock.now());
    if (result) this.results.record(result, row, events);
    else this.results.recordState(row, events);
  }

  private record(rt: Runtime, result: CheckResult, at: number): void {
    const recorded: RecordedResult = { ...result, monitorId: rt.monitor.id, at: Math.max(at, rt.lastAt + 1) };
    rt.lastAt = recorded.at;
    remember(rt.recent, recorded);
    const spec = rt.monitor.spec;
    if (spec.type !== 'heartbeat') this.metrics?.checkFinished(spec.type, result.status, (result.durationMs ?? 0) / 1000);
    const thresholds = spec.type === 'heartbeat' ? heartbeatThresholds : spec;
    const { state, events } = applyResult(rt.state, recorded, thresholds, this.conditions(rt), rt.recent);
    this.commit(rt, state, events, recorded);
  }

  private async runCheck(monitorId: number, scheduledAt: number): Promise<void> {
    const rt = this.runtimes.get(monitorId);
    if (!rt || rt.monitor.spec.type === 'heartbeat') return;
    const spec = rt.monitor.spec;
    const started = this.clock.now();
    // One controller per check, aborted by its own backstop timer or by stopping. (AbortSignal.any over
    // a signal that lives as long as the engine keeps a trace of every check in Node 20: memory that grows.)
    const check = new AbortController();
    // The check keeps its own deadline; this one only stops a check that ignores it.
    const backstop = setTimeout(() => check.abort(new Error(`the check ignored its ${spec.timeout} ms timeout`)), spec.timeout + 1_000);
    this.running.add(check);
    let result: CheckResult | null;
    try {
      const allowPrivate = spec.allowPrivateTargets ?? this.options.allowPrivateTargets;
      result = await this.dispatcher.run({ monitor: rt.monitor, allowPrivate, signal: check.signal });
    } catch (err) {
      result = { status: 'down', message: `the check could not run: ${describeError(err)}` };
    } finally {
      clearTimeout(backstop);
      this.running.delete(check);
    }
    // The monitor may have been changed (its runtime replaced, state carried over) or removed meanwhile;
    // a check cut off by stopping says nothing about the target.
    const live = this.runtimes.get(monitorId);
    // A monitor handed to another node meanwhile is that node's to record.
    // No result (none of the monitor's locations has reported lately) leaves the state as it is.
    if (!live?.owned || this.stopping || !result) return;
    this.record(live, result, Math.max(started, scheduledAt));
    if (isConfirming(live.state)) this.scheduler.runAt(monitorId, this.clock.now() + retryIntervalOf(spec));
  }

  /** Runs a monitor's check now, outside its schedule (the API's "check now"). */
  checkNow(monitorId: number): void {
    const rt = this.runtimes.get(monitorId);
    if (!rt) throw new AppError('not_found', `monitor ${monitorId} does not exist`);
    if (rt.monitor.spec.type === 'heartbeat') throw new AppError('invalid_input', 'a heartbeat is checked by its pings; it cannot be run');
    if (rt.monitor.spec.paused) throw new AppError('conflict', 'the monitor is paused; resume it first');
    if (!rt.owned) this.options.share?.forward({ type: 'check', monitorId });
    else this.scheduler.runAt(monitorId, this.clock.now());
  }

  /** A heartbeat ping. Returns false for an unknown key. */
  ping(key: string, kind: PingKind, extra: { runId?: string | undefined; body?: string | undefined }): boolean {
    const id = this.byPingKey.get(key);
    const rt = id === undefined ? undefined : this.runtimes.get(id);
    if (!rt || rt.monitor.spec.type !== 'heartbeat') return false;
    if (!rt.owned) {
      this.options.share?.forward({ type: 'ping', monitorId: rt.monitor.id, key, kind, ...extra });
      return true;
    }
    const now = this.clock.now();
    const { memory, result } = applyPing(rt.monitor.spec, rt.memory, { kind, at: now, ...extra });
    rt.memory = memory;
    delete rt.missedDue;
    this.expectPing(rt);
    if (result && !rt.monitor.spec.paused) this.record(rt, result, now);
    else this.commit(rt, rt.state, []);
    return true;
  }

  /**
   * Every second: heartbeats whose deadline passed, and monitors that entered or left a maintenance
   * window. Both wait by due time, so a second in which nothing is due costs the same at any fleet size.
   */
  private due(): void {
    const now = this.clock.now();
    for (let id = this.timed.overdue(now); id !== undefined; id = this.timed.overdue(now)) {
      const rt = this.runtimes.get(id);
      const spec = rt?.monitor.spec;
      const due = spec?.type === 'heartbeat' ? deadline(spec, rt!.memory) : undefined;
      if (!rt || spec?.type !== 'heartbeat' || due === undefined) continue;
      rt.missedDue = due;
      this.record(rt, missedResult(spec, rt.memory, due), now);
    }
    this.settleWindowChanges(now);
  }

  private settleWindowChanges(now: number): void {
    for (const id of this.timed.windowChanges(now, () => this.installed())) {
      const rt = this.runtimes.get(id);
      if (rt) this.settle(rt, now);
    }
  }

  private *installed(): Iterable<Monitor> {
    for (const rt of this.runtimes.values()) if (rt.owned) yield rt.monitor;
  }

  /** Sets or clears the "slower than usual" note of a monitor (from the baseline). */
  setSlow(monitorId: number, slow: string | null): void {
    const rt = this.runtimes.get(monitorId);
    // A heartbeat's duration is the job's own business, not a sign of a slow site.
    if (!rt?.owned || rt.monitor.spec.type === 'heartbeat' || rt.state.slow === slow) return;
    const now = this.clock.now();
    const { state, events } = applyConditions(rt.state, this.conditions(rt), now, rt.recent, slow);
    this.commit(rt, state, events);
  }

  /** The monitor behind a runtime (its site, for live updates and access). */
  monitorOf(monitorId: number): Monitor | undefined {
    return this.runtimes.get(monitorId)?.monitor;
  }

  /** The live state of one monitor, or of all. */
  stateOf(monitorId: number): { state: MonitorState; recent: readonly Evidence[] } | undefined {
    const rt = this.runtimes.get(monitorId);
    return rt && { state: rt.state, recent: rt.recent };
  }

  states(): IterableIterator<[number, Runtime]> {
    return this.runtimes.entries();
  }
}
