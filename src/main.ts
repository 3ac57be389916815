import type { FastifyInstance } from 'fastify';
import { openCore, version, type Core } from './app.js';
import { createBackupScheduler } from './backups/index.js';
import type { BackupScheduler } from './backups/scheduler.js';
import { formatPlan } from './config/apply.js';
import type { Environment } from './config/env.js';
import type { LoadedConfig } from './config/load.js';
import { buildHttpServer } from './http/server.js';
import { configSchema } from './config/schema.js';
import type { MonitoringEngine } from './monitoring/engine.js';
import { createMonitoring } from './monitoring/index.js';
import type { Logger } from './lib/logger.js';

export interface ServerOptions {
  dataDir: string;
  env: Environment;
  logger: Logger;
  /** The config file to apply at start, if any. */
  config: LoadedConfig | undefined;
  port: number;
  host: string;
  /** `--allow-private`: overrides network.allowPrivateTargets of the config. */
  allowPrivate?: boolean;
}

export interface RunningServer {
  core: Core;
  engine: MonitoringEngine;
  /** Runs the config's backup jobs, drills and checks; undefined without a `backups:` section. */
  backups: BackupScheduler | undefined;
  http: FastifyInstance;
  url: string;
  /** Stops taking work, lets running writes finish, closes the database. */
  close(): Promise<void>;
}

/** The composition root of the long-running process: database → services → config → engine and backups → HTTP. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const core = await openCore({ dataDir: options.dataDir, env: options.env, logger });
  let started = false;
  try {
    await core.accounts.ensureFirstAdmin(options.env, logger);
    if (options.config) {
      const plan = await core.sync.apply(options.config, { dryRun: false });
      logger.info({ file: options.config.file, changes: plan.items.length }, formatPlan(plan, false).split('\n')[0]);
    }
    const config = options.config?.config ?? configSchema.parse({});
    const { engine, registry } = createMonitoring(core, config, options.allowPrivate === undefined ? {} : { allowPrivate: options.allowPrivate });
    await engine.start();
    const http = await buildHttpServer({
      logger,
      clock: core.clock,
      accounts: core.accounts,
      sites: core.sites,
      engine,
      metrics: { registry, public: config.metrics.public },
      publicUrl: config.server.publicUrl,
      version,
      ready: async () => {
        const startup = started ? 'done' : 'running';
        try {
          await core.storage.db.selectFrom('sites').select('id').limit(1).execute();
        } catch (err) {
          return { ok: false, checks: { database: (err as Error).message, startup } };
        }
        return { ok: started, checks: { database: 'ok', startup } };
      },
    });
    const url = await http.listen({ port: options.port, host: options.host });
    // Started last: nothing above can fail after a backup has begun.
    const backups = config.backups && createBackupScheduler(core, config.backups, engine);
    backups?.start();
    started = true;
    logger.info({ url, database: core.storage.location, version }, `Upkeep is running at ${url}`);
    return {
      core,
      engine,
      backups,
      http,
      url,
      close: async () => {
        // Stop taking requests, then stop scheduling (backups report to the engine, so first) and write what is buffered, then close the database.
        await http.close();
        await backups?.stop();
        await engine.stop();
        await core.close();
      },
    };
  } catch (err) {
    await core.close();
    throw err;
  }
}

/** SIGTERM and SIGINT close the server; if that takes over 10 s the process exits anyway. */
export function closeOnSignals(server: RunningServer, logger: Logger, graceMs = 10_000): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
