import type { Kysely } from 'kysely';
import { isRowError } from '../db/errors.js';
import type { Database, MonitorStateTable } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { toRow, type RecordedResult } from './result.js';
import type { ResultsRepository } from './results.repository.js';
import type { StateEvent } from './state-machine.js';

/** An event as stored, with the monitor it belongs to. */
export interface StoredEvent extends StateEvent {
  id: number;
  monitorId: number;
}

/**
 * Runs inside the transaction that stores events, so whatever it writes (incidents, outbox rows)
 * commits or rolls back with them.
 */
export type EventHook = (trx: Kysely<Database>, events: readonly StoredEvent[]) => Promise<void>;
/** Runs inside the transaction that stores monitors' states, with those rows (a cluster tells the other nodes, on commit). */
export type StatesHook = (trx: Kysely<Database>, states: readonly MonitorStateTable[]) => Promise<void>;
export type CommitListener = (events: readonly StoredEvent[], results: readonly RecordedResult[]) => void;

/** Why buffered rows were given up: their monitor was deleted, the database refused them three times, or the buffer was full. */
export type DropReason = 'monitor_deleted' | 'unwritable' | 'buffer_full';

export interface WriterHealth {
  /** Results and events waiting for the next write. */
  pendingResults: number;
  pendingEvents: number;
  /** Flushes in a row the database could not take at all (0 once one succeeds). */
  failingFor: number;
  /** Flushes that failed since start. */
  failures: number;
  /** When a flush last wrote everything it could (an empty buffer counts). */
  lastWriteAt: number;
  written: number;
  dropped: Readonly<Record<DropReason, number>>;
}

/** After this many flushes in a row that could not write, the writer is unhealthy (`/readyz`). */
const FAILING_AFTER = 3;
/** A monitor's rows the database refuses this many flushes in a row are dropped. */
const STRIKES = 3;

/** Rows waiting to be written: results, the newest state of each monitor, events in order. */
class Batch {
  results: RecordedResult[] = [];
  states = new Map<number, MonitorStateTable>();
  events: { monitorId: number; event: StateEvent }[] = [];

  get empty(): boolean {
    return !this.results.length && !this.states.size && !this.events.length;
  }

  monitors(): number[] {
    const ids = new Set<number>(this.states.keys());
    for (const r of this.results) ids.add(r.monitorId);
    for (const e of this.events) ids.add(e.monitorId);
    return [...ids];
  }

  /** The part of this batch that belongs to `ids`. */
  only(ids: ReadonlySet<number>): Batch {
    const part = new Batch();
    part.results = this.results.filter((r) => ids.has(r.monitorId));
    part.events = this.events.filter((e) => ids.has(e.monitorId));
    for (const [id, s] of this.states) if (ids.has(id)) part.states.set(id, s);
    return part;
  }

  /** Puts an older batch back in front of this one; the newer states win. */
  takeBack(older: Batch): void {
    this.results = [...older.results, ...this.results];
    this.events = [...older.events, ...this.events];
    for (const [id, s] of older.states) if (!this.states.has(id)) this.states.set(id, s);
  }
}

/**
 * Writes results, states and events in batches, one transaction each with the event hooks. One bad
 * row never holds the others: rows of deleted monitors are dropped (and counted) inside the write,
 * and a batch the database still refuses is written in halves until the refused monitor stands
 * alone; its rows are retried and, after three refusals, dropped. A database that cannot write at
 * all keeps everything buffered, up to `maxPending` results and events (then the oldest go first),
 * and shows in `health()`.
 */
export class ResultsWriter {
  private batch = new Batch();
  private flushing: Promise<void> = Promise.resolve();
  private readonly strikes = new Map<number, number>();
  private readonly dropped: Record<DropReason, number> = { monitor_deleted: 0, unwritable: 0, buffer_full: 0 };
  private failingFor = 0;
  private failures = 0;
  private lastWriteAt: number;
  written = 0;

  constructor(
    private readonly repo: ResultsRepository,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly hooks: readonly EventHook[],
    private readonly statesHooks: readonly StatesHook[],
    private readonly listeners: readonly CommitListener[],
    private readonly maxPending: number,
  ) {
    this.lastWriteAt = clock.now();
  }

  record(result: RecordedResult, state: MonitorStateTable | undefined, events: readonly StateEvent[]): void {
    this.batch.results.push(result);
    if (state) this.batch.states.set(state.monitor_id, state);
    for (const event of events) this.batch.events.push({ monitorId: result.monitorId, event });
    this.bound();
  }

  recordState(state: MonitorStateTable, events: readonly StateEvent[]): void {
    this.batch.states.set(state.monitor_id, state);
    for (const event of events) this.batch.events.push({ monitorId: state.monitor_id, event });
    this.bound();
  }

  get pending(): readonly RecordedResult[] {
    return this.batch.results;
  }

