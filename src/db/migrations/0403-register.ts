import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/** The site register ("who to call"): one document per site, its credential references sealed (see src/site-register/). */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('site_registers')
    .addColumn('site_id', 'integer', (c) => c.primaryKey().references('sites.id').onDelete('cascade'))
    /** Vendors, people, dependencies and contract dates as JSON, credential locations taken out. */
    .addColumn('body', 'text', (c) => c.notNull())
    /** Where each credential lives, sealed with the instance key (lib/secrets.ts); never answered by the API. */
    .addColumn('secrets', 'text')
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
}
