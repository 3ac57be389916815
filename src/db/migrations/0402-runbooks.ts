import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** Runbooks: Markdown documents per site or monitor, every version kept (see src/runbooks/). */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('runbooks')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    /** Null: the whole site's. */
    .addColumn('monitor_id', 'integer', (c) => c.references('monitors.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    /** The newest version's number. */
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runbooks_site').on('runbooks').columns(['site_id', 'monitor_id']).execute();

  await db.schema
    .createTable('runbook_versions')
    .addColumn('runbook_id', 'integer', (c) => c.notNull().references('runbooks.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    /** Markdown as written; sanitized whenever it is rendered. */
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('runbook_versions_pk', ['runbook_id', 'version'])
    .execute();
}
