import type { NotificationPayload } from '../notification.js';
import { endpoint, send } from './http.js';
import { isAlerting, pagerActionOf, truncate, type ChannelPlugin } from './plugin.js';

/** 2 is an emergency (repeats until acknowledged), 1 high, 0 normal, -1 quiet. */
function priorityOf(payload: NotificationPayload): number {
  if (isAlerting(payload)) return { critical: 2, major: 1, minor: 0 }[payload.incident.severity];
  return pagerActionOf(payload) === 'acknowledge' ? -1 : 0;
}

/** Pushover messages.json (title 250, message 1,024, URL 512 characters). */
export const pushoverChannel: ChannelPlugin<'pushover'> = {
  format: 'plain',
  async send(spec, message, payload, ctx) {
    const priority = priorityOf(payload);
    const form: Record<string, string> = {
      token: spec.appToken,
      user: spec.userKey,
      title: truncate(message.title, 250),
      message: truncate(message.body || message.title, 1024),
      priority: String(priority),
      timestamp: String(Math.floor(Date.parse(payload.occurredAt) / 1000)),
    };
    if (payload.incident.url && payload.incident.url.length <= 512) Object.assign(form, { url: payload.incident.url, url_title: 'Open incident' });
    if (spec.device) form.device = spec.device;
    if (spec.sound) form.sound = spec.sound;
    if (priority === 2) Object.assign(form, { retry: String(spec.emergency.retry / 1000), expire: String(spec.emergency.expire / 1000) });
    return send(
      endpoint(spec.apiUrl, '/1/messages.json'),
      { form, errorCode: ({ json }) => (Array.isArray(json?.errors) ? (json.errors as unknown[])[0] : undefined) },
      spec,
      ctx,
    );
  },
};
