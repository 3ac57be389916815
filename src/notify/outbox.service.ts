import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { OutboxRepository, type AttemptRow, type NotificationRow } from './outbox.repository.js';

/** Who a message is for: a channel, or one recipient of a kind another feature delivers to (see `RecipientKind`). */
export type Addressee = { channelId: number; channelName: string } | { recipient: string; recipientId: number; name: string };

/** A message to queue: written in the caller's transaction, delivered at least once by the OutboxSender. */
export interface OutgoingMessage {
  /** Stable across attempts (receivers drop repeats); a random UUID unless given. */
  id?: string;
  to: Addressee;
  event: string;
  payload: string;
  incidentId?: number | null;
  /** When it may go first. */
  dueAt: number;
  createdAt: number;
}

/**
 * The outbox as other features use it: queue messages inside their own transactions (`in(trx)`),
 * fold news into a message that has not gone out, and read an incident's delivery log. Anything
 * that must be delivered at least once goes through here (channel messages, subscriber emails and
 * webhooks), so it shares one claim, lease, backoff and delivery log.
 */
export class Outbox {
  private readonly repo: OutboxRepository;

  constructor(db: Kysely<Database>) {
    this.repo = new OutboxRepository(db);
  }

  /** The same outbox inside a transaction. */
  in(trx: Kysely<Database>): Outbox {
    return new Outbox(trx);
  }

  async queue(messages: readonly OutgoingMessage[]): Promise<void> {
    await this.repo.insert(
      messages.map((m) => ({
        id: m.id ?? randomUUID(),
        incident_id: m.incidentId ?? null,
        channel_id: 'channelId' in m.to ? m.to.channelId : null,
        channel_name: 'channelId' in m.to ? m.to.channelName : m.to.name,
        recipient: 'recipient' in m.to ? m.to.recipient : null,
        recipient_id: 'recipient' in m.to ? m.to.recipientId : null,
        event: m.event,
        payload: m.payload,
        status: 'pending' as const,
        next_attempt_at: m.dueAt,
        last_error: null,
        created_at: m.createdAt,
        delivered_at: null,
      })),
    );
  }

  /** A message about an incident to a channel that has not gone out yet (to fold later news into it). */
  pending(incidentId: number, channelId: number, event: string): Promise<NotificationRow | undefined> {
    return this.repo.pending(incidentId, channelId, event);
  }

  setPayload(id: string, payload: string): Promise<void> {
    return this.repo.setPayload(id, payload);
  }

  /** Channels that have heard of an incident: they hear how it goes on. */
  channelsNotified(incidentId: number): Promise<{ id: number; name: string }[]> {
    return this.repo.channelsNotified(incidentId);
  }

  /** What was sent about an incident, with every attempt. */
  async deliveryLog(incidentId: number): Promise<{ messages: NotificationRow[]; attempts: AttemptRow[] }> {
    const messages = await this.repo.forIncident(incidentId);
    return { messages, attempts: await this.repo.attempts(messages.map((n) => n.id)) };
  }
}
