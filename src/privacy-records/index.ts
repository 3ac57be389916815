import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { StoredAudit } from '../audits/audit.service.js';
import type { RoutinesService } from '../routines/routines.service.js';
import { privacyRecordsRoutes } from './records.routes.js';
import { PrivacyRecordsService } from './records.service.js';
import { ensureYearlyReview } from './review.js';

export interface PrivacyRecords {
  service: PrivacyRecordsService;
  apiRoutes(api: FastifyInstance): void;
  /** Keeps the site's records current with a finished audit (its privacy part). */
  onAudit(audit: StoredAudit): Promise<void>;
}

/**
 * GDPR records over an open core. The yearly review is a routine (reminders and overdue alerts
 * through the channels, like every routine), made on the site's anniversary of its first records.
 */
export function createPrivacyRecords(core: Core, routines: RoutinesService): PrivacyRecords {
  const service = new PrivacyRecordsService(core.storage.db, core.clock, (siteId) => ensureYearlyReview(routines, core.clock.now(), siteId));
  return {
    service,
    apiRoutes(api) {
      privacyRecordsRoutes(api, { records: service, sites: core.sites, clock: core.clock });
    },
    async onAudit(audit) {
      if (!audit.categories.includes('privacy')) return;
      await service.fromAudit(audit, await core.audits.artifacts(audit.id));
    },
  };
}
