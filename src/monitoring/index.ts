import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import { LocalDispatcher } from './checks/index.js';
import type { Dispatcher } from './dispatcher.js';
import { MonitoringEngine, type MonitorShare } from './engine.js';
import { createMetrics } from './metrics.js';
import { ResultStore } from './results.service.js';

/** Builds the monitoring engine over an open core, with its result store and metrics. */
export function createMonitoring(
  core: Core,
  config: Config,
  overrides: {
    allowPrivate?: boolean;
    ca?: readonly string[] | undefined;
    share?: MonitorShare | undefined;
    /** How often the database is asked whether monitors changed (the engine's default: 2 s). */
    pollChangesMs?: number | undefined;
    /** Puts a dispatcher around the local one (monitors checked from several locations). */
    wrap?: (local: Dispatcher) => Dispatcher;
  } = {},
) {
  const metrics = createMetrics();
  const log = core.logger.child({ component: 'monitoring' });
  const results = new ResultStore(core.storage.db, core.clock, log, { keepRawMs: config.results.keepRaw });
  const engine = new MonitoringEngine(
    {
      monitors: core.sites.monitorStore(),
      codec: core.siteCodec,
      results,
      dispatcher: (overrides.wrap ?? ((local: Dispatcher) => local))(new LocalDispatcher({ resolvers: config.network.resolvers, ca: overrides.ca })),
      clock: core.clock,
      log,
      metrics: metrics.engine,
      optimize: () => core.storage.optimize(),
    },
    {
      allowPrivateTargets: overrides.allowPrivate ?? config.network.allowPrivateTargets,
      share: overrides.share,
      ...(overrides.pollChangesMs === undefined ? {} : { pollChangesMs: overrides.pollChangesMs }),
    },
  );
  metrics.watch({
    each: (fn) => {
      for (const [id, rt] of engine.states())
        fn({ id, name: rt.monitor.spec.name, site: rt.monitor.siteName, type: rt.monitor.spec.type, status: rt.state.status });
    },
    writer: () => results.health(),
    now: () => core.clock.now(),
  });
  return { engine, registry: metrics.registry };
}
