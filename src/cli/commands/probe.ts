import { join } from 'node:path';
import type { Command } from 'commander';
import { readEnvironment } from '../../config/env.js';
import { AppError } from '../../lib/errors.js';
import { locationName } from '../../monitoring/locations.js';
import type { ProbesService } from '../../probes/probes.service.js';
import { createLogger } from '../../lib/logger.js';
import { action, DEFAULT_DATA_DIR, readConfigOption, withCore } from '../run.js';

/** `probe`: run a probe for a location; `probe add|list|revoke`: manage probes on the server's database. */
export function register(program: Command): void {
  const probe = program
    .command('probe')
    .description('Run checks for a location and send the results to an Upkeep server (a probe); or manage probes (add, list, revoke).')
    .option('--server <url>', 'the Upkeep server, like https://upkeep.example.com')
    .option('--token <token>', 'the probe token (upkeep probe add); better given as UPKEEP_PROBE_TOKEN, out of the process list')
    .option('--location <name>', 'the location this probe checks from, as the token was made for')
    .option('--ca <file...>', 'PEM files of private CAs to trust for the server (and for targets)')
    .option('--allow-private', 'let checks reach loopback and private addresses (a monitor’s allowPrivateTargets wins)')
    // Not --data-dir: the subcommands' option of that name (the server's database) would be taken by this command.
    .option('--buffer-dir <dir>', 'where unsent results are written down (probe-<location>.jsonl), so a restart loses none', DEFAULT_DATA_DIR)
    .addHelpText(
      'after',
      `
Examples:
  $ UPKEEP_PROBE_TOKEN=upp_… upkeep probe --server https://upkeep.example.com --location eu-north
  $ upkeep probe add stockholm-1 eu-north --config upkeep.yaml   # prints the token once
  $ upkeep probe list
  $ upkeep probe revoke stockholm-1`,
    )
    .action(
      action(async (opts: { server?: string; token?: string; location?: string; ca?: string[]; allowPrivate?: boolean; bufferDir: string }) => {
        const env = readEnvironment();
        const token = opts.token ?? env.vars.UPKEEP_PROBE_TOKEN;
        if (!opts.server || !opts.location || !token)
          throw new AppError('invalid_input', 'a probe needs --server, --location and a token (--token or UPKEEP_PROBE_TOKEN)');
        const [{ ProbeClient }, { readCaFiles }, { systemClock }, { version }] = await Promise.all([
          import('../../probes/client.js'),
          import('../../config/ca-files.js'),
          import('../../lib/clock.js'),
          import('../../app.js'),
        ]);
        const log = createLogger({ level: env.logLevel, pretty: env.logFormat === 'pretty' }).child({ location: opts.location });
        if (!locationName.safeParse(opts.location).success)
          throw new AppError('invalid_input', `--location "${opts.location}" is not a location name (lowercase letters, digits and dashes)`);
        const journal = join(opts.bufferDir, `probe-${opts.location}.jsonl`);
        const client = new ProbeClient({
          server: opts.server,
          token,
          location: opts.location,
          version,
          clock: systemClock,
          log,
          ca: readCaFiles(opts.ca),
          allowPrivateTargets: opts.allowPrivate ?? false,
          journal,
        });
        await client.start();
        log.info({ server: opts.server, run: client.run, journal, unsentFromBefore: client.counts.recovered }, 'probe started');
        for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void client.stop());
        const reason = await client.closed;
        if (reason !== 'stopped') throw new AppError('unauthorized', reason);
      }),
    );
  const admin = (sub: Command) =>
    sub
      .option('-c, --config <file>', 'the config file (its locations:)')
      .option('-d, --data-dir <dir>', 'data directory; UPKEEP_DATABASE_URL selects PostgreSQL', DEFAULT_DATA_DIR);
  const service = async (opts: { config?: string; dataDir: string }, fn: (s: ProbesService) => Promise<void>) => {
    const config = await readConfigOption(opts.config, readEnvironment(), opts.config !== undefined);
    const { ProbesService: Service } = await import('../../probes/probes.service.js');
    await withCore(opts.dataDir, (core) =>
      fn(new Service(core.storage.db, core.sites.monitorStore(), core.siteCodec, core.clock, config?.config.locations ?? [])),
    );
  };
  // The location is an argument: `--location` is the running probe's option.
  admin(probe.command('add <name> <location>').description('Make a probe for a declared location (of the config’s locations:); prints its token once.')).action(
    action(async (name: string, location: string, opts: { config?: string; dataDir: string }) =>
      service(opts, async (s) => {
        const made = await s.create({ name, location });
        process.stdout.write(`probe ${made.name} (${made.location}) made; its token, shown this once:\n${made.token}\n`);
      }),
    ),
  );
  admin(probe.command('list').description('Probes with their health: last seen, version, lag, results waiting and dropped.'))
    .option('--json', 'print JSON')
    .action(
      action(async (opts: { config?: string; dataDir: string; json?: boolean }) =>
        service(opts, async (s) => {
          const list = await s.list();
          if (opts.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          for (const p of list)
            process.stdout.write(
              `${p.name}\t${p.location}\t${p.health}\tlast seen ${p.lastSeenAt ?? 'never'}\tversion ${p.version ?? '-'}\tlag ${p.lagMs ?? '-'} ms\t` +
                `waiting ${p.backlog ?? '-'}\tdropped ${p.dropped ?? '-'}\n`,
            );
        }),
      ),
    );
  admin(probe.command('revoke <name>').description('Revoke a probe: its token is refused from now on.')).action(
    action(async (name: string, opts: { config?: string; dataDir: string }) =>
      service(opts, async (s) => {
        const found = (await s.list()).find((p) => p.name === name);
        if (!found) throw new AppError('not_found', `no probe is named "${name}"`);
        await s.revoke(found.id);
        process.stdout.write(`probe ${name} revoked\n`);
      }),
    ),
  );
}
