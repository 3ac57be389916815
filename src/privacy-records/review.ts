import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { AppError } from '../lib/errors.js';
import type { RoutinesService } from '../routines/routines.service.js';

/** The routine that reminds people of the yearly review of a site's records. */
const REVIEW_ROUTINE = 'GDPR records review';

/**
 * Makes sure a site has its yearly review routine, on today's date (at most the 28th), in `db` (a
 * transaction of `upkeep apply`, or none). A routine of that name made by people stays as it is.
 */
export async function ensureYearlyReview(routines: RoutinesService, now: number, siteId: number, db?: Kysely<Database>): Promise<void> {
  const today = new Date(now);
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
  await routines.create(siteId, body, db ? { db } : {}).catch((err: unknown) => {
    if (!(err instanceof AppError && err.code === 'conflict')) throw err;
  });
}
