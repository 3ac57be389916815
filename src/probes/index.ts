import type { FastifyInstance } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import type { Core } from '../app.js';
import type { Config } from '../config-file.js';
import type { Dispatcher } from '../monitoring/dispatcher.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import type { LocationView } from './combine.js';
import { LocatedDispatcher } from './located-dispatcher.js';
import { locationSeriesRoutes, probeRoutes, probesAdminRoutes } from './probes.routes.js';
import { ProbesService } from './probes.service.js';

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
      const gauge = (name: string, help: string, value: (p: Awaited<ReturnType<ProbesService['list']>>[number]) => number | null) =>
        new Gauge({
          name,
          help,
          labelNames: ['probe', 'location'],
          registers: [registry],
          // Read at scrape time; revoked probes are left out.
          async collect() {
            this.reset();
            for (const p of await service.list()) {
              const v = p.revokedAt === null ? value(p) : null;
              if (v !== null) this.set({ probe: p.name, location: p.location }, v);
            }
          },
        });
      gauge('upkeep_probe_last_seen_seconds', 'Seconds since each probe was last heard from.', (p) =>
        p.lastSeenAt === null ? null : (core.clock.now() - Date.parse(p.lastSeenAt)) / 1000,
      );
      gauge('upkeep_probe_lag_seconds', 'How late the newest result of each probe’s last batch arrived.', (p) => (p.lagMs === null ? null : p.lagMs / 1000));
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
