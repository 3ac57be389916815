import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { AppError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/logger.js';
import { forgetSnapshots, openRepository } from '../../backups/backup.service.js';
import type { RepositoryConfig } from '../../backups/config.js';
import { ProgressTracker } from '../../backups/progress.js';
import { withLock } from '../../backups/repository/locks.js';
import { findSnapshot, listSnapshots } from '../../backups/repository/snapshots.js';
import { restoreTree } from '../../backups/restore.js';
import { snapshotPaths } from '../../backups/snapshot-writer.js';
import { verifyRepository } from '../../backups/verify.js';
import { action } from '../run.js';

interface RepoOptions {
  repo: string;
  passwordFile?: string;
}

/** The password comes from UPKEEP_BACKUP_PASSWORD or a key file, never from the command line (ps shows it). */
function repositoryConfig(opts: RepoOptions): RepositoryConfig {
  const password = process.env.UPKEEP_BACKUP_PASSWORD;
  if (opts.passwordFile) return { backend: { kind: 'local', path: opts.repo }, passwordFile: opts.passwordFile };
  if (!password) throw new AppError('invalid_input', 'set UPKEEP_BACKUP_PASSWORD or pass --password-file');
  return { backend: { kind: 'local', path: opts.repo }, password };
}

function progressBar(): { tracker: ProgressTracker; stop(): void } {
  const bar = new SingleBar({
    format: '{bar} {percentage}% | {value}/{total} MiB | {files} files | {rate} MiB/s | ETA {eta_formatted}',
    stream: process.stderr,
  });
  let started = false;
  const tracker = new ProgressTracker((p) => {
    const mib = (n: number): number => Math.round(n / 1048576);
    if (!started) bar.start(Math.max(1, mib(p.bytesTotal)), 0, { files: 0, rate: 0 });
    started = true;
    bar.setTotal(Math.max(1, mib(p.bytesTotal)));
    bar.update(mib(p.bytesDone), { files: `${p.filesDone}/${p.filesTotal}`, rate: (p.bytesPerSecond / 1048576).toFixed(1) });
  });
  return { tracker, stop: () => started && bar.stop() };
}

/** `upkeep backup run|list|restore|verify|forget` on a restic-format repository in a local folder. */
export function register(program: Command): void {
  const backup = program.command('backup').description('Back up, list, restore, verify and thin out restic-format repositories.');
  const repoOption = (cmd: Command): Command =>
    cmd.requiredOption('-r, --repo <dir>', 'repository folder').option('--password-file <file>', 'read the password from this file');
  const log = silentLogger();

  repoOption(backup.command('run').description('Back up paths (the repository is created on first use).').argument('<paths...>'))
    .option('--tag <tag...>', 'tags for the snapshot')
    .action(
      action(async (paths: string[], opts: RepoOptions & { tag?: string[] }) => {
        const repo = await openRepository(repositoryConfig(opts), true);
        const { tracker, stop } = progressBar();
        const result = await snapshotPaths(repo, paths, { log, progress: tracker, tags: opts.tag ?? [] }).finally(stop);
        const p = tracker.finish();
        process.stdout.write(
          `snapshot ${result.snapshotId.slice(0, 8)} saved: ${result.stats.filesNew} new, ${result.stats.filesChanged} changed, ${result.stats.filesUnmodified} unmodified files; ${result.stats.bytesAdded} bytes added; ${(p.bytesPerSecond / 1048576).toFixed(1)} MiB/s\n`,
        );
      }),
    );

  repoOption(backup.command('list').description('List snapshots, oldest first.')).action(
    action(async (opts: RepoOptions) => {
      const repo = await openRepository(repositoryConfig(opts), false);
      for (const s of await listSnapshots(repo))
        process.stdout.write(`${s.id.slice(0, 8)}  ${s.time}  ${s.hostname ?? ''}  ${s.paths.join(' ')}${s.tags ? `  [${s.tags.join(',')}]` : ''}\n`);
    }),
  );

  repoOption(backup.command('restore').description("Restore a snapshot (or 'latest') under a folder, in restic's layout.").argument('<snapshot>'))
    .requiredOption('-t, --target <dir>', 'folder to restore into')
    .option('--include <path>', 'restore only this path of the snapshot')
    .action(
      action(async (ref: string, opts: RepoOptions & { target: string; include?: string }) => {
        const repo = await openRepository(repositoryConfig(opts), false);
        const snapshot = await findSnapshot(repo, ref);
        const stats = await withLock(repo, false, () =>
          restoreTree(repo, snapshot.tree, opts.target, { log, ...(opts.include ? { include: opts.include } : {}) }),
        );
        process.stdout.write(`restored ${stats.files} files, ${stats.dirs} folders, ${stats.symlinks} links (${stats.bytes} bytes) to ${opts.target}\n`);
        for (const refused of stats.refused) process.stderr.write(`refused ${refused}\n`);
        return stats.refused.length > 0 ? 1 : 0;
      }),
    );

  repoOption(backup.command('verify').description('Check the structure and read a share of the data (--read-data for all).'))
    .option('--read-data-percent <n>', 'percent of packs to read in full', '10')
    .option('--read-data', 'read every pack')
    .action(
      action(async (opts: RepoOptions & { readDataPercent: string; readData?: boolean }) => {
        const repo = await openRepository(repositoryConfig(opts), false);
        const report = await withLock(repo, false, () => verifyRepository(repo, { readDataFraction: opts.readData ? 1 : Number(opts.readDataPercent) / 100 }));
        for (const error of report.errors) process.stderr.write(`${error}\n`);
        process.stdout.write(
          `${report.ok ? 'no errors were found' : `${report.errors.length} errors`}: ${report.snapshots} snapshots, ${report.packs} packs, ${report.packsRead} read in full\n`,
        );
        return report.ok ? 0 : 1;
      }),
    );

  repoOption(backup.command('forget').description("Remove snapshots by restic's keep rules, grouped by host and paths."))
    .option('--keep-last <n>', 'keep the newest n', Number)
    .option('--keep-hourly <n>', 'keep one per hour for n hours', Number)
    .option('--keep-daily <n>', 'keep one per day for n days', Number)
    .option('--keep-weekly <n>', 'keep one per week for n weeks', Number)
    .option('--keep-monthly <n>', 'keep one per month for n months', Number)
    .option('--keep-yearly <n>', 'keep one per year for n years', Number)
    .option('--prune', 'also delete the data no snapshot needs')
    .action(
      action(
        async (
          opts: RepoOptions & {
            keepLast?: number;
            keepHourly?: number;
            keepDaily?: number;
            keepWeekly?: number;
            keepMonthly?: number;
            keepYearly?: number;
            prune?: boolean;
          },
        ) => {
          const repo = await openRepository(repositoryConfig(opts), false);
          const { prune: wantPrune, repo: _repo, passwordFile: _file, ...policy } = opts;
          const result = await forgetSnapshots(repo, policy, Boolean(wantPrune), log);
          process.stdout.write(`removed ${result.removed.length} snapshots${result.prune ? `, freed ${result.prune.bytesFreed} bytes` : ''}\n`);
        },
      ),
    );
}
