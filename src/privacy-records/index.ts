import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { RoutinesService } from '../routines/routines.service.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { privacyRecordsRoutes } from './records.routes.js';
import { PrivacyRecordsService } from './records.service.js';
import { ensureYearlyReview } from './review.js';

export interface PrivacyRecords {
  service: PrivacyRecordsService;
  apiRoutes(api: FastifyInstance): void;
  /** Opens the yearly reviews' tasks that are due, now and every hour. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * GDPR records over an open core. The yearly review is a routine (reminders and overdue alerts
 * through the channels, like every routine), made on the site's anniversary of its first records;
 * records not reviewed for a year also open a task, told to the site's channels. Audits keep the
 * records current through `followPrivacyAudits` (registered on the core's audit service).
 */
export function createPrivacyRecords(core: Core, routines: RoutinesService, deps: { wake: () => void }): PrivacyRecords {
  const service = new PrivacyRecordsService(core.storage.db, core.clock, (siteId) => ensureYearlyReview(routines, core.clock.now(), siteId));
  const log = core.logger.child({ component: 'privacy-records' });
  let ticking: Repeating | undefined;
  const tick = async () => {
    if (await service.reviewsDue()) deps.wake();
  };
  return {
    service,
    apiRoutes(api) {
      privacyRecordsRoutes(api, { records: service, sites: core.sites, clock: core.clock });
    },
    start() {
      ticking = repeat(3_600_000, tick, { log, what: 'opening yearly GDPR reviews', now: true });
    },
    async stop() {
      await ticking?.stop();
    },
  };
}
