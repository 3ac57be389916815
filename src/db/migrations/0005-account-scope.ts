import { sql, type Kysely } from 'kysely';

/**
 * An account's reach is written down instead of inferred from its teams: "instance" (every site,
 * with the account's role) or "teams" (only its teams' sites; none without a team). Accounts keep
 * the reach they had: team members become "teams", everyone else "instance".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('scope', 'text', (c) => c.notNull().defaultTo('instance'))
    .execute();
  await sql`update users set scope = 'teams'
    where role in ('editor', 'viewer') and exists (select 1 from memberships where memberships.user_id = users.id)`.execute(db);
}
