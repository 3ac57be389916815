import type { NotificationPayload } from '../notification.js';
import { endpoint, errorField, send } from './http.js';
import { isAlerting, pagerActionOf, truncate, type ChannelPlugin } from './plugin.js';

/** ntfy priorities: 5 max (critical), 4 high, 3 default, 2 low (resolved). */
function priorityOf(payload: NotificationPayload): number {
  if (isAlerting(payload)) return { critical: 5, major: 4, minor: 3 }[payload.incident.severity];
  return pagerActionOf(payload) === 'resolve' ? 2 : 3;
}

const tagOf = (payload: NotificationPayload) =>
  payload.event === 'test' ? 'test_tube' : ({ trigger: 'rotating_light', acknowledge: 'eyes', resolve: 'white_check_mark' } as const)[pagerActionOf(payload)];

/** ntfy, published as JSON to the server's root (so titles need no header encoding). */
export const ntfyChannel: ChannelPlugin<'ntfy'> = {
  format: 'plain',
  async send(spec, message, payload, ctx) {
    const ack = isAlerting(payload) ? payload.incident.acknowledgeUrl : null;
    const json = {
      topic: spec.topic,
      title: truncate(message.title, 250),
      message: truncate(message.body, 4000),
      priority: priorityOf(payload),
      tags: [tagOf(payload)],
      ...(payload.incident.url ? { click: payload.incident.url } : {}),
      ...(ack ? { actions: [{ action: 'view', label: 'Acknowledge', url: ack, clear: true }] } : {}),
    };
    const headers: Record<string, string> = spec.token ? { authorization: `Bearer ${spec.token}` } : {};
    return send(endpoint(spec.server, '/'), { headers, json, errorCode: errorField('code') }, spec, ctx);
  },
};
