import { stat } from 'node:fs/promises';
import { forgetSnapshots, openRepository, runBackup } from '../../backups/backup.service.js';
import type { RepositoryConfig } from '../../backups/config.js';
import { parseLocation } from '../../backups/location.js';
import { ProgressTracker } from '../../backups/progress.js';
import { withLock } from '../../backups/repository/locks.js';
import type { Repository } from '../../backups/repository/repository.js';
import { findSnapshot, listSnapshots } from '../../backups/repository/snapshots.js';
import { restoreSize, restoreTree } from '../../backups/restore.js';
import { restoreSelf } from '../../backups/self-backup.js';
import type { RetentionPolicy } from '../../backups/retention.js';
import { snapshotPaths } from '../../backups/snapshot-writer.js';
import { verifyRepository } from '../../backups/verify.js';
import { readEnvironment } from '../../config/env.js';
import { AppError, describeError, isAppError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/logger.js';
import { cliProgress, formatBytes } from '../progress.js';
import { readConfigOption } from '../run.js';
import type { ForgetOptions, RepoOptions } from './backup.js';

// What `upkeep backup …` runs; loaded only when one of them runs (see cli/main.ts).

const log = silentLogger();

/** The password comes from UPKEEP_BACKUP_PASSWORD or a key file, never from the command line (ps shows it). */
function repositoryConfig(opts: RepoOptions): RepositoryConfig {
  if (opts.repo === undefined) throw new AppError('invalid_input', 'name the repository with --repo (a folder, s3:… or sftp:…)');
  const env = readEnvironment();
  const backend = parseLocation(opts.repo, { env: env.vars, sshKey: opts.sshKey, sshHostKey: opts.sshHostKey, knownHosts: opts.knownHosts });
  if (opts.passwordFile) return { backend, passwordFile: opts.passwordFile };
  if (!env.backupPassword) throw new AppError('invalid_input', 'set UPKEEP_BACKUP_PASSWORD or pass --password-file: the repository password is needed');
  return { backend, password: env.backupPassword };
}

/**
 * Opens the repository, runs `work`, and closes the connection. Failures of the machine or the
 * network (a refused connection, a full disk) are one-line errors, not bugs.
 */
async function withRepository<T>(opts: RepoOptions, create: boolean, work: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = await openRepository(repositoryConfig(opts), create);
  try {
    return await work(repo);
  } catch (err) {
    if (isAppError(err) || !(err as { code?: unknown }).code) throw err;
    throw new AppError('unavailable', `${repo.backend.location}: ${describeError(err)}`, { cause: err });
  } finally {
    await repo.backend.close();
  }
}

const short = (id: string): string => id.slice(0, 8);

/** Backs up paths into a repository named on the command line. */
async function runPaths(paths: string[], opts: RepoOptions & { tag: string[] }): Promise<number> {
  for (const path of paths) {
    await stat(path).catch(() => Promise.reject(new AppError('invalid_input', `cannot back up ${path}: it does not exist or cannot be read`)));
  }
  return withRepository(opts, true, async (repo) => {
    const progress = cliProgress('backup');
    const tracker = new ProgressTracker(progress.listener);
    const result = await snapshotPaths(repo, paths, { log, progress: tracker, tags: opts.tag }).finally(() => progress.stop());
    const done = tracker.finish();
    const s = result.stats;
    process.stdout.write(
      `snapshot ${short(result.snapshotId)} saved: ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unmodified files; ` +
        `${formatBytes(s.bytesAdded)} added, ${formatBytes(done.bytesPerSecond)}/s\n`,
    );
    for (const skipped of s.skipped) process.stderr.write(`skipped ${skipped}\n`);
    return 0;
  });
}

/** Runs the backup jobs of the config file now, one after the other. */
async function runJobs(opts: { config: string; job: string[] }): Promise<number> {
  const loaded = (await readConfigOption(opts.config, readEnvironment(), true))!;
  const backups = loaded.config.backups;
  const jobs = (backups?.jobs ?? []).filter((j) => opts.job.length === 0 || opts.job.includes(j.name));
  for (const name of opts.job) {
    if (!jobs.some((j) => j.name === name)) throw new AppError('invalid_input', `${loaded.file} has no backup job named ${JSON.stringify(name)}`);
  }
  if (!backups || jobs.length === 0) throw new AppError('invalid_input', `${loaded.file} has no backup jobs; give --repo and paths to back up`);
  let failed = 0;
  for (const job of jobs) {
    const progress = cliProgress(`backup ${job.name}`);
    const result = await runBackup(job, backups.repositories[job.repository]!, { log, progress: progress.listener }).finally(() => progress.stop());
    process.stdout.write(`${job.name}: ${result.message} (${(result.durationMs / 1000).toFixed(1)} s)\n`);
    if (!result.ok) failed += 1;
  }
  return failed > 0 ? 1 : 0;
}

export async function backupRun(paths: string[], opts: RepoOptions & { tag: string[]; config: string; job: string[] }): Promise<number> {
  if (opts.repo === undefined && paths.length > 0) throw new AppError('invalid_input', 'name the repository to back up into with --repo');
  if (opts.repo !== undefined && paths.length === 0) throw new AppError('invalid_input', 'name the files and folders to back up after the options');
  return opts.repo === undefined ? runJobs(opts) : runPaths(paths, opts);
}

export function backupList(opts: RepoOptions): Promise<void> {
  return withRepository(opts, false, async (repo) => {
    const snapshots = await listSnapshots(repo);
    for (const s of snapshots)
      process.stdout.write(`${short(s.id)}  ${s.time}  ${s.hostname ?? ''}  ${s.paths.join(' ')}${s.tags ? `  [${s.tags.join(', ')}]` : ''}\n`);
    process.stdout.write(`${snapshots.length} snapshot${snapshots.length === 1 ? '' : 's'}\n`);
  });
}

export function backupRestore(ref: string, opts: RepoOptions & { target: string; include?: string }): Promise<number> {
  return withRepository(opts, false, async (repo) => {
    const snapshot = await findSnapshot(repo, ref);
    const progress = cliProgress('restore');
    const tracker = new ProgressTracker(progress.listener);
    const size = await restoreSize(repo, snapshot.tree, opts.include);
    tracker.addTotal(size.files, size.bytes);
    const include = opts.include ? { include: opts.include } : {};
    const stats = await withLock(repo, false, () => restoreTree(repo, snapshot.tree, opts.target, { log, progress: tracker, ...include })).finally(() =>
      progress.stop(),
    );
    process.stdout.write(
      `restored snapshot ${short(snapshot.id)}: ${stats.files} files, ${stats.dirs} folders, ${stats.symlinks} links (${formatBytes(stats.bytes)}) to ${opts.target}\n`,
    );
    for (const refused of stats.refused) process.stderr.write(`refused ${refused}\n`);
    return stats.refused.length > 0 ? 1 : 0;
  });
}

export function backupVerify(opts: RepoOptions & { readDataPercent: number; readData?: boolean }): Promise<number> {
  return withRepository(opts, false, async (repo) => {
    const readDataFraction = opts.readData ? 1 : opts.readDataPercent / 100;
    const report = await withLock(repo, false, () => verifyRepository(repo, { readDataFraction }));
    for (const error of report.errors) process.stderr.write(`${error}\n`);
    const summary = `${report.snapshots} snapshots, ${report.packs} packs, ${report.packsRead} read in full`;
    process.stdout.write(`${report.ok ? 'no errors were found' : `${report.errors.length} errors`}: ${summary}\n`);
    return report.ok ? 0 : 1;
  });
}

export async function backupForget(opts: ForgetOptions): Promise<void> {
  const { keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin } = opts;
  const rules = { keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin };
  const policy = Object.fromEntries(Object.entries(rules).filter(([, v]) => v !== undefined)) as RetentionPolicy;
  if (Object.keys(policy).length === 0) throw new AppError('invalid_input', 'name at least one --keep-… rule; without one nothing would be removed');
  return withRepository(opts, false, async (repo) => {
    const result = await forgetSnapshots(repo, policy, Boolean(opts.prune), log);
    for (const id of result.removed) process.stdout.write(`removed snapshot ${short(id)}\n`);
    const kept = result.groups.reduce((n, g) => n + g.keep.length, 0);
    const freed = result.prune ? `; freed ${formatBytes(result.prune.bytesFreed)}` : '';
    process.stdout.write(`kept ${kept}, removed ${result.removed.length} snapshot${result.removed.length === 1 ? '' : 's'}${freed}\n`);
  });
}

/** Restores a self-backup (backups.self) into a new, empty data folder. */
export async function backupRestoreSelf(opts: RepoOptions & { snapshot: string; dataDir: string }): Promise<void> {
  const result = await restoreSelf(repositoryConfig(opts), opts.snapshot, opts.dataDir);
  const next = result.files.includes('upkeep.sql')
    ? 'load upkeep.sql with psql into an empty database and point UPKEEP_DATABASE_URL at it'
    : `${result.tables} tables checked`;
  process.stdout.write(`restored self-backup ${short(result.snapshotId)} into ${opts.dataDir}: ${result.files.join(', ')} (${next})\n`);
}
