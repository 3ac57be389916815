import { z } from 'zod';
import { checkSiteDocuments, syncKeyed, type ConfigSection, type SectionStore } from '../config/section.js';
import type { Clock } from '../lib/clock.js';
import { SitesRepository } from '../sites/sites.repository.js';
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
  const stored = async (db: Parameters<typeof withFeedbackTables>[0]) => {
    const names = await new SitesRepository(db).siteNames();
    return (await new FeedbackRepository(withFeedbackTables(db)).allWidgets()).map((row) => ({
      key: names.get(row.site_id)!,
      spec: { origins: JSON.parse(row.origins) as string[] },
      envRefs: {},
      managedBy: row.managed_by,
    }));
  };
  return {
    async apply(config, sync) {
      const sites = new SitesRepository(sync.trx);
      const idOf = async (name: string) => (await sites.getSiteByName(name))!.id;
      await syncKeyed(sync, {
        kind: 'feedback-widget',
        schema: widgetInput,
        // As stored: origins without a trailing slash, once each.
        wanted: config.feedbackWidgets.map(({ site, origins }) => ({
          key: site,
          spec: { origins: [...new Set(origins.map((o) => new URL(o).origin))] },
          envRefs: {},
        })),
        stored: await stored(sync.trx),
        write: async ({ key, spec }) => new FeedbackInbox(sync.trx, clock).writeWidget(await idOf(key), spec.origins, 'config'),
        remove: async (key) => new FeedbackRepository(withFeedbackTables(sync.trx)).deleteWidget(await idOf(key)),
      });
    },
    async export({ db, prepare }) {
      const feedbackWidgets = (await stored(db)).map(({ key, spec }) => ({ site: key, ...prepare(widgetInput, spec, {}, () => false, [key]) }));
      return feedbackWidgets.length ? { feedbackWidgets } : {};
    },
  };
}
