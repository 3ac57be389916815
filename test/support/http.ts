import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/app.js';
import type { Backups } from '../../src/backups/index.js';
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import type { Incidents } from '../../src/incidents/index.js';
import type { MonitoringEngine } from '../../src/monitoring/engine.js';
import type { SenderOptions } from '../../src/notify/outbox.js';
import { createRuntime } from '../../src/runtime.js';
import type { StatusPages } from '../../src/status-pages/index.js';

export interface TestApp {
  app: FastifyInstance;
  engine: MonitoringEngine;
  incidents: Incidents;
  statusPages: StatusPages;
  backups: Backups;
  close(): Promise<void>;
}

/**
 * The whole runtime (engine, incidents, HTTP server) over a test core, started; `inject` calls need
 * no socket. Private targets are allowed: every test target is on loopback.
 */
export function testServer(core: Core, config: ConfigInput = {}): Promise<TestApp> {
  return testRuntime(core, configSchema.parse(config));
}

/** The same from a parsed config (as a loaded upkeep.yaml gives it), with quicker notification retries if asked. */
export async function testRuntime(core: Core, config: Config, sender: Partial<SenderOptions> = {}): Promise<TestApp> {
  const runtime = await createRuntime(core, { ...config, network: { ...config.network, allowPrivateTargets: true } }, { sender });
  await runtime.start();
  return {
    app: runtime.http,
    engine: runtime.engine,
    incidents: runtime.incidents,
    statusPages: runtime.statusPages,
    backups: runtime.backups,
    close: () => runtime.stop(),
  };
}
