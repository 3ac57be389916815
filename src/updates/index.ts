import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import type { MaintenanceService } from '../incidents/maintenance.service.js';
import type { Logger } from '../lib/logger.js';
import { createResolver, guardedFetch } from '../lib/net/index.js';
import { ApprovalLinks } from './approval-links.js';
import { approvalLinkRoutes } from './approval-link.routes.js';
import { queueUpdateMessages, runMessage } from './messages.js';
import type { UpdatesConfig } from './policy.js';
import type { UpdateRunsDeps } from './runs/run-state.js';
import { UpdateRunsService } from './runs/runs.service.js';
import type { Job } from '../cluster/jobs.js';
import type { ComponentIncidentsDeps } from './component-incidents.js';
import type { UpdatePolicies } from './policies.service.js';
import { updatePoliciesRoutes } from './policies.routes.js';
import { KnowledgeStore } from './knowledge.js';
import { KnowledgeRefresh } from './knowledge-refresh.js';
import { InventorySchedule, windowQueue } from './schedule.js';
import { updatesRoutes } from './updates.routes.js';
import { UpdatesService } from './updates.service.js';

export interface UpdatesOptions {
  dataDir: string;
  allowPrivate: boolean;
  ca?: readonly string[] | undefined;
  maintenance: MaintenanceService;
  openIncident: UpdateRunsDeps['openIncident'];
  leaseMs?: number;
  onWindowOpened?(): void;
  log?: Logger;
  /** The policies whose channels hear of each run's events (through the one outbox); none when absent. */
  updates?: UpdatesConfig;
  publicUrl?: string | undefined;
  /** Wakes the outbox sender once a run's events were queued. */
  wake?(): void;
}

/** Update runs over an open core, with the config's backup jobs and Chromium settings. */
export function createUpdateRuns(core: Core, config: Pick<Config, 'backups' | 'audits'>, options: UpdatesOptions): UpdateRunsService {
  const policies = options.updates;
  return new UpdateRunsService({
    db: core.storage.db,
    clock: core.clock,
    log: options.log ?? core.logger.child({ component: 'updates' }),
    codec: core.siteCodec,
    secrets: core.secrets,
    maintenance: options.maintenance,
    openIncident: options.openIncident,
    backups: config.backups,
    audits: config.audits,
    allowPrivate: options.allowPrivate,
    ca: options.ca,
    dataDir: options.dataDir,
    ...(policies ? { deliver: (trx, payloads, now) => queueUpdateMessages(trx, policies, options.publicUrl, payloads.map(runMessage), now) } : {}),
    ...(options.wake ? { onEvent: () => options.wake?.() } : {}),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.onWindowOpened ? { onWindowOpened: () => options.onWindowOpened?.() } : {}),
  });
}

export interface Updates {
  service: UpdatesService;
  /** The policies in force: upkeep.yaml's and the API's. */
  policies: UpdatePolicies;
  /** Starts approved runs when their policy's maintenance window opens (a cluster singleton job). */
  windows: Job;
  /** Re-reads the inventories of the update sites on their schedule (a cluster singleton job). */
  inventory: InventorySchedule;
  /** Refreshes the knowledge from the live sources on its schedule and assesses the inventories again (a cluster singleton job). */
  knowledge: KnowledgeRefresh;
  apiRoutes(api: FastifyInstance): void;
  publicRoutes(app: FastifyInstance): Promise<void>;
}

/** The updates faces over the runs: policies, pending updates, approvals (API and signed links). */
export function createUpdates(
  core: Core,
  policies: UpdatePolicies,
  runs: UpdateRunsService,
  options: {
    publicUrl?: string | undefined;
    wake(): void;
    incidents: Pick<ComponentIncidentsDeps, 'open' | 'resolve'>;
    /** How the knowledge refresh reaches the live sources (the network settings of upkeep.yaml). */
    net: { allowPrivate: boolean; ca?: readonly string[] | undefined; resolvers?: readonly string[] | undefined };
  },
): Updates {
  const knowledge = new KnowledgeStore(core.storage.db, core.dataDir);
  const log = core.logger.child({ component: 'updates' });
  const service = new UpdatesService({
    db: core.storage.db,
    clock: core.clock,
    log,
    policies,
    runs,
    links: new ApprovalLinks(core.secrets.derive('update approval links')),
    latestReleases: async () => (await knowledge.load(new Date(core.clock.now()))).knowledge.latest,
    publicUrl: options.publicUrl,
    wake: () => options.wake(),
  });
  return {
    service,
    policies,
    windows: windowQueue(service, core.clock, log),
    inventory: new InventorySchedule({ db: core.storage.db, clock: core.clock, log, dataDir: core.dataDir, knowledge, policies, ...options.incidents }),
    knowledge: new KnowledgeRefresh({
      db: core.storage.db,
      clock: core.clock,
      log,
      dataDir: core.dataDir,
      store: knowledge,
      settings: policies.config.knowledge,
      policies,
      fetch: guardedFetch({
        policy: { allowPrivate: options.net.allowPrivate },
        resolver: createResolver({ timeoutMs: 3_000, tries: 2, ...(options.net.resolvers?.length ? { servers: [...options.net.resolvers] } : {}) }),
        deadlineMs: 120_000,
        ...(options.net.ca ? { tls: { ca: options.net.ca } } : {}),
      }),
      ...options.incidents,
    }),
    apiRoutes: (api) => {
      updatesRoutes(api, {
        updates: service,
        runs,
        sites: core.sites,
        dataDir: core.dataDir,
        knowledge: () => knowledge.status(new Date(core.clock.now()), policies.config.knowledge),
      });
      updatePoliciesRoutes(api, { policies, sites: core.sites });
    },
    publicRoutes: async (app) => {
      await app.register(async (scope) => approvalLinkRoutes(scope, service));
    },
  };
}
