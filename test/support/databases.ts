import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Migrator, type Kysely } from 'kysely';
import { migrationsFor } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/types.js';

/** A fresh data directory under the system's temp folder, removed by `cleanup`. */
export function tempDir(prefix = 'upkeep-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * PostgreSQL for tests comes from UPKEEP_TEST_DATABASE_URL (CI's .ci/run starts one and sets it).
 * Without it the PostgreSQL half of a suite is skipped, and says so; with CI=1 a missing server is a failure.
 */
export const postgresUrl = process.env.UPKEEP_TEST_DATABASE_URL;
export const postgresSkipReason = postgresUrl
  ? undefined
  : 'PostgreSQL suites skipped: UPKEEP_TEST_DATABASE_URL is not set (CI sets it; locally: start PostgreSQL and export UPKEEP_TEST_DATABASE_URL=postgres://user:pass@127.0.0.1:5432/postgres)';
if (!postgresUrl && process.env.CI) throw new Error('CI=1 but UPKEEP_TEST_DATABASE_URL is not set: the PostgreSQL suites must run in CI');

/** Makes an empty PostgreSQL database for one test file; `drop` removes it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!postgresUrl) throw new Error(postgresSkipReason);
  const name = `upkeep_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  /** The value for UPKEEP_DATABASE_URL (undefined for SQLite). */
  url: string | undefined;
  dataDir: string;
  cleanup: () => Promise<void>;
}

/** The databases every storage suite runs against: SQLite always, PostgreSQL when available. */
export const dialects = [
  { dialect: 'sqlite' as const, skip: undefined },
  { dialect: 'postgres' as const, skip: postgresSkipReason },
];

export async function createTestDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dir = tempDir();
  if (dialect === 'sqlite') return { dialect, url: undefined, dataDir: dir.path, cleanup: async () => dir.cleanup() };
  const db = await createPostgresDatabase();
  return {
    dialect,
    url: db.url,
    dataDir: dir.path,
    cleanup: async () => {
      await db.drop();
      dir.cleanup();
    },
  };
}

/** Migrates a database as an older version left it: every migration except `name` (which `storage.migrate()` then runs). */
export async function migrateAllBut(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', name: string): Promise<void> {
  const before = Object.fromEntries(Object.entries(migrationsFor(dialect)).filter(([n]) => n !== name));
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => before },
    migrationTableName: 'upkeep_migrations',
    migrationLockTableName: 'upkeep_migrations_lock',
    allowUnorderedMigrations: true,
  });
  const { error } = await migrator.migrateToLatest();
  if (error instanceof Error) throw error;
  if (error) throw new Error(`migrating failed: ${JSON.stringify(error)}`);
}
