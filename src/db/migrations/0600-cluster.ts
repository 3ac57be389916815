import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Cluster mode (issue 19): the nodes sharing one PostgreSQL, each with a lease it renews; a node is
 * live while its lease is fresh. The table exists on SQLite too (one schema), where it stays empty.
 * Followers read the states other nodes wrote by `updated_at`.
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('cluster_nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** A random token per process: a second process started with the same node id is refused. */
    .addColumn('instance', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('started_at', bigint, (c) => c.notNull())
    /** Milliseconds since the epoch on the database's clock, so the nodes' own clocks do not matter. */
    .addColumn('lease_until', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('monitor_state_updated').on('monitor_state').column('updated_at').execute();
}
