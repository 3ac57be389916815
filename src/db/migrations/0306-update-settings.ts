import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * The `updates.sites` and `updates.knowledge` parts of upkeep.yaml as last applied (issue 15), so
 * `upkeep export` writes them back: one row, sealed (a site's SSH password, a feed token), with the
 * `${VAR}` references they were written with. The policies are config objects already (0303 on).
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('update_settings')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('env_refs', 'text', (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
}
