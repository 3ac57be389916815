import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The `backups:` section as last applied (sealed: it holds repository passwords), so a running server
 * picks up changes without a restart and `upkeep export` can write it; and the history of every
 * backup, restore drill, repository check and restore.
 */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('backup_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('env_refs', 'text', (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('backup_runs')
    .addColumn('id', id, key)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('job', 'text')
    .addColumn('repository', 'text', (c) => c.notNull())
    .addColumn('started_at', bigint, (c) => c.notNull())
    .addColumn('finished_at', bigint, (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('snapshot_id', 'text')
    .execute();
  await db.schema.createIndex('backup_runs_job').on('backup_runs').columns(['job', 'kind', 'started_at']).execute();
  await db.schema.createIndex('backup_runs_repository').on('backup_runs').columns(['repository', 'kind', 'started_at']).execute();
}
