import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The knowledge the server refreshed from the live sources (issue 15 part 2), kept in the database
 * so that every node of a cluster matches inventories against the same data (nodes may not share a
 * disk): one row, the gzipped knowledge file's bytes, when it was built and what each source answered
 * at the last attempt.
 */
export async function up(db: Kysely<unknown>, { dialect, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('update_knowledge')
    /** Always `refreshed`: one copy per instance. */
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('built_at', 'text', (c) => c.notNull())
    .addColumn('data', dialect === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
    /** Each source's last attempt as JSON: `[{ kind, ok, message, at }]`. */
    .addColumn('attempts', 'text', (c) => c.notNull())
    .addColumn('checked_at', bigint, (c) => c.notNull())
    .execute();
}
