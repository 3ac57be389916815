import { setImmediate } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { CheckBlocksTable, CheckResultsTable, Database, MonitorEventsTable, MonitorStateTable, ResultRollupsTable } from '../db/types.js';
import { decodeChecks, encodeChecks } from './check-blocks.js';
import { HOUR, type RawRow } from './rollups.js';

type NewEvent = Omit<MonitorEventsTable, 'id'>;
/** Counts and latency sum of one monitor over a stretch of time. */
export interface RawTotals {
  monitor_id: number;
  up: number;
  degraded: number;
  down: number;
  latency_count: number;
  latency_sum: number;
}
const CHUNK = 400;

/**
 * Parts of `rows`, one statement each, with a turn of the event loop before every part after the
 * first: SQLite runs on the main thread, and a long write (a minute's rollups of 100,000 monitors is
 * thousands of statements) would otherwise hold every check, timer and request until it ends.
 */
async function* chunks<T>(rows: Iterable<T>, size = CHUNK): AsyncGenerator<T[]> {
  let part: T[] = [];
  for (const row of rows) {
    if (part.length === size) {
      yield part;
      part = [];
      await setImmediate();
    }
    part.push(row);
  }
  if (part.length) yield part;
}

/** The only place that knows how results, rollups, monitor state and events are stored. */
export class ResultsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertResults(rows: readonly CheckResultsTable[]): Promise<void> {
    for await (const part of chunks(rows))
      await this.db
        .insertInto('check_results')
        .values(part)
        .onConflict((oc) => oc.doNothing())
        .execute();
  }

  async upsertStates(rows: readonly MonitorStateTable[]): Promise<void> {
    for await (const part of chunks(rows)) {
      await this.db
        .insertInto('monitor_state')
        .values(part)
        .onConflict((oc) =>
          oc.column('monitor_id').doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            health: eb.ref('excluded.health'),
            since: eb.ref('excluded.since'),
            streak: eb.ref('excluded.streak'),
            history: eb.ref('excluded.history'),
            flapping: eb.ref('excluded.flapping'),
            slow: eb.ref('excluded.slow'),
            last_check_at: eb.ref('excluded.last_check_at'),
            last_message: eb.ref('excluded.last_message'),
            extra: eb.ref('excluded.extra'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  async insertEvents(rows: readonly NewEvent[]): Promise<number[]> {
    const ids: number[] = [];
    for await (const part of chunks(rows)) ids.push(...(await this.db.insertInto('monitor_events').values(part).returning('id').execute()).map((r) => r.id));
    return ids;
  }

  /** Which of `ids` are monitors that still exist (a monitor deleted meanwhile takes its buffered rows with it). */
  async existingMonitors(ids: readonly number[]): Promise<Set<number>> {
    const live = new Set<number>();
    for await (const part of chunks(ids, 1_000))
      for (const row of await this.db.selectFrom('monitors').select('id').where('id', 'in', part).execute()) live.add(row.id);
    return live;
  }

  allStates(): Promise<MonitorStateTable[]> {
    return this.db.selectFrom('monitor_state').selectAll().execute();
  }

  /** The states of these monitors (cluster mode: those another node just wrote). */
  async statesOf(ids: readonly number[]): Promise<MonitorStateTable[]> {
    const rows: MonitorStateTable[] = [];
    for await (const part of chunks(ids, 1_000))
      rows.push(...(await this.db.selectFrom('monitor_state').selectAll().where('monitor_id', 'in', part).execute()));
    return rows;
  }

  /** The monitors flapping now: they join an incident without raising one. */
  async flapping(): Promise<Set<number>> {
    const rows = await this.db.selectFrom('monitor_state').select('monitor_id').where('flapping', '=', 1).execute();
    return new Set(rows.map((r) => r.monitor_id));
  }

  /** Results in [from, to) of every monitor (or one), packed or not, for rolling up and charts. */
  async resultsBetween(from: number, to: number, monitorId?: number): Promise<RawRow[]> {
    const rows: RawRow[] = await this.db
      .selectFrom('check_results')
      .select(['monitor_id', 'at', 'status', 'duration_ms', 'dns_ms', 'connect_ms', 'tls_ms', 'ttfb_ms', 'transfer_ms'])
      .$if(monitorId !== undefined, (q) => q.where('monitor_id', '=', monitorId!))
      .where('at', '>=', from)
      .where('at', '<', to)
      .execute();
    for (const block of await this.blocksOver(from, to, monitorId))
      for (const row of decodeChecks(block.monitor_id, Number(block.start), block.data, false)) if (row.at >= from && row.at < to) rows.push(row);
    return rows;
  }

  monitorResultsBetween(monitorId: number, from: number, to: number): Promise<RawRow[]> {
    return this.resultsBetween(from, to, monitorId);
  }

  /** Blocks holding results in [from, to): those starting up to an hour before `from`. */
  private blocksOver(from: number, to: number, monitorId?: number, monitorIds?: readonly number[]) {
    return this.db
      .selectFrom('check_blocks')
      .selectAll()
      .$if(monitorId !== undefined, (q) => q.where('monitor_id', '=', monitorId!))
      .$if(monitorIds !== undefined, (q) => q.where('monitor_id', 'in', [...monitorIds!, -1]))
      .where('start', '>', from - HOUR)
      .where('start', '<', to)
      .execute();
  }

  /** Newest first, before `before` (a cursor), for the API: the rows not packed yet, then blocks, newest first. */
  async listResults(monitorId: number, before: number, limit: number): Promise<CheckResultsTable[]> {
    const out = await this.db
      .selectFrom('check_results')
      .selectAll()
      .where('monitor_id', '=', monitorId)
      .where('at', '<', before)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    // Blocks, newest first, until `limit` rows are known newer than every block not read yet (an unpacked row not read is older than `limit` read ones).
    for (let cursor = before; ;) {
      const blocks = await this.db
        .selectFrom('check_blocks')
        .selectAll()
        .where('monitor_id', '=', monitorId)
        .where('start', '<', cursor)
        .orderBy('start', 'desc')
        .limit(4)
        .execute();
      for (const block of blocks) out.push(...decodeChecks(monitorId, Number(block.start), block.data).filter((r) => r.at < before));
      if (blocks.length < 4) break;
      cursor = Number(blocks.at(-1)!.start);
      if (out.filter((r) => r.at >= cursor).length >= limit) break;
    }
    return out.sort((a, b) => b.at - a.at).slice(0, limit);
  }

  /** The lowest and highest monitor id with rollups of this size starting in [from, to) (one range read). */
  async monitorBounds(bucketMs: number, from: number, to: number): Promise<{ lo: number; hi: number } | undefined> {
    const row = await this.db
      .selectFrom('result_rollups')
      .select((eb) => [eb.fn.min('monitor_id').as('lo'), eb.fn.max('monitor_id').as('hi')])
      .where('bucket_ms', '=', bucketMs)
      .where('start', '>=', from)
      .where('start', '<', to)
      .executeTakeFirst();
    return row?.lo == null || row.hi == null ? undefined : { lo: Number(row.lo), hi: Number(row.hi) };
  }

  /**
   * The lowest monitor id, `from` or above, with a rollup of this size starting at one of `starts`:
   * a seek per start, since the key leads with size and start (pages of monitors for `rollupsAt`).
   */
  async firstMonitorAt(bucketMs: number, starts: readonly number[], from: number): Promise<number | undefined> {
    let first: number | undefined;
    for (const start of starts) {
      const row = await this.db
        .selectFrom('result_rollups')
        .select((eb) => eb.fn.min('monitor_id').as('id'))
        .where('bucket_ms', '=', bucketMs)
        .where('start', '=', start)
        .where('monitor_id', '>=', from)
        .executeTakeFirst();
      if (row?.id != null && (first === undefined || Number(row.id) < first)) first = Number(row.id);
    }
    return first;
  }

  /** Monitors with unpacked results in [from, to) (an hour). */
  async monitorsWithResults(from: number, to: number): Promise<number[]> {
    const rows = await this.db.selectFrom('check_results').select('monitor_id').distinct().where('at', '>=', from).where('at', '<', to).execute();
    return rows.map((r) => r.monitor_id);
  }

  /** The time of the oldest result not packed yet in [from, to), if any. */
  async firstResultAt(from: number, to: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('check_results')
      .select((eb) => eb.fn.min('at').as('at'))
      .where('at', '>=', from)
      .where('at', '<', to)
      .executeTakeFirst();
    return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  }

  /**
   * Packs the results of `monitorIds` in the hour starting at `hour` into their blocks (merged with a
   * block already there: a result written late, after its hour was packed) and deletes the rows.
   */
  async packHour(hour: number, monitorIds: readonly number[]): Promise<void> {
    const rows = await this.db
      .selectFrom('check_results')
      .selectAll()
      .where('monitor_id', 'in', monitorIds)
      .where('at', '>=', hour)
      .where('at', '<', hour + HOUR)
      .execute();
    const byMonitor = new Map<number, CheckResultsTable[]>();
    const existing = await this.db.selectFrom('check_blocks').selectAll().where('monitor_id', 'in', monitorIds).where('start', '=', hour).execute();
    // A block's rows come first: where a late row repeats a time, the stored one wins (as inserting does).
    for (const block of existing) byMonitor.set(block.monitor_id, decodeChecks(block.monitor_id, hour, block.data));
    for (const row of rows) {
      const list = byMonitor.get(row.monitor_id);
      if (list) list.push(row);
      else byMonitor.set(row.monitor_id, [row]);
    }
    const blocks: CheckBlocksTable[] = [...byMonitor].map(([id, list]) => ({
      monitor_id: id,
      start: hour,
      checks: new Set(list.map((r) => r.at)).size,
      data: encodeChecks(hour, list),
    }));
    for await (const part of chunks(blocks, 200))
      await this.db
        .insertInto('check_blocks')
        .values(part)
        .onConflict((oc) => oc.columns(['monitor_id', 'start']).doUpdateSet((eb) => ({ checks: eb.ref('excluded.checks'), data: eb.ref('excluded.data') })))
        .execute();
    await this.db
      .deleteFrom('check_results')
      .where('monitor_id', 'in', monitorIds)
      .where('at', '>=', hour)
      .where('at', '<', hour + HOUR)
      .execute();
  }

  async upsertRollups(rows: Iterable<ResultRollupsTable>): Promise<void> {
    for await (const part of chunks(rows, 200)) {
      await this.db
        .insertInto('result_rollups')
        .values(part)
        .onConflict((oc) =>
          oc.columns(['bucket_ms', 'start', 'monitor_id']).doUpdateSet((eb) => ({
            up: eb.ref('excluded.up'),
            degraded: eb.ref('excluded.degraded'),
            down: eb.ref('excluded.down'),
            latency_count: eb.ref('excluded.latency_count'),
            latency_sum: eb.ref('excluded.latency_sum'),
            latency_min: eb.ref('excluded.latency_min'),
            latency_max: eb.ref('excluded.latency_max'),
            sketch: eb.ref('excluded.sketch'),
            phase_count: eb.ref('excluded.phase_count'),
            phase_sums: eb.ref('excluded.phase_sums'),
          })),
        )
        .execute();
    }
  }

  /** Rollups of one size whose buckets start in [from, to), for one monitor, the monitors `lo` to `hi` (one range read), or all. */
  rollups(bucketMs: number, from: number, to: number, monitors?: number | { lo: number; hi: number }): Promise<ResultRollupsTable[]> {
    return this.db
      .selectFrom('result_rollups')
      .selectAll()
      .where('bucket_ms', '=', bucketMs)
      .where('start', '>=', from)
      .where('start', '<', to)
      .$if(typeof monitors === 'number', (q) => q.where('monitor_id', '=', monitors as number))
      .$if(typeof monitors === 'object', (q) =>
        q.where('monitor_id', '>=', (monitors as { lo: number }).lo).where('monitor_id', '<=', (monitors as { hi: number }).hi),
      )
      .execute();
  }

  /**
   * Rollups of one size starting at each of `starts`, of the monitors `lo` to `hi`: one key-order range
   * per start (the key is size, start, monitor), never a scan of every monitor's rows in a time range.
   */
  async rollupsAt(bucketMs: number, starts: readonly number[], lo: number, hi: number): Promise<ResultRollupsTable[]> {
    const rows: ResultRollupsTable[] = [];
    for (const start of starts) {
      const part = await this.db
        .selectFrom('result_rollups')
        .selectAll()
        .where('bucket_ms', '=', bucketMs)
        .where('start', '=', start)
        .where('monitor_id', '>=', lo)
        .where('monitor_id', '<=', hi)
        .execute();
      for (const row of part) rows.push(row);
    }
    return rows;
  }

  /** Counts and latency sums per monitor over buckets of one size starting in [from, to): the overview of every monitor (or of some). */
  rollupTotals(bucketMs: number, from: number, to: number, monitorIds?: readonly number[]) {
    return this.db
      .selectFrom('result_rollups')
      .select((eb) => [
        'monitor_id',
        eb.fn.sum<number | string>('up').as('up'),
        eb.fn.sum<number | string>('degraded').as('degraded'),
        eb.fn.sum<number | string>('down').as('down'),
        eb.fn.sum<number | string>('latency_count').as('latency_count'),
        eb.fn.sum<number | string>('latency_sum').as('latency_sum'),
      ])
      .where('bucket_ms', '=', bucketMs)
      .where('start', '>=', from)
      .where('start', '<', to)
      .$if(monitorIds !== undefined, (q) => q.where('monitor_id', 'in', [...monitorIds!, -1]))
      .groupBy('monitor_id')
      .execute();
  }

  /** Counts and latency sums per monitor over raw results in [from, to), packed or not: the edges of the overview. */
  async rawTotals(from: number, to: number, monitorIds?: readonly number[]): Promise<RawTotals[]> {
    const rows = await this.db
      .selectFrom('check_results')
      .select((eb) => [
        'monitor_id',
        eb.fn.sum<number | string>(eb.case().when('status', '=', 0).then(1).else(0).end()).as('up'),
        eb.fn.sum<number | string>(eb.case().when('status', '=', 1).then(1).else(0).end()).as('degraded'),
        eb.fn.sum<number | string>(eb.case().when('status', '=', 2).then(1).else(0).end()).as('down'),
        eb.fn.count<number | string>('duration_ms').as('latency_count'),
        eb.fn.sum<number | string>('duration_ms').as('latency_sum'),
      ])
      .where('at', '>=', from)
      .where('at', '<', to)
      .$if(monitorIds !== undefined, (q) => q.where('monitor_id', 'in', [...monitorIds!, -1]))
      .groupBy('monitor_id')
      .execute();
    const out: RawTotals[] = rows.map((r) => ({
      monitor_id: r.monitor_id,
      up: Number(r.up),
      degraded: Number(r.degraded),
      down: Number(r.down),
      latency_count: Number(r.latency_count),
      latency_sum: Number(r.latency_sum ?? 0),
    }));
    for (const block of await this.blocksOver(from, to, undefined, monitorIds)) {
      const t: RawTotals = { monitor_id: block.monitor_id, up: 0, degraded: 0, down: 0, latency_count: 0, latency_sum: 0 };
      for (const row of decodeChecks(block.monitor_id, Number(block.start), block.data, false)) {
        if (row.at < from || row.at >= to) continue;
        if (row.status === 0) t.up++;
        else if (row.status === 1) t.degraded++;
        else t.down++;
        if (row.duration_ms !== null) {
          t.latency_count++;
          t.latency_sum += row.duration_ms;
        }
      }
      out.push(t);
    }
    return out;
  }

  async watermarks(): Promise<Map<number, number>> {
    const rows = await this.db.selectFrom('rollup_watermarks').selectAll().execute();
    return new Map(rows.map((r) => [r.bucket_ms, r.done_until]));
  }

  async setWatermark(bucketMs: number, doneUntil: number): Promise<void> {
    await this.db
      .insertInto('rollup_watermarks')
      .values({ bucket_ms: bucketMs, done_until: doneUntil })
      .onConflict((oc) => oc.column('bucket_ms').doUpdateSet({ done_until: doneUntil }))
      .execute();
  }

  /** Deletes raw results older than `cutoff`, unpacked rows in batches of `limit` (small batches keep writers moving), then whole blocks; returns how many results went. */
  async deleteResultsBefore(cutoff: number, limit: number): Promise<number> {
    let total = 0;
    for (let n = -1; n !== 0; total += n) {
      const nth = await this.db.selectFrom('check_results').select('at').where('at', '<', cutoff).orderBy('at').offset(limit).limit(1).executeTakeFirst();
      const r = await this.db
        .deleteFrom('check_results')
        // Ties at the nth time go too, so a batch always makes progress.
        .where('at', nth ? '<=' : '<', nth?.at ?? cutoff)
        .executeTakeFirst();
      n = Number(r.numDeletedRows);
    }
    // A block goes when all of its hour is older than the cutoff.
    const counted = await this.db
      .selectFrom('check_blocks')
      .select((eb) => eb.fn.sum<number | string>('checks').as('n'))
      .where('start', '<=', cutoff - HOUR)
      .executeTakeFirst();
    await this.db
      .deleteFrom('check_blocks')
      .where('start', '<=', cutoff - HOUR)
      .execute();
    return total + Number(counted?.n ?? 0);
  }

  /**
   * Deletes rollups of one size whose buckets start before `cutoff`, `limit` rows per statement in key
   * order with a turn of the event loop between (an hour of a fleet's minutes is millions of rows); returns how many went.
   */
  async deleteRollupsBefore(bucketMs: number, cutoff: number, limit = 5_000): Promise<number> {
    for (let total = 0; ; await setImmediate()) {
      const nth = await this.db
        .selectFrom('result_rollups')
        .select(['start', 'monitor_id'])
        .where('bucket_ms', '=', bucketMs)
        .where('start', '<', cutoff)
        .orderBy('start')
        .orderBy('monitor_id')
        .offset(limit - 1)
        .limit(1)
        .executeTakeFirst();
      const r = await this.db
        .deleteFrom('result_rollups')
        .where('bucket_ms', '=', bucketMs)
        .where('start', '<', cutoff)
        .$if(nth !== undefined, (q) =>
          q.where((eb) => eb.or([eb('start', '<', nth!.start), eb.and([eb('start', '=', nth!.start), eb('monitor_id', '<=', nth!.monitor_id)])])),
        )
        .executeTakeFirst();
      total += Number(r.numDeletedRows);
      if (!nth) return total;
    }
  }

  listEvents(filter: {
    monitorId?: number | undefined;
    /** Only events before this id (a page's cursor); none for the newest (no stand-in: PostgreSQL's ids are 32-bit). */
    before?: number | undefined;
    limit: number;
    kinds?: readonly string[] | undefined;
    siteIds?: ReadonlySet<number> | undefined;
  }) {
    return this.db
      .selectFrom('monitor_events')
      .innerJoin('monitors', 'monitors.id', 'monitor_events.monitor_id')
      .innerJoin('sites', 'sites.id', 'monitors.site_id')
      .selectAll('monitor_events')
      .select(['monitors.name as monitor_name', 'sites.name as site_name', 'sites.id as site_id'])
      .$if(filter.before !== undefined, (q) => q.where('monitor_events.id', '<', filter.before!))
      .$if(filter.monitorId !== undefined, (q) => q.where('monitor_events.monitor_id', '=', filter.monitorId!))
      .$if(Boolean(filter.kinds?.length), (q) => q.where('monitor_events.kind', 'in', filter.kinds!))
      .$if(filter.siteIds !== undefined, (q) => q.where('sites.id', 'in', [...filter.siteIds!, -1]))
      .orderBy('monitor_events.id', 'desc')
      .limit(filter.limit)
      .execute();
  }

  /** The newest result time per monitor, so a restart keeps each monitor's result times increasing. */
  async latestResultTimes(): Promise<Map<number, number>> {
    const rows = await this.db.selectFrom('monitor_state').select(['monitor_id', 'last_check_at']).where('last_check_at', 'is not', null).execute();
    return new Map(rows.map((r) => [r.monitor_id, r.last_check_at!]));
  }

  /** For `/metrics` and the dashboard: monitors per shown status. */
  countByStatus() {
    return this.db
      .selectFrom('monitor_state')
      .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
      .groupBy('status')
      .execute();
  }

  /** Runs `fn` in one transaction over a repository bound to it. */
  transaction<T>(fn: (repo: ResultsRepository, trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new ResultsRepository(trx), trx));
  }

  async analyze(): Promise<void> {
    await sql`analyze`.execute(this.db);
  }
}
