import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, DeliveryAttemptsTable, NotificationsTable } from '../db/types.js';

export type NotificationRow = Selectable<NotificationsTable>;
export type AttemptRow = Selectable<DeliveryAttemptsTable>;

/** The only place that knows how the notification outbox and its delivery log are stored. */
export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds messages, each after the messages already written for its incident and channel (`seq`). */
  async insert(rows: readonly Insertable<NotificationsTable>[]): Promise<void> {
    if (!rows.length) return;
    const numbered = [];
    for (const row of rows) {
      if (row.incident_id == null || row.channel_id == null) {
        numbered.push(row);
        continue;
      }
      const last = await this.db
        .selectFrom('notifications')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('incident_id', '=', row.incident_id)
        .where('channel_id', '=', row.channel_id)
        .executeTakeFirst();
      numbered.push({ ...row, seq: Number(last?.seq ?? 0) + 1 });
    }
    await this.db.insertInto('notifications').values(numbered).execute();
  }

  /**
   * Pending messages that head their queue: no earlier message of the same incident to the same
   * channel is still pending (being retried, rate-limited or waiting to be grouped), so a channel
   * hears of an incident in order.
   */
  private heads() {
    return this.db
      .selectFrom('notifications as n')
      .where('n.status', '=', 'pending')
      .where((outer) =>
        outer.not(
          outer.exists(
            outer
              .selectFrom('notifications as e')
              .select('e.id')
              .whereRef('e.incident_id', '=', 'n.incident_id')
              .whereRef('e.channel_id', '=', 'n.channel_id')
              .where('e.status', '=', 'pending')
              .where((eb) =>
                eb.or([eb('e.seq', '<', eb.ref('n.seq')), eb.and([eb('e.seq', '=', eb.ref('n.seq')), eb('e.created_at', '<', eb.ref('n.created_at'))])]),
              ),
          ),
        ),
      );
  }

  /** Pending messages whose time has come and whose turn it is, oldest first. */
  due(now: number, limit: number): Promise<NotificationRow[]> {
    return this.heads().selectAll('n').where('n.next_attempt_at', '<=', now).orderBy('n.next_attempt_at').limit(limit).execute();
  }

  /** The next time a message whose turn it is will be due, to sleep until then. */
  async nextDue(): Promise<number | undefined> {
    const row = await this.heads()
      .select((eb) => eb.fn.min('n.next_attempt_at').as('at'))
      .executeTakeFirst();
    return row?.at ?? undefined;
  }

  /** Who was sent what since `since` (every attempt takes from its channel's rate limit): to restore the limits at a start. */
  sendsSince(since: number): Promise<{ channel_id: number | null; at: number }[]> {
    return this.db
      .selectFrom('delivery_attempts as a')
      .innerJoin('notifications as n', 'n.id', 'a.notification_id')
      .select(['n.channel_id', 'a.at'])
      .where('a.at', '>=', since)
      .orderBy('a.at')
      .execute();
  }

  /**
   * Takes a message for delivery by pushing its time past a lease: only one sender wins (several
   * instances may share a PostgreSQL database). A sender that dies lets the lease run out.
   */
  async claim(id: string, dueBy: number, leaseUntil: number): Promise<boolean> {
    const r = await this.db
      .updateTable('notifications')
      .set({ next_attempt_at: leaseUntil })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', dueBy)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** At start of a single-process instance, leases held by the previous run are void. */
  async releaseLeases(now: number, leasedAfter: number): Promise<void> {
    await this.db
      .updateTable('notifications')
      .set({ next_attempt_at: now })
      .where('status', '=', 'pending')
      .where('next_attempt_at', '>', now)
      .where('next_attempt_at', '<=', leasedAfter)
      .execute();
  }

  async finish(id: string, changes: Updateable<NotificationsTable>): Promise<void> {
    await this.db.updateTable('notifications').set(changes).where('id', '=', id).execute();
  }

  async addAttempt(row: Insertable<DeliveryAttemptsTable>): Promise<void> {
    await this.db.insertInto('delivery_attempts').values(row).execute();
  }

  forIncident(incidentId: number): Promise<NotificationRow[]> {
    return this.db.selectFrom('notifications').selectAll().where('incident_id', '=', incidentId).orderBy('created_at').execute();
  }

  attempts(notificationIds: readonly string[]): Promise<AttemptRow[]> {
    if (!notificationIds.length) return Promise.resolve([]);
    return this.db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('notification_id', 'in', [...notificationIds])
      .orderBy('at')
      .execute();
  }

  /** Channels that have heard of an incident: they hear how it goes on. */
  async channelsNotified(incidentId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('notifications')
      .select('channel_id')
      .distinct()
      .where('incident_id', '=', incidentId)
      .where('channel_id', 'is not', null)
      .execute();
    return rows.map((r) => r.channel_id!);
  }

  /** A message about an incident that has not gone out yet (to fold later news into it). */
  pending(incidentId: number, channelId: number, event: string): Promise<NotificationRow | undefined> {
    return this.db
      .selectFrom('notifications')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .where('channel_id', '=', channelId)
      .where('event', '=', event)
      .where('status', '=', 'pending')
      .where('attempts', '=', 0)
      .executeTakeFirst();
  }

  async setPayload(id: string, payload: string): Promise<void> {
    await this.db.updateTable('notifications').set({ payload }).where('id', '=', id).execute();
  }
}
