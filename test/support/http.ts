import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/app.js';
import { configSchema, type ConfigInput } from '../../src/config/schema.js';
import { buildHttpServer } from '../../src/http/server.js';
import type { MonitoringEngine } from '../../src/monitoring/engine.js';
import { createMonitoring } from '../../src/monitoring/index.js';

export interface TestApp {
  app: FastifyInstance;
  engine: MonitoringEngine;
  close(): Promise<void>;
}

/**
 * The HTTP server and a running monitoring engine over a test core; `inject` calls need no socket.
 * Private targets are allowed: every test target is on loopback.
 */
export async function testServer(core: Core, config: ConfigInput = {}): Promise<TestApp> {
  const parsed = configSchema.parse({ ...config, network: { allowPrivateTargets: true, ...config.network } });
  const { engine, registry } = createMonitoring(core, parsed);
  await engine.start();
  const app = await buildHttpServer({
    logger: core.logger,
    clock: core.clock,
    accounts: core.accounts,
    sites: core.sites,
    engine,
    channels: core.channels,
    delivery: { allowPrivate: parsed.network.allowPrivateTargets, deadlineMs: 5000 },
    metrics: { registry, public: parsed.metrics.public },
    version: 'test',
    ready: async () => ({ ok: true, checks: {} }),
  });
  return {
    app,
    engine,
    close: async () => {
      await app.close();
      await engine.stop();
    },
  };
}
