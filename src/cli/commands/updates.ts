import type { Command } from 'commander';
import { action, DEFAULT_CONFIG, DEFAULT_DATA_DIR } from '../run.js';

export interface UpdatesOptions {
  spec: string;
  config: string;
  dataDir: string;
  json?: boolean;
  dryRun?: boolean;
}

/** `updates plan|run <site>`: safe update runs from the command line (docs/updates.md). */
export function register(program: Command): void {
  const updates = program.command('updates').description('Safe updates of a site: backup, screenshots, update over SSH, verify, roll back on failure.');
  const common = (cmd: Command) =>
    cmd
      .requiredOption('--spec <file>', 'the run: SSH target, pages to check, update steps, rollback (YAML or JSON; see docs/updates.md)')
      .option('-c, --config <file>', "config file with the site's backup jobs and Chromium settings", DEFAULT_CONFIG)
      .option('-d, --data-dir <dir>', 'data directory (database, screenshots of runs)', DEFAULT_DATA_DIR)
      .option('--json', 'print as JSON');

  common(
    updates
      .command('plan <site>')
      .description('Show what a run would do, check the tools its steps need over SSH, and list what is outdated or vulnerable now.'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ upkeep updates plan "Example shop" --spec update-plugins.yaml
  $ upkeep updates plan "Example shop" --spec update-plugins.yaml --json`,
    )
    .action(action(async (site: string, opts: UpdatesOptions) => (await import('./updates.action.js')).plan(site, opts)));

  common(updates.command('run <site>').description('Run the update safely; exit 0 when it succeeded, 1 when it was rolled back or failed.'))
    .option('--dry-run', 'check everything a run needs (config, backup jobs, SSH, tools) and print the plan; change nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ upkeep updates run "Example shop" --spec update-plugins.yaml --dry-run
  $ upkeep updates run "Example shop" --spec update-plugins.yaml`,
    )
    .action(action(async (site: string, opts: UpdatesOptions) => (await import('./updates.action.js')).run(site, opts)));
}
