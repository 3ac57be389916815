import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The place of a message among the messages of its incident to its channel: the sender keeps that order.
  await db.schema
    .alterTable('notifications')
    .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('notifications_incident_channel').on('notifications').columns(['incident_id', 'channel_id', 'seq']).execute();
  // A start reads the last minutes of the delivery log to restore each channel's rate limit.
  await db.schema.createIndex('delivery_attempts_at').on('delivery_attempts').column('at').execute();
}
