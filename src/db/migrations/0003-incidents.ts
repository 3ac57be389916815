import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', id, key)
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    /** "auto" (opened by monitors, resolved by their recovery) or "manual". */
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('opened_at', bigint, (c) => c.notNull())
    .addColumn('acknowledged_at', bigint)
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', bigint)
    /** When every monitor is up again, the incident resolves at this time unless one fails meanwhile. */
    .addColumn('resolve_at', bigint)
    .addColumn('escalation_policy', 'text')
    .addColumn('escalation_step', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_escalation_at', bigint)
    .addColumn('next_reminder_at', bigint)
    /** JSON: impact, rootCause, followUps. */
    .addColumn('postmortem', 'text')
    /** JSON: what opened an incident other than monitors, e.g. { audit, findings } for an audit's regressions. */
    .addColumn('source', 'text')
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incidents_site_status').on('incidents').columns(['site_id', 'status']).execute();
  await db.schema.createIndex('incidents_opened').on('incidents').column('opened_at').execute();

  await db.schema
    .createTable('incident_monitors')
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('monitor_id', 'integer', (c) => c.notNull().references('monitors.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('since', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_monitors_pk', ['incident_id', 'monitor_id'])
    .execute();

  await db.schema
    .createTable('incident_timeline')
    .addColumn('id', id, key)
    .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('author', 'text')
    .execute();
  await db.schema.createIndex('incident_timeline_incident').on('incident_timeline').columns(['incident_id', 'at']).execute();

  // The outbox: written in the transaction that causes it, delivered at least once by the sender.
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'integer', (c) => c.references('incidents.id').onDelete('cascade'))
    .addColumn('channel_id', 'integer', (c) => c.references('channels.id').onDelete('set null'))
    .addColumn('channel_name', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', bigint, (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('delivered_at', bigint)
    .execute();
  await db.schema.createIndex('notifications_due').on('notifications').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('notifications_incident').on('notifications').column('incident_id').execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('id', id, key)
    .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id').onDelete('cascade'))
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('message', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delivery_attempts_notification').on('delivery_attempts').column('notification_id').execute();

  // Acknowledge links are single-use: a used link's nonce is kept until the link would have expired anyway.
  await db.schema
    .createTable('used_links')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .execute();

  // Small named objects of the config that need no table of their own: escalation policies,
  // contacts, on-call rotations, maintenance windows. Synced by `upkeep apply` like everything else.
  await db.schema
    .createTable('config_objects')
    .addColumn('id', id, key)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('managed_by', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addUniqueConstraint('config_objects_kind_name', ['kind', 'name'])
    .execute();
}
