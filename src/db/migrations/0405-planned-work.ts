import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** Planned work: upgrades and redesigns per site, optionally in a maintenance window (see src/planned-work/). */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('planned_work')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    /** A calendar date, YYYY-MM-DD. */
    .addColumn('target_date', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    /** A maintenance window (config_objects of kind maintenance); the link goes when the window does. */
    .addColumn('maintenance_id', 'integer', (c) => c.references('config_objects.id').onDelete('set null'))
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('planned_work_site').on('planned_work').columns(['site_id', 'target_date']).execute();
}
