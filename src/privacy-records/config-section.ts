import { z } from 'zod';
import { checkSiteDocuments, syncKeyed, type ConfigSection, type SectionStore } from '../config/section.js';
import type { Clock } from '../lib/clock.js';
import { RoutinesService } from '../routines/routines.service.js';
import { SitesRepository } from '../sites/sites.repository.js';
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
  const stored = async (db: Parameters<typeof withPrivacyTables>[0]) => {
    const names = await new SitesRepository(db).siteNames();
    return (await new RecordsRepository(withPrivacyTables(db)).all()).map((row) => ({
      key: names.get(row.site_id)!,
      spec: JSON.parse(row.body) as RecordsBody,
      envRefs: {},
      managedBy: row.managed_by,
    }));
  };
  return {
    async apply(config, sync) {
      const trx = sync.trx;
      const routines = new RoutinesService(trx, clock, undefined);
      const review = (siteId: number) => ensureYearlyReview(routines, clock.now(), siteId, trx);
      const service = new PrivacyRecordsService(trx, clock, review);
      const sites = new SitesRepository(trx);
      const idOf = async (name: string) => (await sites.getSiteByName(name))!.id;
      await syncKeyed(sync, {
        kind: 'privacy-records',
        schema: recordsInput,
        wanted: config.privacyRecords.map(({ site, ...spec }) => ({ key: site, spec, envRefs: {} })),
        stored: await stored(trx),
        async write({ key, spec }) {
          const siteId = await idOf(key);
          if (await service.write(trx, siteId, spec, 'config')) await review(siteId);
        },
        remove: async (key) => new RecordsRepository(withPrivacyTables(trx)).delete(await idOf(key)),
      });
    },
    async export({ db, prepare }) {
      const privacyRecords = (await stored(db)).map(({ key, spec }) => ({ site: key, ...prepare(recordsInput, spec, {}, () => false, [key]) }));
      return privacyRecords.length ? { privacyRecords } : {};
    },
  };
}
