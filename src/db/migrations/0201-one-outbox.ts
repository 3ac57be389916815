import { sql, type Kysely } from 'kysely';

/**
 * One outbox: what status-page subscribers are sent joins the notifications table, so subscriber
 * emails and webhooks go through the same claim, lease, backoff and delivery log as channel
 * messages. A message is for a channel (`channel_id`) or for a recipient of another kind
 * (`recipient` names the kind, `recipient_id` the one, e.g. "subscriber" and its id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('recipient', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('recipient_id', 'integer').execute();
  await sql`insert into notifications (id, channel_name, event, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at, recipient, recipient_id)
    select id, 'status page subscriber', kind, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at, 'subscriber', subscriber_id
    from status_messages`.execute(db);
  await db.schema.dropTable('status_messages').execute();
}
