import type { NotificationPayload } from '../notification.js';
import { endpoint, errorField, send } from './http.js';
import { isAlerting, pagerActionOf, type ChannelPlugin } from './plugin.js';

/** Gotify's apps treat 8 and up as urgent, 4–7 as normal, 1–3 as quiet. */
function priorityOf(payload: NotificationPayload): number {
  if (isAlerting(payload)) return { critical: 8, major: 7, minor: 5 }[payload.incident.severity];
  return pagerActionOf(payload) === 'resolve' ? 3 : 4;
}

/** Gotify POST /message with the application token in a header (not the query, which servers log). */
export const gotifyChannel: ChannelPlugin<'gotify'> = {
  format: 'plain',
  async send(spec, message, payload, ctx) {
    const json = {
      title: message.title,
      message: message.body,
      priority: priorityOf(payload),
      extras: {
        'client::display': { contentType: 'text/plain' },
        ...(payload.incident.url ? { 'client::notification': { click: { url: payload.incident.url } } } : {}),
      },
    };
    return send(endpoint(spec.server, '/message'), { headers: { 'x-gotify-key': spec.token }, json, errorCode: errorField('error') }, spec, ctx);
  },
};
