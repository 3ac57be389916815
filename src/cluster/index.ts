import { hostname } from 'node:os';
import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import type { LiveEvent, LiveHub } from '../http/live.js';
import { coalesced } from '../lib/coalesce.js';
import { AppError } from '../lib/errors.js';
import type { MonitoringEngine, MonitorShare } from '../monitoring/engine.js';
import { Cluster } from './cluster.js';
import { Alone, type Coordinator } from './jobs.js';

export { Cluster } from './cluster.js';

/**
 * How often a cluster node reads again what the database's change notices tell it of (monitors, maintenance
 * windows, status pages): only a notice lost on the way (the node's connection was away a moment) waits for it.
 */
export const CLUSTER_SAFETY_POLL_MS = 30_000;
export type { Coordinator, JobName } from './jobs.js';

/** A node name from the host name, for a cluster.nodeId left unset. */
function defaultNodeId(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 63) || 'node'
  );
}

/** This node's part: the whole work outside cluster mode, its share and the jobs it wins in a cluster. */
export function createCoordinator(core: Core, config: Pick<Config, 'cluster'>, version: string): Coordinator {
  if (!config.cluster.enabled) return new Alone();
  const open = core.storage.dedicatedClient;
  if (!open)
    throw new AppError(
      'invalid_config',
      'cluster.enabled needs PostgreSQL (set UPKEEP_DATABASE_URL=postgres://…): the nodes share its tables, locks and notifications, and SQLite is one process’s file',
    );
  const nodeId = config.cluster.nodeId ?? defaultNodeId();
  return new Cluster(
    core.storage.db,
    open,
    { nodeId, leaseMs: config.cluster.leaseSeconds * 1000, version },
    core.logger.child({ component: 'cluster', node: nodeId }),
  );
}

/** A live event short enough for NOTIFY (a monitor's message can be long; the dashboard shows the start). */
function fit(event: LiveEvent): LiveEvent {
  const message = event.data.message;
  return typeof message === 'string' && message.length > 1_000 ? { ...event, data: { ...event.data, message: `${message.slice(0, 1_000)}…` } } : event;
}

/** The engine's share of the monitors in a cluster; undefined (every monitor) outside one. */
export function shareOf(coordinator: Coordinator): MonitorShare | undefined {
  return coordinator instanceof Cluster ? coordinator : undefined;
}

/** Sends this node's live events to the others. */
export function relayOf(coordinator: Coordinator): ((event: LiveEvent) => void) | undefined {
  return coordinator instanceof Cluster ? (event) => coordinator.broadcast({ type: 'live', event: fit(event) }) : undefined;
}

/**
 * What a node does with the others' news: a membership change reshares the monitors; the states it writes
 * are told to the others as they commit, and it takes those the others told (reads those too long to be
 * told, and all of them after its cluster connection was away); another node's live event reaches this node's streams and drops its status-page
 * cache; an account change on another node (a logout, a revoked token, a team change) makes this node's
 * streams check their callers again; a ping or "check now" forwarded to the monitor's node is taken here.
 * A write to monitors, sites, maintenance windows or status pages (by any node or `upkeep apply`) is
 * re-read here when the database tells of it, and everything is re-read after the connection was away.
 */
export function followCluster(
  coordinator: Coordinator,
  deps: {
    engine: MonitoringEngine;
    live: LiveHub;
    accounts: Pick<Core['accounts'], 'onChange'>;
    pages: { invalidate(): void; refresh(): Promise<void> };
    /** Re-reads the maintenance windows. */
    windows: () => Promise<void>;
    log: Core['logger'];
  },
): void {
  if (!(coordinator instanceof Cluster)) return;
  const { engine, live, log, pages } = deps;
  const reread = (what: string, task: () => Promise<void>) => {
    const run = coalesced(task);
    return () => void run().catch((err: unknown) => log.warn({ err }, `reading ${what} again failed; read at the next notice or poll`));
  };
  const monitors = reread('the monitors', () => engine.pollChanges());
  const windows = reread('the maintenance windows', deps.windows);
  const statusPages = reread('the status pages', () => pages.refresh());
  deps.accounts.onChange(() => coordinator.broadcast({ type: 'access' }));
  coordinator.onMembershipChange(
    () => void engine.reassign().catch((err: unknown) => log.error({ err }, 'taking up the monitors of the new membership failed')),
  );
  const follow = (ids: number[] | 'all') =>
    void engine.follow(ids).catch((err: unknown) => log.warn({ err }, "reading the other nodes' monitor states failed; read at their next news"));
  engine.results.onStatesStored((trx, states) => coordinator.tellStates(trx, states));
  coordinator.onReconnect(() => {
    follow('all');
    monitors();
    windows();
    statusPages();
  });
  coordinator.onMessage((message) => {
    switch (message.type) {
      case 'states':
        engine.adoptStates(message.states);
        if (message.ids.length) follow(message.ids);
        return;
      case 'live':
        live.deliver(message.event);
        pages.invalidate();
        return;
      case 'changed':
        // Status pages show sites, monitors, templates (config objects) and incidents; the engine runs the monitors.
        if (message.table === 'incidents' || message.table === 'incident_updates') pages.invalidate();
        else statusPages();
        if (message.table === 'monitors' || message.table === 'sites') monitors();
        if (message.table === 'config_objects') windows();
        return;
      case 'access':
        live.recheckAll();
        return;
      case 'ping':
        if (coordinator.owns(message.monitorId)) engine.ping(message.key, message.kind, { runId: message.runId, body: message.body });
        return;
      case 'check':
        if (!coordinator.owns(message.monitorId)) return;
        try {
          engine.checkNow(message.monitorId);
        } catch (err) {
          log.debug({ err, monitorId: message.monitorId }, 'a forwarded check was not run');
        }
        return;
    }
  });
}
