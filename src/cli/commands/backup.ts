import { stat } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { forgetSnapshots, openRepository, runBackup } from '../../backups/backup.service.js';
import type { RepositoryConfig } from '../../backups/config.js';
import { onHostKeyPinned } from '../../backups/known-hosts.js';
import { parseLocation } from '../../backups/location.js';
import { ProgressTracker } from '../../backups/progress.js';
import { withLock } from '../../backups/repository/locks.js';
import type { Repository } from '../../backups/repository/repository.js';
import { findSnapshot, listSnapshots } from '../../backups/repository/snapshots.js';
import { restoreSize, restoreTree } from '../../backups/restore.js';
import type { RetentionPolicy } from '../../backups/retention.js';
import { snapshotPaths } from '../../backups/snapshot-writer.js';
import { verifyRepository } from '../../backups/verify.js';
import { readEnvironment } from '../../config/env.js';
import { AppError, describeError, isAppError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/logger.js';
import { cliProgress, formatBytes } from '../progress.js';
import { action, DEFAULT_CONFIG, parseDurationOption, readConfigOption } from '../run.js';

export interface RepoOptions {
  repo?: string;
  passwordFile?: string;
  sshKey?: string;
  sshHostKey?: string;
  knownHosts?: string;
}

const log = silentLogger();

/** The password comes from UPKEEP_BACKUP_PASSWORD or a key file, never from the command line (ps shows it). */
export function repositoryConfig(opts: RepoOptions): RepositoryConfig {
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

const count = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number like 7.');
  return n;
};

const percent = (text: string): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a percentage from 0 to 100.');
  return n;
};

/** Repeated options add up (`--tag a --tag b`); variadic ones would swallow the paths that follow. */
const collect = (value: string, previous: string[]): string[] => [...previous, value];

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

type ForgetOptions = RepoOptions & Omit<RetentionPolicy, 'keepTags'> & { prune?: boolean };

