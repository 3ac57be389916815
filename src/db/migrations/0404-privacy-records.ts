import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** GDPR records of processing per site, what the privacy audits saw, and the tasks they open (see src/privacy-records/). */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('privacy_records')
    .addColumn('site_id', 'integer', (c) => c.primaryKey().references('sites.id').onDelete('cascade'))
    /** Controller, purposes, data categories and processors as JSON, as written. */
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('reviewed_at', bigint)
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('privacy_observations')
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    /** 'third-party' (a registrable domain) or 'cookie' (name@domain). */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    /** What the audit knew about it (entity, categories, country) as JSON. */
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('first_seen', bigint, (c) => c.notNull())
    .addColumn('last_seen', bigint, (c) => c.notNull())
    .addColumn('audit_id', 'integer', (c) => c.references('audits.id').onDelete('set null'))
    .addPrimaryKeyConstraint('privacy_observations_pk', ['site_id', 'kind', 'name'])
    .execute();

  await db.schema
    .createTable('privacy_tasks')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    /** new-third-party, processor-outside-eea or yearly-review. */
    .addColumn('kind', 'text', (c) => c.notNull())
    /** What it is about (a domain, a processor's name, a year): one open task per kind and subject. */
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('done_at', bigint)
    .addColumn('done_by', 'text')
    .execute();
  await db.schema.createIndex('privacy_tasks_site').on('privacy_tasks').columns(['site_id', 'state']).execute();
}
