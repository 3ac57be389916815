import { PostgresAdapter, sql, type Kysely, type QueryExecutorProvider } from 'kysely';
import type { ClusterNodesTable, Database } from '../db/types.js';
import { lockSpace } from './jobs.js';

/** The database's clock in milliseconds: leases are compared on one clock, whatever the nodes' say. */
const dbNow = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export interface HeldJob {
  job: number;
  /** The application name of the connection holding it: `upkeep:<node id>`. */
  holder: string;
}

/** The `cluster_nodes` table and PostgreSQL's view of who holds which job's lock. */
export class ClusterRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Takes the node's row when it is free (new, left, or its lease ran out) or already this process's;
   * returns false when another live process holds that node id.
   */
  async join(node: Omit<ClusterNodesTable, 'lease_until' | 'started_at'>, leaseMs: number): Promise<boolean> {
    const row = await this.db
      .insertInto('cluster_nodes')
      .values({ ...node, started_at: dbNow, lease_until: sql`${dbNow} + ${leaseMs}` })
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ instance: node.instance, version: node.version, started_at: dbNow, lease_until: sql`${dbNow} + ${leaseMs}` })
          .where((eb) => eb.or([eb('cluster_nodes.lease_until', '<', dbNow), eb('cluster_nodes.instance', '=', node.instance)])),
      )
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Extends this process's lease; false when the row is no longer its own (it was taken for dead and replaced). */
  async renew(id: string, instance: string, leaseMs: number): Promise<boolean> {
    const { numUpdatedRows } = await this.db
      .updateTable('cluster_nodes')
      .set({ lease_until: sql`${dbNow} + ${leaseMs}` })
      .where('id', '=', id)
      .where('instance', '=', instance)
      .executeTakeFirst();
    return numUpdatedRows > 0n;
  }

  async leave(id: string, instance: string): Promise<void> {
    await this.db.deleteFrom('cluster_nodes').where('id', '=', id).where('instance', '=', instance).execute();
  }

  /** The live nodes' ids, sorted. */
  async live(): Promise<string[]> {
    const rows = await this.db.selectFrom('cluster_nodes').select('id').where('lease_until', '>', dbNow).orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  /** Every node row, with the database's time to judge the leases by. */
  async all(): Promise<{ nodes: ClusterNodesTable[]; now: number }> {
    const nodes = await this.db.selectFrom('cluster_nodes').selectAll().orderBy('id').execute();
    const { now } = (await sql<{ now: number }>`select ${dbNow} as now`.execute(this.db)).rows[0]!;
    return { nodes, now: Number(now) };
  }

  /** Every monitor's id, to count the nodes' shares. */
  async monitorIds(): Promise<number[]> {
    return (await this.db.selectFrom('monitors').select('id').execute()).map((r) => r.id);
  }

  /** Tells every node listening on `channel`, one message per payload in one statement (delivered when the sending transaction commits; here at once). */
  async notify(channel: string, ...payloads: string[]): Promise<void> {
    if (payloads.length) await sql`select pg_notify(${channel}, p) from unnest(${payloads}::text[]) as p`.execute(this.db);
  }

  /** Which job locks are held, and by whom. */
  async heldJobs(): Promise<HeldJob[]> {
    const { rows } = await sql<HeldJob>`
      select l.objid::int as job, a.application_name as holder
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid = ${lockSpace.job}::oid and l.objsubid = 2`.execute(this.db);
    return rows;
  }
}

/**
 * Serializes transactions that take the same lock (PostgreSQL; SQLite has one writer already):
 * incidents of one site written by two nodes at once, two `apply`s of the config.
 */
export async function transactionLock(trx: QueryExecutorProvider, space: keyof typeof lockSpace, key: number): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`select pg_advisory_xact_lock(${lockSpace[space]}::int4, ${key}::int4)`.execute(trx);
}
