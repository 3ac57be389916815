import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { routinesRoutes } from './routines.routes.js';
import { RoutinesService } from './routines.service.js';

export interface Routines {
  service: RoutinesService;
  apiRoutes(api: FastifyInstance): void;
  /** Sends reminders and overdue alerts now and every minute. */
  start(): void;
  stop(): Promise<void>;
}

/** Routines over an open core: the API and the minute worker that queues reminders and overdue alerts on the outbox. */
export function createRoutines(core: Core, config: Config, deps: { wake: () => void }): Routines {
  const log = core.logger.child({ component: 'routines' });
  const service = new RoutinesService(core.storage.db, core.clock, config.server.publicUrl);
  let ticking: Repeating | undefined;
  const tick = async () => {
    if (await service.tick()) deps.wake();
  };
  return {
    service,
    apiRoutes(api) {
      routinesRoutes(api, { routines: service, sites: core.sites, clock: core.clock });
    },
    start() {
      ticking = repeat(60_000, tick, { log, what: 'routine reminders', now: true });
    },
    async stop() {
      await ticking?.stop();
    },
  };
}
