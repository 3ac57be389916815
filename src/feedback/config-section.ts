import { z } from 'zod';
import { checkSiteDocuments, type ConfigSection, type SectionStore } from '../config/section.js';
import { siteDocumentsStore } from '../sites/site-documents.js';
import type { Clock } from '../lib/clock.js';
import { FeedbackRepository } from './feedback.repository.js';
import { widgetInput } from './feedback.schema.js';
import { FeedbackInbox } from './inbox.service.js';
import { withFeedbackTables } from './tables.js';

export const widgetConfigSchema = widgetInput.extend({ site: z.string().min(1).describe('the site (from sites:) the widget is on') });

interface Referencing {
  sites: { name: string }[];
  feedbackWidgets: z.output<typeof widgetConfigSchema>[];
}

/** `feedbackWidgets:`: the origins each site's widget takes reports from, one entry per site of the file. */
export const feedbackWidgetsSection = {
  shape: { feedbackWidgets: z.array(widgetConfigSchema).default([]) },
  check: (config, issue) => checkSiteDocuments(config.feedbackWidgets, 'feedbackWidgets', new Set(config.sites.map((s) => s.name)), issue),
} satisfies ConfigSection<Referencing>;

/**
 * `feedbackWidgets:` in the database (after sites). A widget keeps its public key while the file
 * changes its origins (the snippet on the site's pages stays good); one the file drops is deleted.
 */
export function feedbackWidgetsStore(clock: Clock): SectionStore<Referencing> {
  return siteDocumentsStore<Referencing, { origins: string[] }>({
    section: 'feedbackWidgets',
    kind: 'feedback-widget',
    schema: widgetInput,
    stored: async (db) =>
      (await new FeedbackRepository(withFeedbackTables(db)).allWidgets()).map((row) => ({
        siteId: row.site_id,
        spec: { origins: JSON.parse(row.origins) as string[] },
        envRefs: {},
        managedBy: row.managed_by,
      })),
    // As stored: origins without a trailing slash, once each.
    wanted: (config) =>
      config.feedbackWidgets.map(({ site, origins }) => ({ site, spec: { origins: [...new Set(origins.map((o) => new URL(o).origin))] }, envRefs: {} })),
    write: ({ trx }, siteId, spec) => new FeedbackInbox(trx, clock).writeWidget(siteId, spec.origins, 'config'),
    remove: ({ trx }, siteId) => new FeedbackRepository(withFeedbackTables(trx)).deleteWidget(siteId),
  });
}