  health(): WriterHealth {
    return {
      pendingResults: this.batch.results.length,
      pendingEvents: this.batch.events.length,
      failingFor: this.failingFor,
      failures: this.failures,
      lastWriteAt: this.lastWriteAt,
      written: this.written,
      dropped: { ...this.dropped },
    };
  }

  get canWrite(): boolean {
    return this.failingFor < FAILING_AFTER;
  }

  /** Writes what is buffered; calls are serialized and never reject (failures are logged, counted and retried). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const batch = this.batch;
    this.batch = new Batch();
    const { left, error } = batch.empty ? { left: batch } : await this.writeApart(batch);
    this.batch.takeBack(left);
    if (error === undefined) {
      this.failingFor = 0;
      this.lastWriteAt = this.clock.now();
      return;
    }
    this.failures++;
    this.failingFor++;
    // Once when it starts, then once a minute at the usual pace, so a long outage does not flood the log.
    if (this.failingFor % 60 !== 1) return;
    const waiting = { results: this.batch.results.length, events: this.batch.events.length };
    this.log.error({ err: error, failingFor: this.failingFor, ...waiting }, 'the database did not take the results; they wait for the next try');
  }

  /** Writes what it can of `batch`; returns what is left and, when the database itself failed, why. */
  private async writeApart(batch: Batch): Promise<{ left: Batch; error?: unknown }> {
    try {
      await this.write(batch);
      return { left: new Batch() };
    } catch (err) {
      if (!isRowError(err)) return { left: batch, error: err };
      const ids = batch.monitors();
      if (ids.length <= 1) return { left: this.strike(ids[0], batch, err) };
      const half = ids.length >> 1;
      const rest = batch.only(new Set(ids.slice(half)));
      const first = await this.writeApart(batch.only(new Set(ids.slice(0, half))));
      if (first.error !== undefined) {
        first.left.takeBack(rest);
        return first;
      }
      const second = await this.writeApart(rest);
      second.left.takeBack(first.left);
      return second;
    }
  }

  /** One transaction: drops the rows of monitors deleted meanwhile, writes the rest with the event hooks. */
  private async write(batch: Batch): Promise<void> {
    let gone = 0;
    const { kept, stored } = await this.repo.transaction(async (repo, trx) => {
      const ids = batch.monitors();
      const live = await repo.existingMonitors(ids);
      const kept = live.size === ids.length ? batch : batch.only(live);
      gone = batch.results.length - kept.results.length + batch.events.length - kept.events.length;
      await repo.insertResults(kept.results.map(toRow));
      await repo.upsertStates([...kept.states.values()]);
      const eventIds = await repo.insertEvents(
        kept.events.map(({ monitorId, event }) => ({
          monitor_id: monitorId,
          at: event.at,
          kind: event.kind,
          from_status: event.from,
          to_status: event.to,
          message: event.message,
          evidence: event.evidence.length ? JSON.stringify(event.evidence) : null,
        })),
      );
      const stored = kept.events.map(({ monitorId, event }, i) => ({ ...event, id: eventIds[i]!, monitorId }));
      for (const hook of this.hooks) await hook(trx, stored);
      if (kept.states.size) for (const hook of this.statesHooks) await hook(trx, [...kept.states.values()]);
      return { kept, stored };
    });
    for (const id of kept.monitors()) this.strikes.delete(id);
    this.written += kept.results.length;
    if (gone) {
      this.dropped.monitor_deleted += gone;
      this.log.info({ rows: gone }, 'dropped the results and events of deleted monitors');
    }
    for (const listener of this.listeners) listener(stored, kept.results);
  }

  /** A monitor whose rows the database refuses: kept for the next flush, dropped at the third refusal. */
  private strike(monitorId: number | undefined, batch: Batch, err: unknown): Batch {
    const id = monitorId ?? -1;
    const strikes = (this.strikes.get(id) ?? 0) + 1;
    const rows = { results: batch.results.length, events: batch.events.length };
    if (strikes < STRIKES) {
      this.strikes.set(id, strikes);
      this.log.warn({ err, monitorId, strikes, ...rows }, 'the database refused the rows of one monitor; the others were written');
      return batch;
    }
    this.strikes.delete(id);
    this.dropped.unwritable += rows.results + rows.events;
    this.log.error({ err, monitorId, ...rows }, 'dropped the rows of one monitor that the database refused three times');
    return new Batch();
  }

  /** Keeps the buffer bounded while the database is away: past `maxPending` (and a tenth), the oldest results and events go. */
  private bound(): void {
    const over = (n: number) => (n > this.maxPending * 1.1 ? n - this.maxPending : 0);
    const results = over(this.batch.results.length);
    const events = over(this.batch.events.length);
    if (!results && !events) return;
    this.batch.results.splice(0, results);
    this.batch.events.splice(0, events);
    this.dropped.buffer_full += results + events;
    this.log.error({ results, events, maxPending: this.maxPending }, 'the results buffer is full while the database does not write; dropped the oldest');
  }
}
