import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** Inventory history and safe update runs (issue 15, see src/updates/ and docs/updates.md). */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  // One row per distinct inventory of a site; an identical later one only moves `checked_at`.
  await db.schema
    .createTable('update_inventories')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    /** `ssh` (files and commands inside) or `outside` (what the site shows). */
    .addColumn('source', 'text', (c) => c.notNull())
    /** Where it was read: user@host:/path, or the URL. */
    .addColumn('target', 'text', (c) => c.notNull())
    /** SHA-256 of the canonical component list: equal fingerprints are equal inventories. */
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('knowledge_built_at', 'text', (c) => c.notNull())
    .addColumn('taken_at', bigint, (c) => c.notNull())
    .addColumn('checked_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('update_inventories_site').on('update_inventories').columns(['site_id', 'source', 'taken_at']).execute();

  await db.schema
    .createTable('update_inventory_components')
    .addColumn('inventory_id', 'integer', (c) => c.notNull().references('update_inventories.id').onDelete('cascade'))
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text')
    .addColumn('latest', 'text')
    .addColumn('eol_date', 'text')
    .addColumn('end_of_life', 'integer', (c) => c.notNull())
    .addColumn('vulnerabilities', 'integer', (c) => c.notNull())
    .addColumn('worst_severity', 'text')
    /** The whole assessed component as JSON (sightings, advisories). */
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('update_inventory_components_inventory').on('update_inventory_components').column('inventory_id').execute();
  await db.schema.createIndex('update_inventory_components_name').on('update_inventory_components').columns(['ecosystem', 'name']).execute();

  await db.schema
    .createTable('update_runs')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    /** running, succeeded, rolled_back, rollback_failed, failed (nothing was changed). */
    .addColumn('status', 'text', (c) => c.notNull())
    /** The step of the state machine the run is in (or ended in); written after every step. */
    .addColumn('phase', 'text', (c) => c.notNull())
    /** The run's settings as JSON; secret fields sealed apart. */
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text')
    /** What the run has made so far, as JSON: its maintenance window, the snapshots of its backups, the verdicts. */
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addColumn('finished_at', bigint)
    .execute();
  await db.schema.createIndex('update_runs_site').on('update_runs').columns(['site_id', 'created_at']).execute();
  await db.schema.createIndex('update_runs_status').on('update_runs').column('status').execute();

  await db.schema
    .createTable('update_run_steps')
    .addColumn('run_id', 'integer', (c) => c.notNull().references('update_runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    /** backup, capture, update, verify, rollback, … and the update step's kind. */
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    /** running, ok, failed, skipped. */
    .addColumn('status', 'text', (c) => c.notNull())
    /** Output of the step (capped), or its verdict as JSON. */
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('started_at', bigint, (c) => c.notNull())
    .addColumn('finished_at', bigint)
    .addPrimaryKeyConstraint('update_run_steps_pk', ['run_id', 'seq'])
    .execute();

  // update.* events, written in the transaction of the change they tell of; delivered to channels from stage 3 on.
  await db.schema
    .createTable('update_events')
    .addColumn('id', id, key)
    .addColumn('run_id', 'integer', (c) => c.notNull().references('update_runs.id').onDelete('cascade'))
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('update_events_at').on('update_events').column('at').execute();

  // One run at a time per site: a lease its runner renews; an expired lease is taken over by the next runner.
  await db.schema
    .createTable('update_locks')
    .addColumn('site_id', 'integer', (c) => c.primaryKey().references('sites.id').onDelete('cascade'))
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .execute();
}
