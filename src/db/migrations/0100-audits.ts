import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** Audits (security, performance, privacy, accessibility, links) with their findings and evidence, kept as history. */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('audits')
    .addColumn('id', id, key)
    // Null for a one-off audit of a URL that is no site (`upkeep audit <url>`).
    .addColumn('site_id', 'integer', (c) => c.references('sites.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('categories', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', bigint, (c) => c.notNull())
    .addColumn('finished_at', bigint)
    .addColumn('scores', 'text', (c) => c.notNull())
    .addColumn('grades', 'text', (c) => c.notNull())
    .addColumn('facts', 'text', (c) => c.notNull())
    .addColumn('errors', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audits_site_started').on('audits').columns(['site_id', 'started_at']).execute();

  await db.schema
    .createTable('audit_findings')
    .addColumn('id', id, key)
    .addColumn('audit_id', 'integer', (c) => c.notNull().references('audits.id').onDelete('cascade'))
    .addColumn('finding_id', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('fix', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_findings_audit').on('audit_findings').column('audit_id').execute();

  await db.schema
    .createTable('audit_artifacts')
    .addColumn('id', id, key)
    .addColumn('audit_id', 'integer', (c) => c.notNull().references('audits.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_artifacts_audit').on('audit_artifacts').column('audit_id').execute();
}
