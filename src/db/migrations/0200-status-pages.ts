import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** Status pages, the public updates written on incidents, subscribers and what they are sent (see src/status-pages/). */
export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  // Kept like channels: the definition as JSON, the page password sealed apart, `${VAR}` references remembered.
  await db.schema
    .createTable('status_pages')
    .addColumn('id', id, key)
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text')
    .addColumn('env_refs', 'text')
    .addColumn('managed_by', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('incident_updates')
    .addColumn('id', id, key)
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    /** Markdown as written; sanitized whenever it is rendered. */
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    /** JSON array of page slugs; null: every page the incident shows on. */
    .addColumn('pages', 'text')
    .addColumn('at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_updates_incident').on('incident_updates').columns(['incident_id', 'at']).execute();
  await db.schema.createIndex('incident_updates_at').on('incident_updates').column('at').execute();

  await db.schema
    .createTable('status_subscribers')
    .addColumn('id', id, key)
    .addColumn('page_id', 'integer', (c) => c.notNull().references('status_pages.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    /** An email address or a webhook URL. */
    .addColumn('address', 'text', (c) => c.notNull())
    /** The webhook's signing secret, sealed. */
    .addColumn('secret', 'text')
    /** JSON array of component names; null: the whole page. */
    .addColumn('components', 'text')
    /** Random; confirm and unsubscribe links are HMACs over it, so a new subscription voids old links. */
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', bigint)
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addUniqueConstraint('status_subscribers_address', ['page_id', 'kind', 'address'])
    .execute();

  // What subscribers are sent, delivered at least once by the subscription sender (like the outbox of incidents).
  await db.schema
    .createTable('status_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscriber_id', 'integer', (c) => c.notNull().references('status_subscribers.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', bigint, (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('delivered_at', bigint)
    .execute();
  await db.schema.createIndex('status_messages_due').on('status_messages').columns(['status', 'next_attempt_at']).execute();

  // Which maintenance occurrences were announced (and reminded of) on which page, so each is sent once.
  await db.schema
    .createTable('status_announcements')
    .addColumn('page_id', 'integer', (c) => c.notNull().references('status_pages.id').onDelete('cascade'))
    .addColumn('window_name', 'text', (c) => c.notNull())
    .addColumn('occurrence_start', bigint, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_announcements_pk', ['page_id', 'window_name', 'occurrence_start', 'kind'])
    .execute();
}
