import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import type { OutboxSender } from '../notify/outbox.js';
import { Outbox } from '../notify/outbox.service.js';
import { AckLinks } from './ack-links.js';
import { ConfigObjectsRepository } from './config-objects.repository.js';
import type { Regression, StoredAudit } from '../audits/audit.service.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { applyAuditOutcome } from './from-audits.js';
import { applyMonitorEvents } from './from-events.js';
import type { MaintenanceSpec } from './incidents.schema.js';
import { IncidentsService } from './incidents.service.js';
import { MaintenanceCalendar } from './maintenance.js';
import { MaintenanceService } from './maintenance.service.js';
import { Notifier } from './notifier.js';

export interface Incidents {
  service: IncidentsService;
  maintenance: MaintenanceService;
  calendar: MaintenanceCalendar;
  sender: OutboxSender;
  /** Writes incidents' messages to the outbox (for other capabilities that raise incidents: objectives). */
  notifier: Notifier;
  /** Raises (or resolves) the site's audit incident from a finished audit and its regressions. */
  auditOutcome(audit: StoredAudit, regressions: readonly Regression[]): Promise<void>;
  /** Reads the maintenance windows again if they changed (a cluster node told of a write elsewhere). */
  reloadWindows(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The incidents use cases over an open core, with the notifier that writes their outbox rows: the
 * server's, and a one-shot command's (an update run's failed rollback opens an incident from the CLI too).
 */
export function incidentsService(core: Core, config: Pick<Config, 'server' | 'incidents'>, log = core.logger.child({ component: 'incidents' })) {
  const links = new AckLinks(core.secrets.derive('acknowledge links'));
  const notifier = new Notifier(
    core.siteCodec,
    links,
    core.clock,
    {
      publicUrl: config.server.publicUrl,
      ackLinkTtlMs: config.incidents.acknowledgeLinkTtl,
      groupWaitMs: config.incidents.groupWait,
    },
    new Outbox(core.storage.db),
  );
  return { service: new IncidentsService(core.storage.db, core.siteCodec, notifier, links, core.clock, log), notifier };
}

/**
 * Incidents, maintenance windows and the notification outbox, attached to the engine: incidents
 * are written in the transaction that stores the engine's events, the sender wakes after each, and
 * maintenance windows decide which monitors show "maintenance".
 */
export function createIncidents(
  core: Core,
  config: Config,
  engine: MonitoringEngine,
  /** The outbox's sender: incidents wake it after writing messages (the runtime starts and stops it). */
  outbox: OutboxSender,
  /** Whether this node runs the incident housekeeping (resolving, escalating); in a cluster one node does. */
  leads: () => boolean = () => true,
  /** How often the windows are read again when they changed: every second alone, a slow safety poll in a cluster (told of changes). */
  windowsPollMs = 1_000,
): Incidents {
  const log = core.logger.child({ component: 'incidents' });
  const { service, notifier } = incidentsService(core, config, log);
  const calendar = new MaintenanceCalendar();
  const objects = new ConfigObjectsRepository(core.storage.db);
  let signature = '';
  const loadWindows = async () => {
    const now = await objects.signature();
    if (now === signature) return;
    signature = now;
    calendar.set((await objects.all('maintenance')).map((o) => ({ name: o.name, spec: JSON.parse(o.spec) as MaintenanceSpec })));
    engine.maintenanceChanged();
  };

  engine.results.onEventsStored((trx, events) =>
    applyMonitorEvents(trx, events, { clock: core.clock, codec: core.siteCodec, notifier, resolveAfterMs: () => config.incidents.resolveAfter }),
  );
  engine.results.onCommitted(() => outbox.wake());
  // Asked for every monitor when a window begins or ends: with none in force the answer is quick.
  engine.setMaintenance({
    covers: (monitor, at) =>
      calendar.activeWindows(at).length > 0 &&
      calendar.windowFor({ site: monitor.siteName, key: `${monitor.siteName}/${monitor.spec.name}`, tags: [...monitor.spec.tags, ...monitor.siteTags] }, at) !==
        undefined,
    nextChange: (at) => calendar.nextChange(at),
  });

  let housekeeping: Repeating | undefined;
  let windows: Repeating | undefined;
  return {
    service,
    maintenance: new MaintenanceService(core.storage.db, core.clock),
    calendar,
    sender: outbox,
    notifier,
    async auditOutcome(audit, regressions) {
      await applyAuditOutcome(core.storage.db, { clock: core.clock, codec: core.siteCodec, notifier }, audit, regressions);
      outbox.wake();
    },
    reloadWindows: loadWindows,
    async start() {
      await loadWindows();
      windows = repeat(windowsPollMs, loadWindows, { log, what: 'reading maintenance windows' });
      housekeeping = repeat(1_000, () => leads() && service.tick().then(() => outbox.wake()), { log, what: 'incident housekeeping' });
    },
    async stop() {
      await windows?.stop();
      await housekeeping?.stop();
    },
  };
}
