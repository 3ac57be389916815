import type { FastifyInstance } from 'fastify';
import { version, type Core } from './app.js';
import { createBackups, type Backups } from './backups/index.js';
import type { Config } from './config/schema.js';
import { buildHttpServer } from './server.js';
import { createIncidents, type Incidents } from './incidents/index.js';
import type { MonitoringEngine } from './monitoring/engine.js';
import { createMonitoring } from './monitoring/index.js';
import { deliver, deliveryContexts } from './notify/deliver.js';
import { LiveHub } from './http/live.js';
import { OidcLogin } from './accounts/oidc.js';
import { AppError, describeError } from './lib/errors.js';
import { createResolver, type Resolver } from './lib/net/index.js';
import { readCaFiles } from './config/ca-files.js';
import { AuditScheduler } from './audits/scheduler.js';
import { defaultSenderOptions, OutboxSender, type SenderOptions } from './notify/outbox.js';
import { createStatusPages, type StatusPages } from './status-pages/index.js';
import { createFeedback } from './feedback/index.js';
import { createRoutines, type Routines } from './routines/index.js';
import { createUpdateRuns, createUpdates, type Updates } from './updates/index.js';
import { UpdatePolicies } from './updates/policies.service.js';
import type { UpdateRunsService } from './updates/runs/runs.service.js';
import { createObjectives } from './objectives/index.js';
import type { ObjectivesService } from './objectives/objectives.service.js';
import { createPrivacyRecords } from './privacy-records/index.js';
import { siteBookRoutes } from './site-register/index.js';
import { CLUSTER_SAFETY_POLL_MS, createCoordinator, followCluster, relayOf, shareOf, type Coordinator } from './cluster/index.js';
import { createReports, type Reports } from './reports/index.js';
import { createProbes } from './probes/index.js';

export interface Runtime {
  engine: MonitoringEngine;
  incidents: Incidents;
  statusPages: StatusPages;
  /** Recurring checklists; their worker sends reminders and overdue alerts. */
  routines: Routines;
  /** Site objectives: evaluated every minute (budget history, burn-rate incidents). */
  objectives: ObjectivesService;
  /** Runs the backup jobs, drills and checks of `backups:` (following changes without a restart), and serves them to the API. */
  backups: Backups;
  /** Safe update runs; unfinished ones (a stopped Upkeep's) are resumed or rolled back from start on. */
  updates: UpdateRunsService;
  /** The updates faces: policies, approvals, the window queue and the scheduled inventory. */
  updateFaces: Updates;
  /** Monthly reports: schedules, sending on their day (every 15 min a look), the archive. */
  reports: Reports;
  http: FastifyInstance;
  /** This node's part of the work: all of it, or in cluster mode its share of the monitors and the jobs it leads. */
  coordinator: Coordinator;
  /** Starts the engine, the incident workers, audits and backup schedules (the HTTP server is built but not listening). */
  start(): Promise<void>;
  /** Stops the HTTP server, then audits, backups and the other workers (they report to the engine), then scheduling (writing what is buffered), then the notification sender (and leaves the cluster). */
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  allowPrivate?: boolean;
  /** Whether start-up has finished, for /readyz (a runtime in a test is ready once it runs). */
  started?: () => boolean;
  /** The upkeep.yaml the server runs with: `backups.self` backs it up with the database. */
  configFile?: string | undefined;
  /** Faster retries and leases for tests. */
  sender?: Partial<SenderOptions>;
}

/**
 * Everything that runs over an open core: the monitoring engine, incidents with their outbox sender,
 * and the HTTP server. Shared by `upkeep start` and the tests, so both run the same wiring.
 */
/** Single sign-on, when configured; it needs server.publicUrl for the provider to send people back to. */
function oidcLogin(core: Core, config: Config, net: { resolver: Resolver; allowPrivate: boolean; ca: readonly string[] | undefined }): OidcLogin | undefined {
  const spec = config.accounts.oidc;
  if (!spec) return undefined;
  if (!config.server.publicUrl)
    throw new AppError('invalid_config', 'accounts.oidc needs server.publicUrl: the provider sends people back to <publicUrl>/api/v1/session/oidc/callback');
  const redirect = `${config.server.publicUrl.replace(/\/$/, '')}/api/v1/session/oidc/callback`;
  return new OidcLogin(spec, redirect, core.storage.db, core.accounts, core.auth, net, () => core.clock.now());
}

