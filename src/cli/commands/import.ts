import type { Command } from 'commander';
import { sourceDescriptions, type CommonImportOptions } from '../../import/importer.js';
import { action, DEFAULT_DATA_DIR } from '../run.js';

export interface OutputOptions extends CommonImportOptions {
  output: string;
  dryRun?: boolean;
  apply?: boolean;
  force?: boolean;
  dataDir: string;
}

function withOutputOptions(command: Command): Command {
  return command
    .option('-o, --output <file>', 'the upkeep.yaml to write (secrets go to the .env file beside it)', './upkeep.yaml')
    .option('--dry-run', 'print the plan and what is not imported; write nothing')
    .option('--apply', 'also apply the result to the database (secrets are sealed there)')
    .option('-d, --data-dir <dir>', 'data directory for --apply (SQLite); UPKEEP_DATABASE_URL selects PostgreSQL', DEFAULT_DATA_DIR)
    .option('--site <name>', 'the site for monitors that belong to no group', undefined)
    .option('--force', 'replace the output files if they exist');
}

const run = () => import('./import.action.js');

/** `import kuma`, `import healthchecks` and `import gatus`: other tools' monitors, channels and pages as upkeep.yaml. */
export function register(program: Command): void {
  const group = program
    .command('import')
    .description('Bring monitors, notification channels, maintenance windows and status pages over from another tool as upkeep.yaml.');

  withOutputOptions(group.command('kuma <source>').description(`Import from ${sourceDescriptions.kuma}.`))
    .addHelpText(
      'after',
      '\nGroups become sites; types Upkeep has no counterpart for are listed with the reason.\n\nExamples:\n  $ upkeep import kuma /var/lib/uptime-kuma/kuma.db --dry-run\n  $ upkeep import kuma Uptime_Kuma_Backup.json --output sites/kuma.yaml\n  $ upkeep import kuma kuma.db --apply',
    )
    .action(action(async (source: string, opts: OutputOptions) => (await run()).importKuma(source, opts)));

  withOutputOptions(group.command('healthchecks').description(`Import from ${sourceDescriptions.healthchecks}.`))
    .option('--url <url>', 'the Healthchecks instance', 'https://healthchecks.io')
    .option('--api-key-env <name>', 'the environment variable holding a project API key (read-only keys work)', 'HEALTHCHECKS_API_KEY')
    .option('--allow-private', 'allow a Healthchecks instance on a loopback or private address')
    .addHelpText(
      'after',
      '\nExamples:\n  $ HEALTHCHECKS_API_KEY=… upkeep import healthchecks --dry-run\n  $ HEALTHCHECKS_API_KEY=… upkeep import healthchecks --url https://hc.example.com --site Backups',
    )
    .action(action(async (opts: OutputOptions & { url: string; apiKeyEnv: string; allowPrivate?: boolean }) => (await run()).importHealthchecks(opts)));

  withOutputOptions(group.command('gatus <config>').description(`Import from ${sourceDescriptions.gatus}.`))
    .addHelpText('after', '\nExamples:\n  $ upkeep import gatus config/config.yaml --dry-run')
    .action(action(async (config: string, opts: OutputOptions) => (await run()).importGatus(config, opts)));
}
