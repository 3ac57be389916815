import type { Command } from 'commander';
import { formatPlan } from '../../config/apply.js';
import { readEnvironment } from '../../config/env.js';
import { importers } from '../../import/index.js';
import { envFileFor, renderImport, writeImport } from '../../import/import.service.js';
import type { CommonImportOptions, Importer } from '../../import/importer.js';
import { action, DEFAULT_DATA_DIR, withCore } from '../run.js';

interface OutputOptions extends CommonImportOptions {
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

/** Reads the source, prints the plan and what was not imported, writes the files and applies them if asked. */
async function runImport<O extends CommonImportOptions>(importer: Importer<O>, input: string, opts: OutputOptions & O): Promise<void> {
  const env = readEnvironment();
  const result = await importer.read(input, { ...opts, env: env.vars });
  const outcome = renderImport(result, input, opts.output, env.vars);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (opts.dryRun) {
    out(`Plan (dry run, nothing written): ${outcome.report}`);
    if (opts.apply) out(formatPlan(await withCore(opts.dataDir, (core) => core.sync.apply(outcome.loaded, { dryRun: true })), true));
    return;
  }
  const files = await writeImport(outcome, opts.output, Boolean(opts.force));
  out(`Imported from ${outcome.report}`);
  out(
    `Wrote ${files.join(' and ')}${files.length > 1 ? ` (${result.draft.secrets.size} secret(s), readable by you only: keep it out of version control)` : ''}.`,
  );
  if (opts.apply) {
    const plan = await withCore(opts.dataDir, (core) => core.sync.apply(outcome.loaded, { dryRun: false }));
    out(formatPlan(plan, false));
  } else {
    const envFile = envFileFor(opts.output);
    out(`Apply it with:\n  ${files.length > 1 ? `set -a; . ${envFile}; set +a; ` : ''}upkeep apply --config ${opts.output}`);
  }
}

/** `import kuma`, `import healthchecks` and `import gatus`: other tools' monitors, channels and pages as upkeep.yaml. */
export function register(program: Command): void {
  const group = program
    .command('import')
    .description('Bring monitors, notification channels, maintenance windows and status pages over from another tool as upkeep.yaml.');

  withOutputOptions(group.command('kuma <source>').description(`Import from ${importers.kuma.describe}.`))
    .addHelpText(
      'after',
      '\nGroups become sites; types Upkeep has no counterpart for are listed with the reason.\n\nExamples:\n  $ upkeep import kuma /var/lib/uptime-kuma/kuma.db --dry-run\n  $ upkeep import kuma Uptime_Kuma_Backup.json --output sites/kuma.yaml\n  $ upkeep import kuma kuma.db --apply',
    )
    .action(action(async (source: string, opts: OutputOptions) => runImport(importers.kuma, source, opts)));

  withOutputOptions(group.command('healthchecks').description(`Import from ${importers.healthchecks.describe}.`))
    .option('--url <url>', 'the Healthchecks instance', 'https://healthchecks.io')
    .option('--api-key-env <name>', 'the environment variable holding a project API key (read-only keys work)', 'HEALTHCHECKS_API_KEY')
    .option('--allow-private', 'allow a Healthchecks instance on a loopback or private address')
    .addHelpText(
      'after',
      '\nExamples:\n  $ HEALTHCHECKS_API_KEY=… upkeep import healthchecks --dry-run\n  $ HEALTHCHECKS_API_KEY=… upkeep import healthchecks --url https://hc.example.com --site Backups',
    )
    .action(
      action(async (opts: OutputOptions & { url: string; apiKeyEnv: string; allowPrivate?: boolean }) =>
        runImport(importers.healthchecks, opts.url, { ...opts, apiKey: readEnvironment().vars[opts.apiKeyEnv] }),
      ),
    );

  withOutputOptions(group.command('gatus <config>').description(`Import from ${importers.gatus.describe}.`))
    .addHelpText('after', '\nExamples:\n  $ upkeep import gatus config/config.yaml --dry-run')
    .action(action(async (config: string, opts: OutputOptions) => runImport(importers.gatus, config, opts)));
}
