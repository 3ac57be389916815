import { InvalidArgumentError, type Command } from 'commander';
import type { RetentionPolicy } from '../../backups/retention.js';
import { action, DEFAULT_CONFIG, parseDurationOption } from '../run.js';

export interface RepoOptions {
  repo?: string;
  passwordFile?: string;
  sshKey?: string;
  sshHostKey?: string;
  knownHosts?: string;
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

export type ForgetOptions = RepoOptions & Omit<RetentionPolicy, 'keepTags'> & { prune?: boolean };

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
    .hook('preAction', async () => {
      const { onHostKeyPinned } = await import('../../backups/known-hosts.js');
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
      action(async (paths: string[], opts: RepoOptions & { tag: string[]; config: string; job: string[] }) =>
        (await import('./backup.action.js')).backupRun(paths, opts),
      ),
    );

  repoOptions(backup.command('list').description('List snapshots, oldest first.'), true)
    .addHelpText('after', '\nExamples:\n  $ upkeep backup list --repo /var/backups/www')
    .action(action(async (opts: RepoOptions) => (await import('./backup.action.js')).backupList(opts)));

  repoOptions(backup.command('restore').description("Restore a snapshot (or 'latest') below a folder, in restic's layout."), true)
    .argument('<snapshot>', "snapshot id, its first characters, or 'latest'")
    .requiredOption('-t, --target <dir>', 'folder to restore into')
    .option('--include <path>', 'restore only this path of the snapshot')
    .addHelpText(
      'after',
      '\nExamples:\n  $ upkeep backup restore --repo /var/backups/www latest --target /tmp/restore\n  $ upkeep backup restore -r s3:https://s3.example.com/backups 1a2b3c4d -t /srv --include /var/www/uploads',
    )
    .action(
      action(async (ref: string, opts: RepoOptions & { target: string; include?: string }) => (await import('./backup.action.js')).backupRestore(ref, opts)),
    );

  repoOptions(backup.command('verify').description('Check the structure and read a share of the data in full (--read-data: all of it).'), true)
    .option('--read-data-percent <n>', 'percent of packs to read in full', percent, 10)
    .option('--read-data', 'read every pack')
    .addHelpText('after', '\nExamples:\n  $ upkeep backup verify --repo /var/backups/www\n  $ upkeep backup verify --repo /var/backups/www --read-data')
    .action(action(async (opts: RepoOptions & { readDataPercent: number; readData?: boolean }) => (await import('./backup.action.js')).backupVerify(opts)));

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
    .action(action(async (opts: ForgetOptions) => (await import('./backup.action.js')).backupForget(opts)));
}
