import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** Feedback from the sites' visitors: the widget of each site, the reports, and the spikes told (see src/feedback/). */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('feedback_widgets')
    .addColumn('site_id', 'integer', (c) => c.primaryKey().references('sites.id').onDelete('cascade'))
    /** Public (it is in the script tag): names the site without its id. */
    .addColumn('site_key', 'text', (c) => c.notNull().unique())
    /** JSON array of the origins that may send reports from a browser (CORS). */
    .addColumn('origins', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('feedback')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    /** 1 when the visitor said something went wrong, 0 when not, null when they did not say. */
    .addColumn('went_wrong', 'integer')
    .addColumn('rating', 'integer')
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('page_url', 'text')
    .addColumn('user_agent', 'text')
    /** A hash of the sender's address with a salt that lives one day in memory: groups one day's reports, names nobody. */
    .addColumn('reporter', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    /** JSON array of tags. */
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'integer', (c) => c.references('incidents.id').onDelete('set null'))
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('feedback_site_time').on('feedback').columns(['site_id', 'created_at']).execute();
  await db.schema.createIndex('feedback_time').on('feedback').column('created_at').execute();

  // When a site's spike of reports was last told to the channels: told once per window.
  await db.schema
    .createTable('feedback_spikes')
    .addColumn('site_id', 'integer', (c) => c.primaryKey().references('sites.id').onDelete('cascade'))
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('reports', 'integer', (c) => c.notNull())
    .execute();
}
