import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readEnvironment } from '../../config/env.js';
import { action, DEFAULT_CONFIG, DEFAULT_DATA_DIR, readConfigOption, withCore } from '../run.js';

/** `validate`, `apply`, `export` and `schema`: the config-as-code commands. */
export function register(program: Command): void {
  program
    .command('validate')
    .description('Check a config file without touching the database; every problem is shown as file:line:column field: message.')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .addHelpText('after', '\nExamples:\n  $ upkeep validate\n  $ UPKEEP_WEBHOOK_SECRET=… upkeep validate --config examples/upkeep.yaml')
    .action(
      action(async (opts: { config: string }) => {
        const loaded = (await readConfigOption(opts.config, readEnvironment(), true))!;
        const { sites, channels, backups } = loaded.config;
        const monitors = sites.reduce((n, s) => n + s.monitors.length, 0);
        const jobs = backups ? `, ${backups.jobs.length} backup job(s)` : '';
        process.stdout.write(`${loaded.file} is valid: ${sites.length} site(s), ${monitors} monitor(s), ${channels.length} channel(s)${jobs}\n`);
      }),
    );

  program
    .command('apply')
    .description('Sync the config file into the database by stable names and print what changed (create / update / delete).')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('-d, --data-dir <dir>', 'data directory (SQLite); UPKEEP_DATABASE_URL selects PostgreSQL', DEFAULT_DATA_DIR)
    .option('--dry-run', 'show the plan without writing anything')
    .addHelpText(
      'after',
      '\nObjects made in the API are kept unless the file names them.\n\nExamples:\n  $ upkeep apply --dry-run\n  $ upkeep apply --config sites/acme.yaml',
    )
    .action(
      action(async (opts: { config: string; dataDir: string; dryRun?: boolean }) => {
        const loaded = (await readConfigOption(opts.config, readEnvironment(), true))!;
        const dryRun = Boolean(opts.dryRun);
        const plan = await withCore(opts.dataDir, (core) => core.sync.apply(loaded, { dryRun }));
        const { formatPlan } = await import('../../config/apply.js');
        process.stdout.write(`${formatPlan(plan, dryRun)}\n`);
      }),
    );

  program
    .command('export')
    .description('Write the database out as upkeep.yaml, objects made in the API included.')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('-d, --data-dir <dir>', 'data directory (SQLite); UPKEEP_DATABASE_URL selects PostgreSQL', DEFAULT_DATA_DIR)
    .option('--include-secrets', 'write secrets in clear instead of ${UPKEEP_SECRET_…} references')
    .addHelpText('after', '\nExamples:\n  $ upkeep export > upkeep.yaml\n  $ upkeep export --output backup.yaml --include-secrets')
    .action(
      action(async (opts: { output?: string; dataDir: string; includeSecrets?: boolean }) => {
        const result = await withCore(opts.dataDir, (core) => core.exportConfig({ includeSecrets: Boolean(opts.includeSecrets) }));
        if (opts.output) await writeFile(opts.output, result.yaml, { mode: opts.includeSecrets ? 0o600 : 0o644 });
        else process.stdout.write(result.yaml);
        if (result.secretVariables.length) {
          process.stderr.write('Secrets were not written; set these variables before applying the file:\n');
          for (const v of result.secretVariables) process.stderr.write(`  ${v.name}  (${v.holds})\n`);
        }
      }),
    );

  program
    .command('schema')
    .description('Print the JSON Schema of upkeep.yaml, for editor completion (e.g. the YAML extension of VS Code).')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .addHelpText(
      'after',
      '\nExamples:\n  $ upkeep schema --output upkeep.schema.json\n  then start upkeep.yaml with: # yaml-language-server: $schema=./upkeep.schema.json',
    )
    .action(
      action(async (opts: { output?: string }) => {
        const { configJsonSchema } = await import('../../config-file.js');
        const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
        if (opts.output) await writeFile(opts.output, text);
        else process.stdout.write(text);
      }),
    );
}
