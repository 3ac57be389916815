import type { Kysely } from 'kysely';
import type { AuditService } from '../audits/audit.service.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { PrivacyRecordsService } from './records.service.js';

/**
 * Keeps every site's GDPR records current with its privacy audits, whichever way they ran: the
 * scheduler and `upkeep audit` store audits through the same service, which calls this after each.
 * Tasks it opens reach the site's channels through the outbox (the server's sender delivers rows a
 * command queued).
 */
export function followPrivacyAudits(audits: AuditService, db: Kysely<Database>, clock: Clock): void {
  // Reading the records' audits opens no routine: only written records get their yearly review.
  const records = new PrivacyRecordsService(db, clock, async () => {});
  audits.afterStore(async (audit) => {
    if (!audit.categories.includes('privacy')) return;
    await records.fromAudit(audit, await audits.artifacts(audit.id));
  });
}
