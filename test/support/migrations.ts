import { Migrator, type Kysely } from 'kysely';
import { migrationsFor, type Dialect } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/types.js';

/** Applies every migration but `skipped`, so a test can write data as it was before `skipped` and then run it. */
export async function migrateAllBut(db: Kysely<Database>, dialect: Dialect, skipped: string): Promise<void> {
  const before = Object.fromEntries(Object.entries(migrationsFor(dialect)).filter(([name]) => name !== skipped));
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => before },
    migrationTableName: 'upkeep_migrations',
    migrationLockTableName: 'upkeep_migrations_lock',
    allowUnorderedMigrations: true,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new Error(`migrations before ${skipped} failed`, { cause: error });
}
