import type { Command } from 'commander';
import { formatDuration } from '../../config/duration.js';
import { action, DEFAULT_DATA_DIR, parseDurationOption, withCore } from '../run.js';

/** `status export`: a static copy of a status page, once or on a schedule. */
export function register(program: Command): void {
  const status = program.command('status').description('Status pages.');
  status
    .command('export')
    .argument('<slug>', 'the page to export')
    .argument('<dir>', 'where to write it (index.html, page.css, summary.json, rss.xml, atom.xml, maintenance.ics, embed.json)')
    .description('Write a self-contained static copy of a status page, for hosting that stays up when this server is down.')
    .option('-d, --data-dir <dir>', 'data directory (SQLite); UPKEEP_DATABASE_URL selects PostgreSQL', DEFAULT_DATA_DIR)
    .option('--url <url>', 'where the copy will be served, for absolute links in feeds and JSON')
    .option('--every <duration>', 'keep running and refresh the copy this often, e.g. 1m', parseDurationOption)
    .addHelpText(
      'after',
      '\nExamples:\n  $ upkeep status export acme ./public/status\n  $ upkeep status export acme /var/www/status --url https://status.acme.com --every 1m',
    )
    .action(
      action(async (slug: string, dir: string, opts: { dataDir: string; url?: string; every?: number }) => {
        const { exportStatic } = await import('../../status-pages/static-export.js');
        const once = async () => {
          const result = await withCore(opts.dataDir, (core) => exportStatic(core, slug, dir, opts.url));
          process.stdout.write(`${new Date().toISOString()} wrote ${result.files.length} files (${(result.bytes / 1024).toFixed(1)} kB) to ${dir}\n`);
        };
        await once();
        if (opts.every === undefined) return;
        process.stdout.write(`refreshing every ${formatDuration(opts.every)}; stop with Ctrl-C\n`);
        for (;;) {
          await new Promise((r) => setTimeout(r, opts.every));
          // A failed refresh keeps the last good copy and tries again next time.
          await once().catch((err: unknown) => process.stderr.write(`upkeep: refresh failed: ${(err as Error).message}\n`));
        }
      }),
    );
}
