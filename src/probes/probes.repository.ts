import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database, ProbeResultsTable, ProbesTable } from '../db/types.js';

export type ProbeRow = Selectable<ProbesTable>;
export type ProbeResultRow = ProbeResultsTable;

/** One location's results of a monitor in one bucket of time. */
export interface LocationBucketRow {
  location: string;
  start: number;
  checks: number;
  degraded: number;
  down: number;
  /** Average response time in ms of the results that have one. */
  avgMs: number | null;
}

/** The only SQL about probes and what they sent. */
export class ProbesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(probe: Insertable<ProbesTable>): Promise<number> {
    const { id } = await this.db.insertInto('probes').values(probe).returning('id').executeTakeFirstOrThrow();
    return id;
  }

  list(): Promise<ProbeRow[]> {
    return this.db.selectFrom('probes').selectAll().orderBy('id').execute();
  }

  byName(name: string): Promise<ProbeRow | undefined> {
    return this.db.selectFrom('probes').selectAll().where('name', '=', name).executeTakeFirst();
  }

  byId(id: number): Promise<ProbeRow | undefined> {
    return this.db.selectFrom('probes').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byTokenHash(hash: string): Promise<ProbeRow | undefined> {
    return this.db.selectFrom('probes').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  }

  async revoke(id: number, now: number): Promise<void> {
    await this.db.updateTable('probes').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  /** A probe was heard from: when, its version, and what it said (a figure it did not send is left as it was). */
  async seen(
    id: number,
    at: number,
    version: string | null,
    said: { lagMs?: number | undefined; backlog?: number | undefined; dropped?: number | undefined },
  ): Promise<void> {
    await this.db
      .updateTable('probes')
      .set({
        last_seen_at: at,
        version,
        ...(said.lagMs === undefined ? {} : { lag_ms: said.lagMs }),
        ...(said.backlog === undefined ? {} : { backlog: said.backlog }),
        ...(said.dropped === undefined ? {} : { dropped: said.dropped }),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Stores results a probe sent; those already stored (same probe, run and number) are skipped. Answers how many were new. */
  async insertResults(rows: ProbeResultRow[]): Promise<number> {
    if (!rows.length) return 0;
    const result = await this.db
      .insertInto('probe_results')
      .values(rows)
      .onConflict((oc) => oc.columns(['probe_id', 'run', 'seq']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  /** The results of monitors since a time, newest first (the latest per location comes first). */
  resultsSince(monitorIds: readonly number[], since: number): Promise<ProbeResultRow[]> {
    if (!monitorIds.length) return Promise.resolve([]);
    return this.db.selectFrom('probe_results').selectAll().where('monitor_id', 'in', monitorIds).where('at', '>=', since).orderBy('at', 'desc').execute();
  }

  /** A monitor's results in [from, to) per location and bucket of `bucketMs` (a size of ours, written into the query as a number). */
  async buckets(monitorId: number, from: number, to: number, bucketMs: number): Promise<LocationBucketRow[]> {
    const start = sql<number>`at - (at % ${sql.lit(bucketMs)})`;
    const rows = await this.db
      .selectFrom('probe_results')
      .select((eb) => [
        'location',
        start.as('start'),
        eb.fn.countAll<number | string>().as('checks'),
        sql<number | string>`sum(case when status = 1 then 1 else 0 end)`.as('degraded'),
        sql<number | string>`sum(case when status = 2 then 1 else 0 end)`.as('down'),
        eb.fn.avg<number | string | null>('duration_ms').as('avg_ms'),
      ])
      .where('monitor_id', '=', monitorId)
      .where('at', '>=', from)
      .where('at', '<', to)
      .groupBy(['location', start])
      .orderBy('location')
      .orderBy(start)
      .execute();
    return rows.map((r) => ({
      location: r.location,
      start: Number(r.start),
      checks: Number(r.checks),
      degraded: Number(r.degraded),
      down: Number(r.down),
      avgMs: r.avg_ms === null ? null : Number(r.avg_ms),
    }));
  }

  async expire(before: number): Promise<void> {
    await this.db.deleteFrom('probe_results').where('at', '<', before).execute();
  }
}
