import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { AppError } from '../lib/errors.js';
import { silentLogger } from '../lib/logger.js';
import { forgetSnapshots, jobTag, openRepository, rowCountsOf, rowCountsTag, timed, type RunContext, type RunResult } from './backup.service.js';
import { SELF_JOB, type RepositoryConfig } from './config.js';
import { verifyRestoredTree } from './drills.js';
import type { RetentionPolicy } from './retention.js';
import { findSnapshot, listSnapshots } from './repository/snapshots.js';
import type { Repository } from './repository/repository.js';
import { restoreTree } from './restore.js';
import { snapshotPaths } from './snapshot-writer.js';
import { postgresSource } from './sources/postgres.js';
import { sqliteRowCounts } from './sources/sqlite.js';

const DB_FILE = 'upkeep.db';
const DUMP_FILE = 'upkeep.sql';
const KEY_FILE = 'secret.key';
const CONFIG_FILE = 'upkeep.yaml';

/** What makes up an instance of Upkeep: its database, its secret key and its config file. */
export interface Instance {
  dataDir: string;
  /** `postgres://…` when the database is PostgreSQL; otherwise SQLite in `<dataDir>/upkeep.db`. */
  databaseUrl: string | undefined;
  /** UPKEEP_SECRET_KEY when set; otherwise the key is `<dataDir>/secret.key`. */
  secretKey: string | undefined;
  /** The upkeep.yaml the server was started with, when there is one. */
  configFile: string | undefined;
}

export interface SelfBackupStats {
  snapshotId: string;
  rowCounts: Record<string, number>;
  forgotten: number;
}

function postgresConfig(url: string) {
  const u = new URL(url);
  return postgresSource.configSchema.parse({
    kind: 'postgres',
    host: u.hostname,
    ...(u.port ? { port: Number(u.port) } : {}),
    user: decodeURIComponent(u.username),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    database: decodeURIComponent(u.pathname.slice(1)),
  });
}

/**
 * Copies the instance into `dir` consistently while it runs: SQLite through its online backup API (a
 * copy of one moment, however much the engine writes meanwhile), PostgreSQL through pg_dump (one
 * transaction), then the secret key and the config file. Answers the row counts of the copy.
 */
async function stage(instance: Instance, dir: string): Promise<Record<string, number>> {
  let rowCounts: Record<string, number>;
  if (instance.databaseUrl) {
    const input = await postgresSource.open(postgresConfig(instance.databaseUrl));
    if (input.kind !== 'stream') throw new AppError('internal', 'pg_dump gave no stream');
    try {
      await pipeline(input.stream, createWriteStream(join(dir, DUMP_FILE), { mode: 0o600 }));
    } finally {
      await input.close();
    }
    rowCounts = input.rowCounts ?? {};
  } else {
    const live = new Database(join(instance.dataDir, DB_FILE), { readonly: true, fileMustExist: true });
    try {
      // Every page in one step (one read transaction: a copy of one moment). Copied in small steps, a
      // database the engine writes every second would make SQLite restart the copy after each write and
      // never end; and not "totalPages", which a write between the steps can outgrow. 2^31-1 is the most
      // better-sqlite3 passes on.
      await live.backup(join(dir, DB_FILE), { progress: () => 0x7fffffff });
    } finally {
      live.close();
    }
    // The copy is one file: out of WAL mode, reading it leaves no -wal and -shm beside it (Upkeep turns WAL on again at start).
    const copy = new Database(join(dir, DB_FILE), { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    rowCounts = sqliteRowCounts(join(dir, DB_FILE));
  }
  const key = instance.secretKey ?? (await readFile(join(instance.dataDir, KEY_FILE), 'utf8'));
  await writeFile(join(dir, KEY_FILE), `${key.trim()}\n`, { mode: 0o600 });
  if (instance.configFile) await copyFile(instance.configFile, join(dir, CONFIG_FILE));
  return rowCounts;
}

/**
 * Backs Upkeep itself up into a restic-format repository: the database (online, consistent), the
 * secret key that opens the secrets sealed in it, and the config file; then applies `keep`. The files
 * are staged in `<dataDir>/self-backup` (always the same path, so restic finds the parent snapshot).
 *
 * @example await runSelfBackup(instance, repoConfig, { keepDaily: 7 }, { log })
 */
export function runSelfBackup(
  instance: Instance,
  repoConfig: RepositoryConfig,
  keep: RetentionPolicy | undefined,
  ctx: RunContext,
): Promise<RunResult<SelfBackupStats>> {
  return timed(ctx.log, 'self-backup', async () => {
    const dir = join(resolve(instance.dataDir), 'self-backup');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { mode: 0o700 });
    const repo = await openRepository(repoConfig, true);
    try {
      const rowCounts = await stage(instance, dir);
      const tags = [jobTag(SELF_JOB), rowCountsTag(rowCounts)];
      const result = await snapshotPaths(repo, [dir], { log: ctx.log, tags, ...(ctx.host === undefined ? {} : { host: ctx.host }) });
      const forgotten = keep ? (await forgetSnapshots(repo, keep, true, ctx.log, jobTag(SELF_JOB))).removed.length : 0;
      const tables = Object.keys(rowCounts).length;
      return {
        message: `snapshot ${result.snapshotId.slice(0, 8)}: database (${tables} tables), secret key${instance.configFile ? ', config' : ''}`,
        stats: { snapshotId: result.snapshotId, rowCounts, forgotten },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
      await repo.backend.close();
    }
  });
}

/** Restores a self-backup snapshot's files into `into`; answers the folder that holds them. */
async function restoreFiles(
  repo: Repository,
  ref: string,
  into: string,
): Promise<{ dir: string; snapshotId: string; expected: Record<string, number> | undefined }> {
  const snapshot = ref === 'latest' ? (await listSnapshots(repo)).filter((s) => s.tags?.includes(jobTag(SELF_JOB))).at(-1) : await findSnapshot(repo, ref);
  if (!snapshot || !snapshot.tags?.includes(jobTag(SELF_JOB))) throw new AppError('not_found', `no self-backup snapshot ${ref} in the repository`);
  const stats = await restoreTree(repo, snapshot.tree, into, { log: silentLogger() });
  if (stats.refused.length) throw new AppError('internal', `the snapshot holds entries that were refused: ${stats.refused[0] ?? ''}`);
  await verifyRestoredTree(repo, snapshot.tree, into);
  return { dir: join(into, snapshot.paths[0]!), snapshotId: snapshot.id, expected: rowCountsOf(snapshot.tags) };
}

/** Checks a restored SQLite database: integrity_check says ok, and every table has the rows it had at backup time. */
function checkSqlite(file: string, expected: Record<string, number> | undefined): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new AppError('internal', `the restored database fails integrity_check: ${String(result)}`);
  } finally {
    db.close();
  }
  const counts = sqliteRowCounts(file);
  for (const [table, rows] of Object.entries(expected ?? {})) {
    if (counts[table] !== rows) throw new AppError('internal', `table ${table} has ${counts[table] ?? 0} rows restored, ${rows} at backup time`);
  }
  return Object.keys(counts).length;
}

