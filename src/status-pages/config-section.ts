import { z } from 'zod';
import { upsertStoredFromFile, type ConfigSection, type SectionStore } from '../config/section.js';
import type { ConfigObjectKindSection } from '../incidents/config-section.js';
import { checkStatusPageReferences, emailSettingsSchema, messageTemplateSchema, statusPageSchema, type StatusPageSpec } from './status-page.schema.js';
import { statusPageObjects, type StatusPageCodec } from './status-pages.service.js';
import { StatusPagesRepository } from './status-pages.repository.js';
import { withStatusTables } from './tables.js';

/** Status pages (issue 5): public pages, the messages reused in their updates, the sender of subscriber mail. */
export const statusPagesSection = {
  shape: {
    statusPages: z.array(statusPageSchema).default([]),
    messageTemplates: z.array(messageTemplateSchema).default([]),
    email: emailSettingsSchema.optional(),
  },
  check: checkStatusPageReferences,
} satisfies ConfigSection<Parameters<typeof checkStatusPageReferences>[0]>;

/** Message templates are small named objects, kept with incidents' in `config_objects`. */
export const statusPageObjectKinds: ConfigObjectKindSection[] = [{ kind: 'message-template', section: 'messageTemplates', schema: messageTemplateSchema }];

/**
 * `statusPages:` in the database, synced by slug: created, updated (the password compared opened,
 * so re-applying the same file changes nothing), and deleted when the file that made them drops
 * them; exported through the same `prepare` as channels (defaults dropped, secrets as variables).
 */
export function statusPagesStore(codec: StatusPageCodec): SectionStore<{ statusPages: StatusPageSpec[] }> {
  return {
    async apply(config, sync) {
      const repo = new StatusPagesRepository(withStatusTables(sync.trx));
      const current = new Map((await repo.all()).map((r) => [r.slug, codec.fromRow(r)]));
      for (const [i, spec] of config.statusPages.entries()) {
        const page = current.get(spec.slug);
        current.delete(spec.slug);
        await upsertStoredFromFile(sync, codec, {
          key: spec.slug,
          spec,
          path: `statusPages.${i}.`,
          current: page,
          insert: (write) => repo.insert(write, sync.now),
          update: (id, write) => repo.update(id, write, sync.now),
        });
      }
      for (const page of current.values()) {
        if (page.managedBy !== 'config') {
          sync.unmanaged.push(`status-page "${page.spec.slug}"`);
          continue;
        }
        sync.items.push({ action: 'delete', kind: 'status-page', key: page.spec.slug, changes: [] });
        if (!sync.dryRun) await repo.delete(page.id);
      }
    },
    async export({ db, prepare }) {
      const rows = await new StatusPagesRepository(withStatusTables(db)).all();
      const statusPages = rows.map((row) => {
        const page = codec.fromRow(row);
        return prepare(statusPageSchema, page.spec, page.envRefs, statusPageObjects.secretsOf(page.spec).isSecret, ['status page', page.spec.slug]);
      });
      return statusPages.length ? { statusPages } : {};
    },
  };
}
