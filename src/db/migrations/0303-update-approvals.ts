import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Update requests and their approvals (issue 15, stage 3): one row per planned run of a site, with the
 * plan it was asked for (a signed approval link is bound to the plan's hash), who decided, and the
 * run it started. Also the incidents opened for vulnerable or end-of-life components, once per
 * component version.
 */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('update_approvals')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    /** pending, approved, rejected, superseded (a newer plan of the site), expired, failed (the run could not start). */
    .addColumn('status', 'text', (c) => c.notNull())
    /** The run's steps and the updates they make, as JSON. */
    .addColumn('plan', 'text', (c) => c.notNull())
    /** SHA-256 of the canonical plan: a link signed for another plan does not approve this one. */
    .addColumn('plan_hash', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', bigint)
    .addColumn('reason', 'text')
    .addColumn('run_id', 'integer')
    .execute();
  await db.schema.createIndex('update_approvals_status').on('update_approvals').columns(['status', 'site_id']).execute();

  await db.schema
    .createTable('update_component_incidents')
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    /** `vulnerable` or `end-of-life`. */
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'integer', (c) => c.notNull())
    .addColumn('opened_at', bigint, (c) => c.notNull())
    .addColumn('resolved_at', bigint)
    .addPrimaryKeyConstraint('update_component_incidents_pk', ['site_id', 'ecosystem', 'name', 'version', 'reason'])
    .execute();
}
