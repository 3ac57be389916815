import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** Routines: recurring checklists per site, and their history (see src/routines/). */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('routines')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('managed_by', 'text', (c) => c.notNull())
    /** When it is next due; null once its rule has no more occurrences. Moves only when it is done. */
    .addColumn('due_at', bigint)
    /** The due time its reminder went out for, and the one its overdue alert went out for: each is sent once. */
    .addColumn('reminded_for', bigint)
    .addColumn('alerted_for', bigint)
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addUniqueConstraint('routines_site_name', ['site_id', 'name'])
    .execute();
  await db.schema.createIndex('routines_due').on('routines').column('due_at').execute();

  await db.schema
    .createTable('routine_runs')
    .addColumn('id', id, key)
    .addColumn('routine_id', 'integer', (c) => c.notNull().references('routines.id').onDelete('cascade'))
    .addColumn('due_at', bigint)
    .addColumn('completed_at', bigint, (c) => c.notNull())
    .addColumn('completed_by', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    /** JSON arrays: evidence links, and the checklist as it was with what was done. */
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('checklist', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('routine_runs_routine').on('routine_runs').columns(['routine_id', 'completed_at']).execute();
}
