import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { toIso } from '../lib/clock.js';
import type { NotificationEvent, NotificationPayload } from './notification.js';
import { ChannelsRepository } from './channels.repository.js';
import { OutboxRepository } from './outbox.repository.js';

/** Something for people to look at that is not an incident: what it is, and where to look. */
export interface Notice {
  /** `notice` unless the notice is of a kind receivers tell apart (`privacy.task.opened`, a site's `update.*`). */
  event?: Extract<NotificationEvent, 'notice' | 'privacy.task.opened' | `update.${string}`>;
  /** Stable for one notice (the pagers' dedup key): "upkeep-feedback-spike-7-1733472000000". */
  key: string;
  title: string;
  summary: string;
  site: { id: number; name: string; url: string | null; tags: string[] };
  /** Where to look, when server.publicUrl is set. */
  url: string | null;
}

/**
 * Queues a notice (event `notice`, or the notice's own) for the named channels inside the caller's transaction, through
 * the one outbox: delivered at least once, with the channels' rate limits and retries. The message
 * has the shape of every other (`incident` carries the notice: id 0, severity minor), so templates
 * and receivers need nothing new. Names that are no channel are skipped; returns how many were queued.
 */
export async function queueNotice(trx: Kysely<Database>, channels: readonly string[], notice: Notice, now: number): Promise<number> {
  if (!channels.length) return 0;
  const found = await new ChannelsRepository(trx).byNames(channels);
  const event = notice.event ?? 'notice';
  const payload: Omit<NotificationPayload, 'notificationId'> = {
    event,
    occurredAt: toIso(now),
    dedupKey: notice.key,
    incident: {
      id: 0,
      title: notice.title,
      severity: 'minor',
      status: 'open',
      openedAt: toIso(now),
      acknowledgedAt: null,
      resolvedAt: null,
      summary: notice.summary,
      owner: null,
      url: notice.url,
      acknowledgeUrl: null,
      runbook: null,
    },
    site: notice.site,
    monitors: [],
  };
  const rows = found.map((channel) => {
    const id = randomUUID();
    return {
      id,
      incident_id: null,
      channel_id: channel.id,
      channel_name: channel.name,
      event,
      payload: JSON.stringify({ ...payload, notificationId: id }),
      status: 'pending' as const,
      next_attempt_at: now,
      last_error: null,
      created_at: now,
      delivered_at: null,
    };
  });
  await new OutboxRepository(trx).insert(rows);
  return rows.length;
}
