import type { Kysely } from 'kysely';

/**
 * A site's owner (issue 16): the email of the account answerable for it, copied out of the site's
 * definition into a column of its own so "whose sites" and "sites without an owner" are indexed
 * lookups, like a site's name. Sites written before this have no owner (null: flagged as such).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sites').addColumn('owner', 'text').execute();
  await db.schema.createIndex('sites_owner').on('sites').column('owner').execute();
}
