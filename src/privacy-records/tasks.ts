import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { queueNotice } from '../notify/notice.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { RecordsRepository } from './records.repository.js';
import { withPrivacyTables, type PrivacyTaskKind } from './tables.js';

const what: Record<PrivacyTaskKind, string> = {
  'new-third-party': 'new third party',
  'processor-outside-eea': 'processor outside the EU/EEA without an agreement',
  'yearly-review': 'yearly review of the records due',
};

/**
 * Opens a GDPR task in the caller's transaction, unless one of its kind and subject is open, and
 * tells the site's channels (its `notify`) through the one outbox as a `privacy.task.opened`
 * notice, committed with the task. True when it opened one.
 */
export async function openPrivacyTask(
  trx: Kysely<Database>,
  task: { siteId: number; kind: PrivacyTaskKind; subject: string; summary: string },
  now: number,
): Promise<boolean> {
  const id = await new RecordsRepository(withPrivacyTables(trx)).openTask({
    site_id: task.siteId,
    kind: task.kind,
    subject: task.subject,
    summary: task.summary,
    state: 'open',
    created_at: now,
    done_at: null,
    done_by: null,
  });
  if (id === null) return false;
  const site = (await new SitesRepository(trx).getSite(task.siteId))!;
  const spec = JSON.parse(site.spec) as { url?: string; tags?: string[]; notify?: string[] };
  await queueNotice(
    trx,
    spec.notify ?? [],
    {
      event: 'privacy.task.opened',
      key: `upkeep-privacy-task-${id}`,
      title: `GDPR task: ${what[task.kind]} (${site.name})`,
      summary: task.summary,
      site: { id: site.id, name: site.name, url: spec.url ?? null, tags: spec.tags ?? [] },
      url: null,
    },
    now,
  );
  return true;
}