/**
 * /readyz: start-up is done, the database answers and the results writer writes. Anyone may ask, so
 * the answer names only what is wrong; the database's own error goes to the log (once per change).
 */
function readiness(core: Core, engine: MonitoringEngine, started: () => boolean) {
  let logged = '';
  return async () => {
    let database = 'ok';
    try {
      await core.storage.ping();
      logged = '';
    } catch (err) {
      database = 'unavailable';
      if (describeError(err) !== logged) core.logger.warn({ err }, 'not ready: the database does not answer');
      logged = describeError(err);
    }
    const results = engine.results.canWrite ? 'ok' : 'not writing';
    const startup = started() ? 'done' : 'running';
    return { ok: database === 'ok' && results === 'ok' && startup === 'done', checks: { startup, database, results } };
  };
}

export async function createRuntime(core: Core, config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const allowPrivate = options.allowPrivate ?? config.network.allowPrivateTargets;
  const ca = readCaFiles(config.network.caFiles);
  const coordinator = createCoordinator(core, config, version);
  const share = shareOf(coordinator);
  // A cluster's nodes are told of changes by the database; alone, the polls below are how changes made elsewhere arrive.
  const safetyPollMs = share ? CLUSTER_SAFETY_POLL_MS : undefined;
  const probes = createProbes(core, config);
  core.sites.useLocations(config.locations);
  const { engine, registry } = createMonitoring(core, config, { allowPrivate, ca, share, pollChangesMs: safetyPollMs, wrap: probes.wrap });
  probes.watch(registry);
  const contexts = deliveryContexts({ allowPrivate, resolvers: config.network.resolvers, ca, deadlineMs: 30_000 });
  const outbox = new OutboxSender(
    {
      db: core.storage.db,
      channel: (id) => core.channels.find(id),
      deliver,
      contexts,
      clock: core.clock,
      log: core.logger.child({ component: 'outbox' }),
    },
    { ...defaultSenderOptions, releaseLeasesOnStart: core.storage.dialect === 'sqlite', ...options.sender },
  );
  const incidents = createIncidents(core, config, engine, outbox, () => coordinator.leads('incidents'), safetyPollMs);
  core.audits.useConfig(config.audits, allowPrivate);
  const routines = createRoutines(core, config, { wake: () => outbox.wake() });
  const privacyRecords = createPrivacyRecords(core, routines.service, { wake: () => outbox.wake() });
  const audits = new AuditScheduler(
    core.sites,
    core.audits,
    (audit, regressions) => incidents.auditOutcome(audit, regressions),
    core.clock,
    core.logger.child({ component: 'audits' }),
  );
  const sessions = { idleMs: config.accounts.sessionIdle, maxAgeMs: config.accounts.sessionMaxAge };
  core.auth.useSettings(sessions);
  const oidc = oidcLogin(core, config, {
    resolver: createResolver({ ...(config.network.resolvers?.length ? { servers: config.network.resolvers } : {}) }),
    allowPrivate,
    ca,
  });
  const live = new LiveHub(relayOf(coordinator));
  engine.results.onCommitted((events) => {
    const sites = new Set<number>();
    for (const e of events) {
      const monitor = engine.monitorOf(e.monitorId);
      if (!monitor || e.kind !== 'status') continue;
      sites.add(monitor.siteId);
      live.publish({
        type: 'monitor',
        siteId: monitor.siteId,
        data: { monitorId: e.monitorId, siteId: monitor.siteId, from: e.from, to: e.to, message: e.message, at: new Date(e.at).toISOString() },
      });
    }
    // Status changes may have opened, grown or resolved incidents of these sites.
    for (const siteId of sites) live.publish({ type: 'incident', siteId, data: { siteId } });
  });
  incidents.service.onChanged((incident) =>
    live.publish({ type: 'incident', siteId: incident.site_id, data: { siteId: incident.site_id, incidentId: incident.id, status: incident.status } }),
  );
  const backups = await createBackups(core, config.backups, engine, { configFile: options.configFile });
  const objectives = createObjectives(core, engine, incidents);
  const reports = createReports(core, config, { results: engine.results, calendar: incidents.calendar, objectives, outbox });
  const statusPages = createStatusPages(
    core,
    { ...config, network: { ...config.network, allowPrivateTargets: allowPrivate } },
    engine,
    incidents,
    outbox,
    () => coordinator.leads('announcer'),
    safetyPollMs,
  );
  const feedback = createFeedback(core, config, { live, wake: () => outbox.wake() });
  const updatePolicies = new UpdatePolicies(core.storage.db, core.clock, config.updates);
  const updates = createUpdateRuns(core, config, {
    dataDir: core.dataDir,
    allowPrivate,
    ca,
    maintenance: incidents.maintenance,
    openIncident: (input, author) => incidents.service.open(input, author),
    // Subscribers hear of a run's window now, not at the announcer's next minute.
    onWindowOpened: () => void statusPages.announcer.tick().catch((err: unknown) => core.logger.error({ err }, 'announcing maintenance failed')),
    updates: updatePolicies.config,
    publicUrl: config.server.publicUrl,
    wake: () => outbox.wake(),
  });
  const updateFaces = createUpdates(core, updatePolicies, updates, {
    publicUrl: config.server.publicUrl,
    wake: () => outbox.wake(),
    incidents: { open: (input, author) => incidents.service.open(input, author), resolve: (id, by, reason) => incidents.service.resolve(id, by, reason) },
    net: { allowPrivate, ca, resolvers: config.network.resolvers },
  });
  let stopResuming: (() => Promise<void>) | undefined;
  // Run once in a cluster (where each job's lock is held); a lone node runs them all, in this order.
  coordinator.add('outbox', outbox);
  coordinator.add('audits', audits);
  coordinator.add('backups', backups);
  coordinator.add('feedback', feedback);
  coordinator.add('routines', routines);
  coordinator.add('updates', { start: () => (stopResuming = updates.keepResuming()), stop: () => stopResuming?.() });
  coordinator.add('objectives', objectives);
  coordinator.add('privacy', privacyRecords);
  coordinator.add('reports', reports.service);
  coordinator.add('update-windows', updateFaces.windows);
  coordinator.add('inventory', updateFaces.inventory);
  coordinator.add('probes', probes.job);
  coordinator.add('knowledge', updateFaces.knowledge);
  followCluster(coordinator, {
    engine,
    live,
    accounts: core.accounts,
    pages: statusPages.pages,
    windows: () => incidents.reloadWindows(),
    log: core.logger,
  });
  const http = await buildHttpServer({
    logger: core.logger,
    db: core.storage.db,
    clock: core.clock,
    accounts: core.accounts,
    auth: core.auth,
    users: core.users,
    activity: core.activity,
    sessions,
    oidc,
    cookieSecret: core.secrets.derive('cookies'),
    sites: core.sites,
    engine,
    incidents,
    statusPages,
    feedback,
    probes,
    routines,
    objectives,
    reports,
    privacyRecords,
    siteBook: siteBookRoutes(core, incidents.service),
    updates: updateFaces,
    channels: core.channels,
    audits: core.audits,
    backups: backups.jobs,
    live,
    delivery: contexts,
    metrics: { registry, public: config.metrics.public },
    publicUrl: config.server.publicUrl,
    trustProxy: config.server.trustProxy,
    version,
    ready: readiness(core, engine, options.started ?? (() => true)),
  });
  return {
    engine,
    incidents,
    statusPages,
    routines,
    objectives,
    backups,
    updates,
    updateFaces,
    reports,
    http,
    coordinator,
    async start() {
      await coordinator.join();
      await engine.start();
      await incidents.start();
      await statusPages.start();
      await coordinator.start();
    },
    async stop() {
      live.closeAll();
      await http.close();
      // Everything but the sender, which delivers what the engine writes as it stops.
      await coordinator.stop([
        'knowledge',
        'probes',
        'inventory',
        'update-windows',
        'reports',
        'privacy',
        'objectives',
        'updates',
        'routines',
        'feedback',
        'backups',
        'audits',
      ]);
      await statusPages.stop();
      await engine.stop();
      await incidents.stop();
      await coordinator.stop();
    },
  };
}
