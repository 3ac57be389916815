import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Approved update runs that wait for their policy's maintenance window (issue 15, policy `when`):
 * the window's name and the start of its next occurrence, kept on the approval so that the queue
 * survives a restart and the dashboard can say when the run will start.
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema.alterTable('update_approvals').addColumn('wait_window', 'text').execute();
  await db.schema.alterTable('update_approvals').addColumn('starts_at', bigint).execute();
}
