import type { Command } from 'commander';
import { action, DEFAULT_CONFIG, DEFAULT_DATA_DIR } from '../run.js';

export interface UpdatesOptions {
  spec?: string;
  approvedBy?: string;
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
      .option(
        '--spec <file>',
        "a run of your own instead of the site's pending updates: SSH target, pages to check, update steps, rollback (YAML or JSON; see docs/updates.md)",
      )
      .option('-c, --config <file>', "config file with the site's backup jobs and Chromium settings", DEFAULT_CONFIG)
      .option('-d, --data-dir <dir>', 'data directory (database, screenshots of runs)', DEFAULT_DATA_DIR)
      .option('--json', 'print as JSON');

  common(
    updates
      .command('plan <site>')
      .description(
        "Read the site's inventory over SSH, show the run the server would make of its pending updates (its updates.sites entry and policy), check the tools its steps need, and list what is outdated or vulnerable now.",
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ upkeep updates plan "Example shop"
  $ upkeep updates plan "Example shop" --json
  $ upkeep updates plan "Example shop" --spec update-plugins.yaml`,
    )
    .action(action(async (site: string, opts: UpdatesOptions) => (await import('./updates.action.js')).plan(site, opts)));

  common(
    updates
      .command('run <site>')
      .description(
        "Update the site's pending updates safely, as the server would (approved by its policy); exit 0 when it succeeded (or waits for its window), 1 when it was rolled back or failed.",
      ),
  )
    .option('--dry-run', 'check everything a run needs (config, backup jobs, SSH, tools) and print the plan; change nothing')
    .option(
      '--approved-by <email>',
      "when the site's policy needs a person's approval: the account approving this run (one of the policy's people, or an admin)",
    )
    .addHelpText(
      'after',
      `
Examples:
  $ upkeep updates run "Example shop" --dry-run
  $ upkeep updates run "Example shop"
  $ upkeep updates run "Example shop" --approved-by ops@agency.example
  $ upkeep updates run "Example shop" --spec update-plugins.yaml`,
    )
    .action(action(async (site: string, opts: UpdatesOptions) => (await import('./updates.action.js')).run(site, opts)));
}
