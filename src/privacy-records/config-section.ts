import { z } from 'zod';
import { checkSiteDocuments, type ConfigSection, type SectionStore } from '../config/section.js';
import { siteDocumentsStore } from '../sites/site-documents.js';
import type { Clock } from '../lib/clock.js';
import { RoutinesService } from '../routines/routines.service.js';
import { RecordsRepository } from './records.repository.js';
import { recordsInput, type RecordsBody } from './records.schema.js';
import { PrivacyRecordsService } from './records.service.js';
import { ensureYearlyReview } from './review.js';
import { withPrivacyTables } from './tables.js';

export const recordsConfigSchema = recordsInput.extend({ site: z.string().min(1).describe('the site (from sites:) these records are of') });

interface Referencing {
  sites: { name: string }[];
  privacyRecords: z.output<typeof recordsConfigSchema>[];
}

/** `privacyRecords:`: GDPR records of processing, one entry per site of the file. */
export const privacyRecordsSection = {
  shape: { privacyRecords: z.array(recordsConfigSchema).default([]) },
  check: (config, issue) => checkSiteDocuments(config.privacyRecords, 'privacyRecords', new Set(config.sites.map((s) => s.name)), issue),
} satisfies ConfigSection<Referencing>;

/**
 * `privacyRecords:` in the database (after sites and routines): written as the API writes them
 * (a processor outside the EU/EEA without an agreement opens a task; first records get their yearly
 * review routine), deleted when the file that wrote them drops them. What the audits saw is not
 * configuration: it stays, and is not exported.
 */
export function privacyRecordsStore(clock: Clock): SectionStore<Referencing> {
  return siteDocumentsStore<Referencing, RecordsBody>({
    section: 'privacyRecords',
    kind: 'privacy-records',
    schema: recordsInput,
    stored: async (db) =>
      (await new RecordsRepository(withPrivacyTables(db)).all()).map((row) => ({
        siteId: row.site_id,
        spec: JSON.parse(row.body) as RecordsBody,
        envRefs: {},
        managedBy: row.managed_by,
      })),
    wanted: (config) => config.privacyRecords.map(({ site, ...spec }) => ({ site, spec, envRefs: {} })),
    async write({ trx }, siteId, spec) {
      const routines = new RoutinesService(trx, clock, undefined);
      const review = (id: number) => ensureYearlyReview(routines, clock.now(), id, trx);
      if (await new PrivacyRecordsService(trx, clock, review).write(trx, siteId, spec, 'config')) await review(siteId);
    },
    remove: ({ trx }, siteId) => new RecordsRepository(withPrivacyTables(trx)).delete(siteId),
  });
}
