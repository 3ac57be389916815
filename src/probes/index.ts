import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Core } from '../app.js';
import type { Config } from '../config-file.js';
import type { Dispatcher } from '../monitoring/dispatcher.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import type { LocationView } from './combine.js';
import { LocatedDispatcher } from './located-dispatcher.js';
import { locationSeriesRoutes, probeRoutes, probesAdminRoutes } from './probes.routes.js';
import { ProbesService, type ProbeOut } from './probes.service.js';

export interface Probes {
  service: ProbesService;
  /** For the engine: checks monitors with locations from their locations. */
  wrap: (local: Dispatcher) => Dispatcher;
  /** What each location of a monitor saw at its last check on this node. */
  locationsOf: (monitorId: number) => readonly LocationView[] | undefined;
  /** Probe health in /metrics. */
  watch(registry: Registry): void;
  /** The hourly expiry of probes' results (a cluster-wide job). */
  job: { start(): void; stop(): Promise<void> };
  apiRoutes(api: FastifyInstance): void;
}

/** Probes in several locations over an open core (issue 19 part 2). */
export function createProbes(core: Core, config: Config): Probes {
  const service = new ProbesService(core.storage.db, core.sites.monitorStore(), core.siteCodec, core.clock, config.locations);
  let located: LocatedDispatcher | undefined;
  let expiring: Repeating | undefined;
  const log = core.logger.child({ component: 'probes' });
  return {
    service,
    wrap: (local) => (located = new LocatedDispatcher(local, (id, since) => service.resultsFor(id, since), core.clock)),
    locationsOf: (id) => located?.locationsOf(id),
    watch(registry) {
      type Read = (p: ProbeOut) => number | null;
      // Read at scrape time; revoked probes are left out.
      const each = async (read: Read, set: (labels: { probe: string; location: string }, v: number, p: ProbeOut) => void) => {
        for (const p of await service.list()) {
          const v = p.revokedAt === null ? read(p) : null;
          if (v !== null) set({ probe: p.name, location: p.location }, v, p);
        }
      };
      const gauge = (name: string, help: string, read: Read) =>
        new Gauge({
          name,
          help,
          labelNames: ['probe', 'location'],
          registers: [registry],
          async collect() {
            this.reset();
            await each(read, (labels, v) => this.set(labels, v));
          },
        });
      gauge('upkeep_probe_last_seen_seconds', 'Seconds since each probe was last heard from.', (p) =>
        p.lastSeenAt === null ? null : (core.clock.now() - Date.parse(p.lastSeenAt)) / 1000,
      );
      gauge('upkeep_probe_online', 'Whether each probe was heard from in the last 2 minutes (1) or not (0: silent, or never seen).', (p) =>
        p.health === 'online' ? 1 : 0,
      );
      new Gauge({
        name: 'upkeep_probe_info',
        help: 'The version each probe last said it runs (always 1).',
        labelNames: ['probe', 'location', 'version'],
        registers: [registry],
        async collect() {
          this.reset();
          await each(
            (p) => (p.version === null ? null : 1),
            (labels, v, p) => this.set({ ...labels, version: p.version! }, v),
          );
        },
      });
      gauge('upkeep_probe_lag_seconds', 'How late the newest result of each probe’s last batch arrived.', (p) => (p.lagMs === null ? null : p.lagMs / 1000));
      gauge('upkeep_probe_backlog', 'Results each probe said were waiting to be sent, at its last batch or poll.', (p) => p.backlog);
      // The probe's own total (its journal keeps it across restarts): a counter, as Prometheus' rate() expects.
      new Counter({
        name: 'upkeep_probe_results_dropped_total',
        help: 'Results each probe’s buffer cap dropped while it could not reach the server, as the probe last said.',
        labelNames: ['probe', 'location'],
        registers: [registry],
        async collect() {
          this.reset();
          await each(
            (p) => p.dropped,
            (labels, v) => this.inc(labels, v),
          );
        },
      });
    },
    job: {
      start() {
        expiring = repeat(3_600_000, () => service.expire(), { log, what: 'expiring probes’ results' });
      },
      stop: async () => expiring?.stop(),
    },
    apiRoutes(api) {
      probeRoutes(api, service);
      probesAdminRoutes(api, service);
      locationSeriesRoutes(api, service, core.clock);
    },
  };
}
