import { createHmac } from 'node:crypto';
import type { NotificationPayload } from '../notification.js';
import { send } from './http.js';
import type { ChannelPlugin } from './plugin.js';

/** The body of the generic webhook: the payload exactly, plus when this attempt was sent. */
export type WebhookBody = NotificationPayload & { sentAt: string };

/**
 * The signed request of the generic webhook (contract in docs/notifications.md). `sentAt` is in
 * the signed body and equals `X-Upkeep-Timestamp`, so a receiver can refuse old replays.
 */
export function webhookRequest(payload: NotificationPayload, secret: string, now: Date = new Date()) {
  // Whole seconds, so the ISO time and the Unix timestamp header are exactly the same instant.
  const seconds = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({ ...payload, sentAt: new Date(seconds * 1000).toISOString() } satisfies WebhookBody);
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  return {
    body,
    headers: {
      'x-upkeep-signature': `sha256=${signature}`,
      'x-upkeep-timestamp': String(seconds),
      'x-upkeep-event': payload.event,
      'idempotency-key': payload.notificationId,
    },
  };
}

export const webhookChannel: ChannelPlugin<'webhook'> = {
  format: null,
  async send(spec, _message, payload, ctx) {
    const { body, headers } = webhookRequest(payload, spec.secret);
    // The channel's own headers come first so they can never replace the signature or the event.
    return send(spec.url, { headers: { ...spec.headers, ...headers, 'content-type': 'application/json' }, raw: body }, spec, ctx);
  },
};
