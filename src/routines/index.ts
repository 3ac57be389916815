import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import { routinesRoutes } from './routines.routes.js';
import { RoutinesService } from './routines.service.js';

export interface Routines {
  service: RoutinesService;
  apiRoutes(api: FastifyInstance): void;
  /** Sends reminders and overdue alerts now and every minute. */
  start(): void;
  stop(): void;
}

/** Routines over an open core: the API and the minute worker that queues reminders and overdue alerts on the outbox. */
export function createRoutines(core: Core, config: Config, deps: { wake: () => void }): Routines {
  const log = core.logger.child({ component: 'routines' });
  const service = new RoutinesService(core.storage.db, core.clock, config.server.publicUrl);
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    service
      .tick()
      .then((queued) => queued && deps.wake())
      .catch((err: unknown) => log.error({ err }, 'routine reminders failed'));
  };
  return {
    service,
    apiRoutes(api) {
      routinesRoutes(api, { routines: service, sites: core.sites, clock: core.clock });
    },
    start() {
      tick();
      timer = setInterval(tick, 60_000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
