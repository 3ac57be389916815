import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Objectives' budget history (issue 16): one row per site, objective and day (in the objective's
 * time zone), rewritten by each evaluation that day, so the last one of a day stands for it.
 * Objectives themselves are part of their site's definition; alerts are incidents.
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('objective_days')
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('objective', 'text', (c) => c.notNull())
    /** YYYY-MM-DD in the objective's time zone. */
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('checks', bigint, (c) => c.notNull())
    .addColumn('failed', bigint, (c) => c.notNull())
    /** Availability in percent, or the latency percentile in ms; null without checks. */
    .addColumn('attainment', 'double precision')
    .addColumn('budget_remaining', 'double precision')
    .addColumn('met', 'integer')
    .addColumn('evaluated_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('objective_days_pk', ['site_id', 'objective', 'day'])
    .execute();
}
