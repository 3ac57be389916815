import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/app.js';
import type { Backups } from '../../src/backups/index.js';
import { configSchema, type Config, type ConfigInput } from '../../src/config-file.js';
import type { Incidents } from '../../src/incidents/index.js';
import type { MonitoringEngine } from '../../src/monitoring/engine.js';
import type { ObjectivesService } from '../../src/objectives/objectives.service.js';
import type { SenderOptions } from '../../src/notify/outbox.js';
import { createRuntime } from '../../src/runtime.js';
import type { Reports } from '../../src/reports/index.js';
import type { StatusPages } from '../../src/status-pages/index.js';
import type { Updates } from '../../src/updates/index.js';
import type { UpdateRunsService } from '../../src/updates/runs/runs.service.js';
import { knowledgeSources, type SourceKind } from '../../src/updates/sources/index.js';

export interface TestApp {
  app: FastifyInstance;
  engine: MonitoringEngine;
  incidents: Incidents;
  statusPages: StatusPages;
  updates: UpdateRunsService;
  updateFaces: Updates;
  objectives: ObjectivesService;
  backups: Backups;
  reports: Reports;
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
  // Tests reach only loopback: the knowledge refresh stays off unless the test points every source it asks at a stand-in.
  const knowledge = config.updates.knowledge;
  const reachesOut = (Object.keys(knowledgeSources) as SourceKind[]).some((kind) => knowledge.sources[kind] === undefined);
  const updates = reachesOut ? { ...config.updates, knowledge: { ...knowledge, refresh: 'off' as const } } : config.updates;
  const runtime = await createRuntime(core, { ...config, updates, network: { ...config.network, allowPrivateTargets: true } }, { sender });
  await runtime.start();
  return {
    app: runtime.http,
    engine: runtime.engine,
    incidents: runtime.incidents,
    statusPages: runtime.statusPages,
    updates: runtime.updates,
    updateFaces: runtime.updateFaces,
    objectives: runtime.objectives,
    backups: runtime.backups,
    reports: runtime.reports,
    close: () => runtime.stop(),
  };
}

/** Opens a manual incident on a site and posts an update to it, as a person does in the API; answers the update's reply. */
export async function postIncidentUpdate(app: FastifyInstance, headers: Record<string, string>, siteId: number, update: Record<string, unknown>) {
  const incident = (await app.inject({ method: 'POST', url: '/api/v1/incidents', headers, payload: { siteId, title: 'Slow pages' } })).json<{ id: number }>();
  return app.inject({ method: 'POST', url: `/api/v1/incidents/${incident.id}/updates`, headers, payload: update });
}
