import type { Command } from 'commander';
import { action, DEFAULT_DATA_DIR } from '../run.js';

export interface InventoryOptions {
  json?: boolean;
  allowPrivate?: boolean;
  resolve: string[];
  refresh?: boolean;
  dataDir: string;
  ssh?: string;
  sshKey?: string;
  sshHostKey?: string;
  knownHosts?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `inventory <url>`: what a site runs, seen from outside, with what Upkeep knows of each part. */
export function register(program: Command): void {
  program
    .command('inventory <url>')
    .description(
      'List what a website runs, seen from outside (CMS, plugins, themes, JavaScript libraries, server) and with --ssh from inside (files, OS packages, runtimes), with outdated, end-of-life and vulnerable parts.',
    )
    .option('--json', 'print { url, knowledge, components } as JSON')
    .option('--allow-private', 'allow loopback and private addresses (refused by default, like network.allowPrivateTargets)')
    .option('--resolve <host:address>', 'answer this host name with this address, like curl --resolve (repeatable)', collect, [])
    .option('--refresh', 'first refresh the knowledge from the live sources (endoflife.date, OSV, WordPress.org, registries) and keep it in the data directory')
    .option('-d, --data-dir <dir>', 'data directory: where a refreshed copy of the knowledge is kept', DEFAULT_DATA_DIR)
    .option(
      '--ssh <user@host:/path>',
      "also read inside, over SSH: the site's folder (WordPress, lock files), the OS packages and the runtimes (read-only access is enough)",
    )
    .option('--ssh-key <file>', 'private key for --ssh (default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa)')
    .option('--ssh-host-key <sha256>', "the SSH server's host key fingerprint, as ssh-keygen -lf prints it; checked when given")
    .option('--known-hosts <file>', 'without --ssh-host-key: where the host key is pinned on first use (default: ~/.ssh/upkeep_known_hosts)')
    .addHelpText(
      'after',
      `
Works offline from the snapshot Upkeep ships (its age is printed); --refresh brings it up to date.

Examples:
  $ upkeep inventory https://example.com/
  $ upkeep inventory https://example.com/ --json > inventory.json
  $ upkeep inventory https://example.com/ --ssh deploy@web1:/var/www/shop --ssh-key ~/.ssh/upkeep`,
    )
    .action(action(async (url: string, opts: InventoryOptions) => (await import('./inventory.action.js')).runInventory(url, opts)));
}
