import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { AppError, describeError } from '../lib/errors.js';
import { Checkpointer, FALLBACK_PAGES } from './checkpointer.js';
import { migrationsFor, type Dialect } from './migrations/index.js';
import type { Database } from './types.js';

export type { Dialect };

export interface DatabaseOptions {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite in `<dataDir>/upkeep.db`. */
  url?: string | undefined;
  dataDir: string;
  /** SQLite's durability: NORMAL (default) survives a process crash; FULL also survives power loss. */
  synchronous?: 'normal' | 'full';
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export interface Storage {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for log lines: a file path, or the PostgreSQL URL without its password. */
  location: string;
  migrate(): Promise<string[]>;
  /** Runs the database's own consistency check; the list is empty when all is well. */
  integrityCheck(): Promise<string[]>;
  /** Refreshes the planner's statistics where they are stale (SQLite; PostgreSQL's autovacuum does this itself). */
  optimize(): Promise<void>;
  /** Resolves when the database answers a read (for /readyz); rejects with the database's own error otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * PostgreSQL only: a connection of its own, outside the pool (cluster mode holds its session locks
   * and LISTENs on it; whoever connects it ends it).
   */
  dedicatedClient?: (applicationName: string) => pg.Client;
}

/** A read of a row that always exists: on SQLite it touches the file itself, so a locked or broken file shows. */
async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1 from upkeep_migrations limit 1`.execute(db);
}

// pg returns 64-bit integers as strings by default; our int8 columns are millisecond timestamps, safe as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function openStorage(options: DatabaseOptions): Storage {
  const url = options.url?.trim();
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options.poolSize ?? 10);
  if (url) throw new AppError('invalid_config', `UPKEEP_DATABASE_URL must start with postgres:// (or be unset for SQLite), got "${redactUrl(url)}"`);
  return openSqlite(options.dataDir, options.synchronous ?? 'normal');
}

function openSqlite(dataDir: string, synchronous: 'normal' | 'full'): Storage {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'upkeep.db');
  let raw: SQLite.Database;
  try {
    // Readable by Upkeep's account only (SQLite gives its -wal and -shm files the same mode): no other
    // account on the machine, audits' Chromium included, reads the database.
    closeSync(openSync(file, 'a', 0o600));
    const { mode, uid } = statSync(file);
    if (mode & 0o077 && uid === process.getuid?.()) chmodSync(file, 0o600);
    raw = new SQLite(file);
  } catch (err) {
    throw new AppError('unavailable', `cannot open the SQLite database ${file}: ${(err as Error).message}`, { cause: err });
  }
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  const checkpointer = new Checkpointer(file);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    db,
    dialect: 'sqlite',
    location: file,
    migrate: () => migrate(db, 'sqlite'),
    ping: () => ping(db),
    integrityCheck: async () => {
      const rows = raw.pragma('integrity_check') as { integrity_check: string }[];
      const fk = raw.pragma('foreign_key_check') as unknown[];
      const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
      return fk.length ? [...problems, `${fk.length} rows violate foreign keys`] : problems;
    },
    // Without statistics SQLite reads a year of one monitor's rollups through the time-ordered key (every monitor's rows).
    optimize: async () => {
      raw.pragma('analysis_limit = 1000');
      raw.pragma('optimize');
    },
    close: async () => {
      await checkpointer.stop();
      raw.pragma('optimize');
      await db.destroy();
    },
  };
}

function openPostgres(url: string, poolSize: number): Storage {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its server must not crash the process; the next query reports the failure.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    location: redactUrl(url),
    migrate: () => migrate(db, 'postgres'),
    ping: () => ping(db),
    // PostgreSQL keeps its own invariants (constraints, WAL); what we can check cheaply is that it answers.
    integrityCheck: async () => {
      await sql`select 1`.execute(db);
      return [];
    },
    optimize: async () => {},
    close: () => db.destroy(),
    dedicatedClient: (applicationName) => new pg.Client({ connectionString: url, application_name: applicationName }),
  };
}

async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const migrations = migrationsFor(dialect);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'upkeep_migrations',
    migrationLockTableName: 'upkeep_migrations_lock',
    // Capabilities number their migrations in their own ranges (0001…, 0100 audits, 0200 status pages), so a
    // new foundation migration sorts before ones a database already ran; each still runs exactly once.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('unavailable', `database migration ${failed} failed: ${describeError(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** A database URL fit for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