/** The restore drill of the self-backup: restore the latest one to a scratch folder, re-hash every file, check the database. */
export function runSelfDrill(repoConfig: RepositoryConfig, ctx: RunContext & { scratchDir?: string }): Promise<RunResult<{ snapshotId: string }>> {
  return timed(ctx.log, 'self-backup drill', async () => {
    const repo = await openRepository(repoConfig, false);
    const base = ctx.scratchDir ?? tmpdir();
    await mkdir(base, { recursive: true });
    const scratch = await mkdtemp(join(base, 'upkeep-drill-self-'));
    try {
      const { dir, snapshotId, expected } = await restoreFiles(repo, 'latest', scratch);
      const names = await readdir(dir);
      if (!names.includes(KEY_FILE)) throw new AppError('internal', 'the self-backup holds no secret key');
      // A PostgreSQL dump is checked by its hashes; loading it needs a database to load into.
      const tables = names.includes(DB_FILE) ? checkSqlite(join(dir, DB_FILE), expected) : Object.keys(expected ?? {}).length;
      return { message: `restored self-backup ${snapshotId.slice(0, 8)}: files verified, ${tables} tables match`, stats: { snapshotId } };
    } finally {
      await rm(scratch, { recursive: true, force: true });
      await repo.backend.close();
    }
  });
}

/**
 * `upkeep restore-self`: puts a self-backup into a fresh data folder, so `upkeep start --data-dir` runs
 * on it. The folder must be new or empty: a restore never overwrites a live instance. A PostgreSQL
 * dump is left as `upkeep.sql` for `psql` to load into the new database.
 */
export async function restoreSelf(
  repoConfig: RepositoryConfig,
  ref: string,
  dataDir: string,
): Promise<{ snapshotId: string; files: string[]; tables: number }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if ((await readdir(dataDir)).length > 0) throw new AppError('invalid_input', `${dataDir} is not empty: restore into a new data folder`);
  const repo = await openRepository(repoConfig, false);
  const scratch = await mkdtemp(join(tmpdir(), 'upkeep-restore-self-'));
  try {
    const { dir, snapshotId, expected } = await restoreFiles(repo, ref, scratch);
    const files = await readdir(dir);
    for (const name of files) await copyFile(join(dir, name), join(dataDir, name));
    const tables = files.includes(DB_FILE) ? checkSqlite(join(dataDir, DB_FILE), expected) : Object.keys(expected ?? {}).length;
    return { snapshotId, files: files.sort(), tables };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await repo.backend.close();
  }
}
