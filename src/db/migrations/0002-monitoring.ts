import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** SQLite stores these tables clustered by their key (no separate rowid b-tree): about half the size, and range scans by monitor are sequential. */
const clustered =
  (dialect: MigrationContext['dialect']) =>
  <T extends string, C extends string>(table: CreateTableBuilder<T, C>) =>
    dialect === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table;

export async function up(db: Kysely<unknown>, { id, key, bigint, dialect }: MigrationContext): Promise<void> {
  // The secret part of a heartbeat's ping URL; kept across applies because the row is.
  await db.schema.alterTable('monitors').addColumn('ping_key', 'text').execute();
  await db.schema.createIndex('monitors_ping_key').on('monitors').column('ping_key').unique().execute();

  // Raw results: one compact row per check, clustered by monitor and time.
  await db.schema
    .createTable('check_results')
    .addColumn('monitor_id', 'integer', (c) => c.notNull())
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('duration_ms', 'integer')
    .addColumn('dns_ms', 'integer')
    .addColumn('connect_ms', 'integer')
    .addColumn('tls_ms', 'integer')
    .addColumn('ttfb_ms', 'integer')
    .addColumn('transfer_ms', 'integer')
    .addColumn('status_code', 'integer')
    .addColumn('message', 'text')
    .addColumn('detail', 'text')
    .addPrimaryKeyConstraint('check_results_pk', ['monitor_id', 'at'])
    .$call(clustered(dialect))
    .execute();

  // Rolling up and expiry read by time across all monitors.
  await db.schema.createIndex('check_results_at').on('check_results').column('at').execute();

  // Rollups per minute, hour and day (bucket_ms 60000, 3600000, 86400000): counts by state, latency sketch, phase sums.
  await db.schema
    .createTable('result_rollups')
    .addColumn('monitor_id', 'integer', (c) => c.notNull())
    .addColumn('bucket_ms', 'integer', (c) => c.notNull())
    .addColumn('start', bigint, (c) => c.notNull())
    .addColumn('up', 'integer', (c) => c.notNull())
    .addColumn('degraded', 'integer', (c) => c.notNull())
    .addColumn('down', 'integer', (c) => c.notNull())
    .addColumn('latency_count', 'integer', (c) => c.notNull())
    .addColumn('latency_sum', bigint, (c) => c.notNull())
    .addColumn('latency_min', 'integer')
    .addColumn('latency_max', 'integer')
    .addColumn('sketch', 'text', (c) => c.notNull())
    .addColumn('phase_count', 'integer', (c) => c.notNull())
    .addColumn('phase_sums', 'text', (c) => c.notNull())
    // Clustered by time: rolling up and the overview of every monitor read one time range in order.
    .addPrimaryKeyConstraint('result_rollups_pk', ['bucket_ms', 'start', 'monitor_id'])
    .$call(clustered(dialect))
    .execute();

  // One monitor's history (its summary over a year) is found through this index: a few hundred rows.
  await db.schema.createIndex('result_rollups_monitor').on('result_rollups').columns(['monitor_id', 'bucket_ms', 'start']).execute();

  await db.schema
    .createTable('rollup_watermarks')
    .addColumn('bucket_ms', 'integer', (c) => c.primaryKey())
    .addColumn('done_until', bigint, (c) => c.notNull())
    .execute();

  // What the state machine knows about each monitor, so a restart neither repeats nor misses an event.
  await db.schema
    .createTable('monitor_state')
    .addColumn('monitor_id', 'integer', (c) => c.primaryKey().references('monitors.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('health', 'text', (c) => c.notNull())
    .addColumn('since', bigint, (c) => c.notNull())
    .addColumn('streak', 'integer', (c) => c.notNull())
    .addColumn('history', 'text', (c) => c.notNull())
    .addColumn('flapping', 'integer', (c) => c.notNull())
    .addColumn('slow', 'integer', (c) => c.notNull())
    .addColumn('last_check_at', bigint)
    .addColumn('last_message', 'text')
    .addColumn('extra', 'text')
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('monitor_events')
    .addColumn('id', id, key)
    .addColumn('monitor_id', 'integer', (c) => c.notNull().references('monitors.id').onDelete('cascade'))
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text')
    .execute();
  await db.schema.createIndex('monitor_events_monitor').on('monitor_events').columns(['monitor_id', 'at']).execute();
  await db.schema.createIndex('monitor_events_at').on('monitor_events').column('at').execute();
}
