import type { Command } from 'commander';
import { readEnvironment } from '../../config/env.js';
import { boundHeapGrowth } from '../../lib/heap.js';
import { createLogger } from '../../lib/logger.js';
import { action, DEFAULT_DATA_DIR, parsePort, readConfigOption } from '../run.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('Run the Upkeep server: API, scheduler and dashboard. Applies the config file first when there is one.')
    .option('-c, --config <file>', 'config file to apply at start (default: ./upkeep.yaml when it exists)')
    .option('-p, --port <n>', 'port to listen on (default: server.port of the config, else 3000)', parsePort)
    .option('--host <address>', 'address to listen on (default: server.host of the config, else 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'where the SQLite database and the secret key live', DEFAULT_DATA_DIR)
    .option('--allow-private', 'allow checks and channels to reach loopback and private addresses (network.allowPrivateTargets)')
    .addHelpText(
      'after',
      `
Examples:
  $ upkeep start                                   # ./upkeep.yaml if present, data in ./data
  $ upkeep start --config examples/upkeep.yaml --port 8080
  $ UPKEEP_DATABASE_URL=postgres://upkeep@db/upkeep upkeep start   # PostgreSQL instead of SQLite`,
    )
    .action(
      action(async (opts: { config?: string; port?: number; host?: string; dataDir: string; allowPrivate?: boolean }) => {
        const env = readEnvironment();
        const config = await readConfigOption(opts.config, env, opts.config !== undefined);
        const logger = createLogger({ level: env.logLevel, pretty: env.logFormat === 'pretty' });
        boundHeapGrowth();
        const { closeOnSignals, startServer } = await import('../../main.js');
        const server = await startServer({
          dataDir: opts.dataDir,
          env,
          logger,
          config,
          port: opts.port ?? config?.config.server.port ?? 3000,
          host: opts.host ?? config?.config.server.host ?? '127.0.0.1',
          ...(opts.allowPrivate ? { allowPrivate: true } : {}),
        });
        closeOnSignals(server, logger);
        // The server keeps the process alive; the exit code is set when it stops.
        await new Promise<never>(() => {});
      }),
    );
}
