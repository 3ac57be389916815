import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { toIso, type Clock } from '../lib/clock.js';
import type { NotificationEvent, NotificationPayload, Severity, IncidentStatus } from '../notify/notification.js';
import type { Outbox } from '../notify/outbox.service.js';
import { SitesRepository } from '../sites/sites.repository.js';
import type { SiteCodec } from '../sites/sites.service.js';
import type { AckLinks } from './ack-links.js';
import { IncidentsRepository, type IncidentRow } from './incidents.repository.js';
import type { Recipient } from './routing.js';

export interface NotifierSettings {
  /** server.publicUrl: links in messages (incident page, acknowledge link) need it. */
  publicUrl: string | undefined;
  ackLinkTtlMs: number;
  /** How long a new message waits for more news about the same incident to fold in (Alertmanager's group_wait). */
  groupWaitMs: number;
}

/**
 * Writes the outbox rows for an incident's news, inside the caller's transaction. Each row holds
 * the whole message as it was at that moment, so a retry days later says what was true then.
 */
export class Notifier {
  constructor(
    private readonly codec: SiteCodec,
    private readonly links: AckLinks,
    private readonly clock: Clock,
    private readonly settings: NotifierSettings,
    private readonly outbox: Outbox,
  ) {}

  async payload(trx: Kysely<Database>, incident: IncidentRow, event: NotificationEvent, occurredAt: number): Promise<NotificationPayload> {
    const sites = new SitesRepository(trx);
    const site = this.codec.siteFromRow((await sites.getSite(incident.site_id))!);
    const links = await new IncidentsRepository(trx).monitors(incident.id);
    const monitors = [];
    let runbook = site.spec.runbook ?? null;
    for (const link of links) {
      const row = await sites.getMonitor(link.monitor_id);
      if (!row) continue;
      const monitor = this.codec.monitorFromRow(row);
      runbook = monitor.spec.runbook ?? runbook;
      monitors.push({ id: monitor.id, name: monitor.spec.name, type: monitor.spec.type, status: link.status, message: link.message, since: toIso(link.since) });
    }
    const base = this.settings.publicUrl?.replace(/\/$/, '');
    const open = incident.status !== 'resolved' && event !== 'incident.resolved';
    return {
      event,
      occurredAt: toIso(occurredAt),
      dedupKey: `upkeep-incident-${incident.id}`,
      notificationId: '',
      incident: {
        id: incident.id,
        title: incident.title,
        severity: incident.severity as Severity,
        status: incident.status as IncidentStatus,
        openedAt: toIso(incident.opened_at),
        acknowledgedAt: incident.acknowledged_at === null ? null : toIso(incident.acknowledged_at),
        resolvedAt: incident.resolved_at === null ? null : toIso(incident.resolved_at),
        summary: incident.summary,
        owner: incident.owner,
        url: base ? `${base}/incidents/${incident.id}` : null,
        acknowledgeUrl:
          base && open && incident.status === 'open' ? `${base}/ack/${this.links.sign(incident.id, this.clock.now() + this.settings.ackLinkTtlMs)}` : null,
        runbook,
      },
      site: { id: site.id, name: site.spec.name, url: site.spec.url ?? null, tags: site.spec.tags },
      monitors,
    };
  }

  /**
   * Queues `event` for each recipient. With `fold`, news joins a message to the same channel that
   * has not gone out yet (so monitors failing together make one message), and new messages wait
   * `groupWaitMs` for more news.
   */
  async send(
    trx: Kysely<Database>,
    incident: IncidentRow,
    event: NotificationEvent,
    recipients: readonly Recipient[],
    options: { fold: boolean },
  ): Promise<void> {
    if (!recipients.length) return;
    const now = this.clock.now();
    const outbox = this.outbox.in(trx);
    const payload = await this.payload(trx, incident, event, now);
    const rows = [];
    for (const r of recipients) {
      if (options.fold) {
        const waiting = (await outbox.pending(incident.id, r.channelId, event)) ?? (await outbox.pending(incident.id, r.channelId, 'incident.opened'));
        if (waiting) {
          const kept = JSON.parse(waiting.payload) as NotificationPayload;
          await outbox.setPayload(waiting.id, JSON.stringify({ ...payload, event: kept.event, notificationId: waiting.id, occurredAt: kept.occurredAt }));
          continue;
        }
      }
      const id = randomUUID();
      rows.push({
        id,
        incidentId: incident.id,
        to: { channelId: r.channelId, channelName: r.channelName },
        event,
        payload: JSON.stringify({ ...payload, notificationId: id }),
        dueAt: Math.max(r.deliverAt, now + (options.fold ? this.settings.groupWaitMs : 0)),
        createdAt: now,
      });
    }
    await outbox.queue(rows);
  }

  /** Channels already told about an incident, to tell them how it goes on. */
  async notified(trx: Kysely<Database>, incidentId: number): Promise<Recipient[]> {
    const channels = await this.outbox.in(trx).channelsNotified(incidentId);
    const now = this.clock.now();
    return channels.map((c) => ({ channelId: c.id, channelName: c.name, deliverAt: now }));
  }
}
