import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AppError } from '../../lib/errors.js';
import { action, DEFAULT_DATA_DIR, withCore } from '../run.js';

interface ReportOptions {
  team?: string;
  site?: string;
  month: string;
  timezone: string;
  language?: string;
  html?: string;
  pdf?: string;
  chromium: string;
  chromiumUser: string;
  dataDir: string;
}

/** `report`: the monthly report of a team (client) or a site, as HTML and, with --pdf, printed by Chromium. */
export function register(program: Command): void {
  program
    .command('report')
    .description(
      "A month's report for a team (its sites) or one site: goals, uptime and response times, incidents, maintenance, updates, backups, audits, recommended actions.",
    )
    .requiredOption('--month <YYYY-MM>', 'the calendar month, e.g. 2026-11')
    .option('--team <name>', 'the team (client) whose sites to report on')
    .option('--site <name>', 'one site')
    .option('--timezone <zone>', 'the time zone the month is in', 'UTC')
    .option('--language <en|sv|de>', "the report's language (default: its schedule's in upkeep.yaml reports:, else en)")
    .option('--html <file>', 'write the HTML here (default: standard output, unless --pdf is given)')
    .option('--pdf <file>', 'also print it to this PDF with Chromium')
    .option('--chromium <path>', 'the Chromium binary', '/usr/bin/chromium')
    .option('--chromium-user <user>', 'who Chromium runs as when upkeep runs as root', 'nobody')
    .option('-d, --data-dir <dir>', 'data directory (SQLite); UPKEEP_DATABASE_URL selects PostgreSQL', DEFAULT_DATA_DIR)
    .addHelpText(
      'after',
      '\nExamples:\n  $ upkeep report --team "Client A" --month 2026-11 --pdf client-a-2026-11.pdf\n  $ upkeep report --site Shop --month 2026-11 > shop.html',
    )
    .action(
      action(async (opts: ReportOptions) => {
        // Loaded when used: Chromium printing and the report's modules stay out of every other command's start-up.
        const { makeReport } = await import('../../reports/index.js');
        const { languages } = await import('../../reports/messages.js');
        const language = languages.find((l) => l === opts.language);
        if (opts.language !== undefined && !language)
          throw new AppError('invalid_input', `--language: expected one of ${languages.join(', ')}, got "${opts.language}"`);
        const request = { team: opts.team, site: opts.site, month: opts.month, timezone: opts.timezone, language };
        const out = await withCore(opts.dataDir, (core) =>
          makeReport(core, request, opts.pdf ? { chromium: opts.chromium, user: opts.chromiumUser } : undefined),
        );
        if (opts.html) await writeFile(opts.html, out.html);
        else if (!opts.pdf) process.stdout.write(out.html);
        if (opts.pdf && out.pdf) {
          await writeFile(opts.pdf, out.pdf);
          process.stderr.write(`wrote ${opts.pdf} (${(out.pdf.length / 1024).toFixed(1)} kB)\n`);
        }
      }),
    );
}
