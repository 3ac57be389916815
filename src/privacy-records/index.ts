import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { StoredAudit } from '../audits/audit.service.js';
import { AppError } from '../lib/errors.js';
import type { RoutinesService } from '../routines/routines.service.js';
import { privacyRecordsRoutes } from './records.routes.js';
import { PrivacyRecordsService } from './records.service.js';

/** The routine that reminds people of the yearly review of a site's records. */
const REVIEW_ROUTINE = 'GDPR records review';

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
  const ensureYearlyReview = async (siteId: number) => {
    const today = new Date(core.clock.now());
    const day = Math.min(today.getUTCDate(), 28);
    const body = {
      name: REVIEW_ROUTINE,
      items: [
        'Purposes and data categories still true',
        'Processors, their countries and agreements checked',
        'Third parties and cookies the audits saw explained',
      ],
      rrule: `FREQ=YEARLY;BYMONTH=${today.getUTCMonth() + 1};BYMONTHDAY=${day};BYHOUR=9;BYMINUTE=0`,
    };
    await routines.create(siteId, body).catch((err: unknown) => {
      // People may have made their own review routine under this name already: that one stays.
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
    });
  };
  const service = new PrivacyRecordsService(core.storage.db, core.clock, ensureYearlyReview);
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
