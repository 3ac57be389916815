import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { queueNotice } from '../notify/notice.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { policyFor, type UpdatesConfig } from './policy.js';
import type { UpdateEvent, UpdateEventPayload } from './runs/events.js';

const said: Record<UpdateEvent, string> = {
  'update.planned': 'planned',
  'update.approved': 'approved',
  'update.waiting': 'waiting for its maintenance window',
  'update.started': 'started',
  'update.succeeded': 'succeeded',
  'update.failed': 'failed; rolling back',
  'update.rolled_back': 'rolled back',
  'update.rollback_failed': 'rollback failed',
  'update.aborted': 'stopped before changing anything',
};

export interface UpdateMessage {
  event: UpdateEvent;
  siteId: number;
  /** Stable for one plan or run, so pagers keep its messages together: "upkeep-update-run-7". */
  key: string;
  title: string;
  summary: string;
  /** The approval link (update.planned waiting for a person), else the site's Updates section. */
  url?: string | null;
}

/**
 * Queues update messages for the channels of each site's policy, in the caller's transaction
 * (the one outbox). Returns how many were queued.
 */
export async function queueUpdateMessages(
  trx: Kysely<Database>,
  config: UpdatesConfig,
  publicUrl: string | undefined,
  messages: readonly UpdateMessage[],
  now: number,
): Promise<number> {
  let queued = 0;
  const base = publicUrl?.replace(/\/+$/, '');
  for (const m of messages) {
    const site = await new SitesRepository(trx).getSite(m.siteId);
    if (!site) continue;
    const spec = JSON.parse(site.spec) as { url?: string; tags?: string[] };
    const policy = policyFor(config, { name: site.name, tags: spec.tags ?? [] });
    const notice = {
      event: m.event,
      key: m.key,
      title: m.title,
      summary: m.summary,
      site: { id: site.id, name: site.name, url: spec.url ?? null, tags: spec.tags ?? [] },
      url: m.url !== undefined ? m.url : base ? `${base}/sites/${site.id}#updates` : null,
    };
    queued += await queueNotice(trx, policy.channels, notice, now);
  }
  return queued;
}

/** A run's stored event as a message: "Update run 7 of Shop: rolled back". */
export const runMessage = (p: UpdateEventPayload): UpdateMessage => ({
  event: p.event,
  siteId: p.site.id,
  key: `upkeep-update-run-${p.run.id}`,
  title: `Update run ${p.run.id} of ${p.site.name}: ${said[p.event]}`,
  summary: [p.run.reason, `Steps: ${p.run.steps.join('; ')}`, p.incidentId === undefined ? '' : `Incident #${p.incidentId} is open.`]
    .filter(Boolean)
    .join('\n')
    .slice(0, 2_000),
});
