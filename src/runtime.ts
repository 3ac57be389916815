import type { FastifyInstance } from 'fastify';
import { version, type Core } from './app.js';
import { createBackupScheduler } from './backups/index.js';
import type { BackupScheduler } from './backups/scheduler.js';
import type { Config } from './config/schema.js';
import { buildHttpServer } from './http/server.js';
import { createIncidents, type Incidents } from './incidents/index.js';
import type { MonitoringEngine } from './monitoring/engine.js';
import { createMonitoring } from './monitoring/index.js';
import { deliver } from './notify/deliver.js';
import type { SenderOptions } from './notify/outbox.js';

export interface Runtime {
  engine: MonitoringEngine;
  incidents: Incidents;
  /** Runs the backup jobs, drills and checks of `backups:`, reporting to their heartbeat monitors. */
  backups: BackupScheduler | undefined;
  http: FastifyInstance;
  /** Starts the engine, the incident workers and the backup schedules (the HTTP server is built but not listening). */
  start(): Promise<void>;
  /** Stops the HTTP server, then the backup schedules (they report to the engine), then scheduling (writing what is buffered), then the notification sender. */
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  allowPrivate?: boolean;
  /** Whether the process can serve, for /readyz. */
  ready?: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  /** Faster retries and leases for tests. */
  sender?: Partial<SenderOptions>;
}

/**
 * Everything that runs over an open core: the monitoring engine, incidents with their outbox sender,
 * and the HTTP server. Shared by `upkeep start` and the tests, so both run the same wiring.
 */
export async function createRuntime(core: Core, config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const allowPrivate = options.allowPrivate ?? config.network.allowPrivateTargets;
  const { engine, registry } = createMonitoring(core, config, { allowPrivate });
  const incidents = createIncidents(core, { ...config, network: { ...config.network, allowPrivateTargets: allowPrivate } }, engine, deliver, options.sender);
  const backups = config.backups && createBackupScheduler(core, config.backups, engine);
  const http = await buildHttpServer({
    logger: core.logger,
    db: core.storage.db,
    clock: core.clock,
    accounts: core.accounts,
    sites: core.sites,
    engine,
    incidents,
    metrics: { registry, public: config.metrics.public },
    publicUrl: config.server.publicUrl,
    version,
    ready: options.ready ?? (async () => ({ ok: true, checks: {} })),
  });
  return {
    engine,
    incidents,
    backups,
    http,
    async start() {
      await engine.start();
      await incidents.start();
      backups?.start();
    },
    async stop() {
      await http.close();
      await backups?.stop();
      await engine.stop();
      await incidents.stop();
    },
  };
}
