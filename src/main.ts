import { openCore, version, type Core } from './app.js';
import { formatPlan } from './config/apply.js';
import type { Environment } from './config/env.js';
import type { LoadedConfig } from './config/load.js';
import { configSchema } from './config-file.js';
import { createRuntime, type Runtime } from './runtime.js';
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
  runtime: Runtime;
  url: string;
  /** Stops taking work, lets running writes finish, closes the database. */
  close(): Promise<void>;
}

/** The composition root of the long-running process: database → services → config → HTTP. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const core = await openCore({ dataDir: options.dataDir, env: options.env, logger });
  let started = false;
  try {
    const setupToken = await core.accounts.ensureFirstAdmin(options.env, logger);
    if (options.config) {
      const plan = await core.sync.apply(options.config, { dryRun: false });
      logger.info({ file: options.config.file, changes: plan.items.length }, formatPlan(plan, false).split('\n')[0]);
    }
    const config = options.config?.config ?? configSchema.parse({});
    const runtime = await createRuntime(core, config, {
      configFile: options.config?.file,
      ...(options.allowPrivate === undefined ? {} : { allowPrivate: options.allowPrivate }),
      started: () => started,
    });
    await runtime.start();
    const url = await runtime.http.listen({ port: options.port, host: options.host });
    started = true;
    logger.info({ url, database: core.storage.location, version }, `Upkeep is running at ${url}`);
    if (setupToken) {
      const base = config.server.publicUrl?.replace(/\/$/, '') ?? url;
      logger.warn(
        { setupUrl: `${base}/setup#${setupToken}` },
        `no account exists yet: open ${base}/setup#${setupToken} to make the owner account (or set UPKEEP_ADMIN_EMAIL and UPKEEP_ADMIN_PASSWORD)`,
      );
    }
    return {
      core,
      runtime,
      url,
      close: async () => {
        await runtime.stop();
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
