import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Single sign-on identities: the provider's (issuer, subject) pair an account was linked to. After the
 * first link a person is found by it, never again by an email address the provider may let change.
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('user_identities')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('user_identities_pk', ['issuer', 'subject'])
    .execute();
  // One identity per provider and account.
  await db.schema.createIndex('user_identities_user').on('user_identities').columns(['user_id', 'issuer']).unique().execute();
}
