import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Probes (issue 19 part 2): processes elsewhere that run checks for the monitors of their location
 * and send the results here. A probe's token is stored as its hash only, like API tokens. Each
 * result carries the probe's run and sequence number, so a batch sent twice is stored once.
 */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('probes')
    .addColumn('id', id, key)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('revoked_at', bigint)
    .addColumn('last_seen_at', bigint)
    .addColumn('version', 'text')
    /** How late the newest result of the probe's last batch arrived (ms): a probe that buffered shows here. */
    .addColumn('lag_ms', bigint)
    .execute();
  await db.schema
    .createTable('probe_results')
    .addColumn('probe_id', 'integer', (c) => c.notNull().references('probes.id').onDelete('cascade'))
    /** A random id per probe process start, so a restarted probe's numbers never collide with its last run's. */
    .addColumn('run', 'text', (c) => c.notNull())
    .addColumn('seq', bigint, (c) => c.notNull())
    .addColumn('monitor_id', 'integer', (c) => c.notNull().references('monitors.id').onDelete('cascade'))
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('at', bigint, (c) => c.notNull())
    /** 0 up, 1 degraded, 2 down (as check_results). */
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'integer')
    .addColumn('status_code', 'integer')
    .addColumn('message', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('probe_results_pk', ['probe_id', 'run', 'seq'])
    .execute();
  await db.schema.createIndex('probe_results_monitor_at').on('probe_results').columns(['monitor_id', 'at']).execute();
}