/** `upkeep backup run|list|restore|verify|forget` on restic-format repositories (restic 0.14+ reads them too). */
export function register(program: Command): void {
  const backup = program
    .command('backup')
    .description('Back up, list, restore, verify and thin out restic-format repositories.')
    .addHelpText(
      'after',
      `
Repositories are written as restic writes them: a folder, s3:https://host/bucket/folder (credentials in
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) or sftp:user@host:/folder (key from --ssh-key or ~/.ssh).
The password comes from UPKEEP_BACKUP_PASSWORD or --password-file.`,
    )
    .hook('preAction', () => {
      onHostKeyPinned((pin) =>
        process.stderr.write(
          `upkeep: first connection to ${pin.host}:${pin.port}: pinned its host key ${pin.fingerprint} in ${pin.file}; a different key will be refused\n`,
        ),
      );
    });
  const repoOptions = (cmd: Command, required: boolean): Command =>
    cmd
      .option('-r, --repo <location>', `repository: a folder, s3:… or sftp:…${required ? '' : ' (without it: the jobs of the config file)'}`)
      .option('--password-file <file>', 'read the password from this file instead of UPKEEP_BACKUP_PASSWORD')
      .option('--ssh-key <file>', 'private key for sftp: repositories (default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa)')
      .option('--ssh-host-key <sha256>', "the SFTP server's host key fingerprint, as ssh-keygen -lf prints it; checked when given")
      .option('--known-hosts <file>', 'without --ssh-host-key: where the host key is pinned on first use (default: ~/.ssh/upkeep_known_hosts)');

  repoOptions(backup.command('run').description('Back up paths into a repository (made on first use), or run the backup jobs of the config file.'), false)
    .argument('[paths...]', 'files and folders to back up (with --repo)')
    .option('--tag <tag>', 'a tag for the snapshot (repeat for more)', collect, [])
    .option('-c, --config <file>', 'config file whose backup jobs to run (without --repo)', DEFAULT_CONFIG)
    .option('--job <name>', 'run only this job of the config file (repeat for more)', collect, [])
    .addHelpText('after', '\nExamples:\n  $ upkeep backup run --repo /var/backups/www /var/www\n  $ upkeep backup run --job www')
    .action(
      action(async (paths: string[], opts: RepoOptions & { tag: string[]; config: string; job: string[] }) => {
        if (opts.repo === undefined && paths.length > 0) throw new AppError('invalid_input', 'name the repository to back up into with --repo');
        if (opts.repo !== undefined && paths.length === 0) throw new AppError('invalid_input', 'name the files and folders to back up after the options');
        return opts.repo === undefined ? runJobs(opts) : runPaths(paths, opts);
      }),
    );

  repoOptions(backup.command('list').description('List snapshots, oldest first.'), true)
    .addHelpText('after', '\nExamples:\n  $ upkeep backup list --repo /var/backups/www')
    .action(
      action(async (opts: RepoOptions) =>
        withRepository(opts, false, async (repo) => {
          const snapshots = await listSnapshots(repo);
          for (const s of snapshots)
            process.stdout.write(`${short(s.id)}  ${s.time}  ${s.hostname ?? ''}  ${s.paths.join(' ')}${s.tags ? `  [${s.tags.join(', ')}]` : ''}\n`);
          process.stdout.write(`${snapshots.length} snapshot${snapshots.length === 1 ? '' : 's'}\n`);
        }),
      ),
    );

  repoOptions(backup.command('restore').description("Restore a snapshot (or 'latest') below a folder, in restic's layout."), true)
    .argument('<snapshot>', "snapshot id, its first characters, or 'latest'")
    .requiredOption('-t, --target <dir>', 'folder to restore into')
    .option('--include <path>', 'restore only this path of the snapshot')
    .addHelpText(
      'after',
      '\nExamples:\n  $ upkeep backup restore --repo /var/backups/www latest --target /tmp/restore\n  $ upkeep backup restore -r s3:https://s3.example.com/backups 1a2b3c4d -t /srv --include /var/www/uploads',
    )
    .action(
      action(async (ref: string, opts: RepoOptions & { target: string; include?: string }) =>
        withRepository(opts, false, async (repo) => {
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
        }),
      ),
    );

  repoOptions(backup.command('verify').description('Check the structure and read a share of the data in full (--read-data: all of it).'), true)
    .option('--read-data-percent <n>', 'percent of packs to read in full', percent, 10)
    .option('--read-data', 'read every pack')
    .addHelpText('after', '\nExamples:\n  $ upkeep backup verify --repo /var/backups/www\n  $ upkeep backup verify --repo /var/backups/www --read-data')
    .action(
      action(async (opts: RepoOptions & { readDataPercent: number; readData?: boolean }) =>
        withRepository(opts, false, async (repo) => {
          const readDataFraction = opts.readData ? 1 : opts.readDataPercent / 100;
          const report = await withLock(repo, false, () => verifyRepository(repo, { readDataFraction }));
          for (const error of report.errors) process.stderr.write(`${error}\n`);
          const summary = `${report.snapshots} snapshots, ${report.packs} packs, ${report.packsRead} read in full`;
          process.stdout.write(`${report.ok ? 'no errors were found' : `${report.errors.length} errors`}: ${summary}\n`);
          return report.ok ? 0 : 1;
        }),
      ),
    );

  repoOptions(backup.command('forget').description("Remove snapshots by restic's keep rules, grouped by host and paths."), true)
    .option('--keep-last <n>', 'keep the newest n', count)
    .option('--keep-hourly <n>', 'keep one per hour for n hours', count)
    .option('--keep-daily <n>', 'keep one per day for n days', count)
    .option('--keep-weekly <n>', 'keep one per week for n weeks', count)
    .option('--keep-monthly <n>', 'keep one per month for n months', count)
    .option('--keep-yearly <n>', 'keep one per year for n years', count)
    .option('--keep-within <duration>', 'keep every snapshot this much younger than the newest, like 7d', parseDurationOption)
    .option('--prune', 'also delete the data no snapshot needs any more')
    .addHelpText('after', '\nExamples:\n  $ upkeep backup forget --repo /var/backups/www --keep-daily 7 --keep-weekly 4 --prune')
    .action(
      action(async (opts: ForgetOptions) => {
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
      }),
    );
}
