import type { Command } from 'commander';
import { action } from '../run.js';
import type { RepoOptions } from './backup.js';

/** `upkeep restore-self`: a self-backup (backups.self) into a fresh data folder. */
export function register(program: Command): void {
  program
    .command('restore-self')
    .description("Restore Upkeep's own backup (backups.self: database, secret key, config) into a new, empty data folder.")
    .requiredOption('-r, --repo <location>', 'the repository of backups.self: a folder, s3:… or sftp:…')
    .option('--snapshot <id>', 'the snapshot to restore (an id, a unique prefix, or latest)', 'latest')
    .requiredOption('-d, --data-dir <dir>', 'the data folder to make; it must be new or empty')
    .option('--password-file <file>', 'read the password from this file instead of UPKEEP_BACKUP_PASSWORD')
    .option('--ssh-key <file>', 'private key for sftp: repositories')
    .option('--ssh-host-key <sha256>', "the SFTP server's host key fingerprint; checked when given")
    .option('--known-hosts <file>', 'without --ssh-host-key: where the host key is pinned on first use')
    .addHelpText(
      'after',
      `
Then start Upkeep on it: upkeep start --data-dir <dir> --config <dir>/upkeep.yaml
With PostgreSQL the dump is <dir>/upkeep.sql: load it with psql into an empty database first.

Examples:
  $ UPKEEP_BACKUP_PASSWORD=… upkeep restore-self --repo /var/backups/upkeep --data-dir /var/lib/upkeep-restored
  $ upkeep restore-self --repo sftp:backup@host:/srv/upkeep --snapshot 4f2a91c0 --data-dir ./data --password-file key.txt`,
    )
    .action(action(async (opts: RepoOptions & { snapshot: string; dataDir: string }) => (await import('./backup.action.js')).backupRestoreSelf(opts)));
}
