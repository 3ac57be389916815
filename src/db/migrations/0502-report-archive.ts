import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The archive of monthly reports sent (issue 16): each report as it went out (HTML and PDF), with
 * the sites it covers so only those who may see them all can read it back, and one row per
 * schedule and month so a report is sent once.
 */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('report_archive')
    .addColumn('id', id, key)
    /** The schedule's name (reports:), or null for one made by hand. */
    .addColumn('schedule', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    /** YYYY-MM */
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    /** The PDF, base64. */
    .addColumn('pdf', 'text', (c) => c.notNull())
    /** Who it went to: addresses, comma-separated. */
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('report_archive_schedule_month').unique().on('report_archive').columns(['schedule', 'month']).execute();

  await db.schema
    .createTable('report_archive_sites')
    .addColumn('report_id', 'integer', (c) => c.notNull().references('report_archive.id').onDelete('cascade'))
    .addColumn('site_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_archive_sites_pk', ['report_id', 'site_id'])
    .execute();
  await db.schema.createIndex('report_archive_sites_site').on('report_archive_sites').column('site_id').execute();
}
