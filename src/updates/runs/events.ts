import type { NotificationEvent } from '../../notify/notification.js';

/**
 * What an update run tells: `update.*` events (listed, with what each means, among the notification
 * events), stored with the run in the transaction of the change they tell of (table update_events),
 * in the shape channels and webhooks will receive.
 */
export type UpdateEvent = Extract<NotificationEvent, `update.${string}`>;

export interface UpdateEventPayload {
  event: UpdateEvent;
  occurredAt: string;
  run: { id: number; status: string; phase: string; reason: string | null; steps: string[] };
  site: { id: number; name: string; url: string | null };
  /** The critical incident a failed rollback opened. */
  incidentId?: number;
}
