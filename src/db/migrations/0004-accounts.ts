import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

export async function up(db: Kysely<unknown>, { id, key, bigint }: MigrationContext): Promise<void> {
  for (const [column, type] of [
    ['name', 'text'],
    ['totp_secret', 'text'],
    ['totp_last_step', bigint],
    ['recovery_codes', 'text'],
    ['failed_logins', 'integer'],
    ['locked_until', bigint],
    ['password_changed_at', bigint],
    ['disabled', 'integer'],
  ] as const) {
    await db.schema.alterTable('users').addColumn(column, type).execute();
  }

  // Sessions live here so that logout and a password change end them everywhere (the cookie holds
  // a random token; only its SHA-256 is stored).
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('last_seen_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .addColumn('revoked_at', bigint)
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  // A team is a client or a group of sites (by tag or name); members see only those sites.
  await db.schema
    .createTable('teams')
    .addColumn('id', id, key)
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('memberships')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'team_id'])
    .execute();

  await db.schema
    .createTable('activity')
    .addColumn('id', id, key)
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('object', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('activity_at').on('activity').column('at').execute();
}
