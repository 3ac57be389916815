import type { SpecOf } from '../channel.schema.js';
import type { Delivery, DeliveryContext, NotificationPayload } from '../notification.js';
import { endpoint, errorField, send } from './http.js';
import { linksOf, pagerActionOf, truncate, type ChannelPlugin, type Message, type PagerAction } from './plugin.js';

const SEVERITY = { critical: 'critical', major: 'error', minor: 'warning' } as const;

function sourceOf(payload: NotificationPayload): string {
  try {
    return payload.site.url ? new URL(payload.site.url).host : payload.site.name;
  } catch {
    return payload.site.name;
  }
}

/** One Events API v2 event; only a trigger carries the alert's details. */
function event(action: PagerAction, message: Message, payload: NotificationPayload, routingKey: string) {
  const base = { routing_key: routingKey, event_action: action, dedup_key: payload.dedupKey };
  if (action !== 'trigger') return base;
  const first = payload.monitors[0];
  return {
    ...base,
    payload: {
      summary: truncate(message.text.title, 1024),
      source: sourceOf(payload),
      severity: payload.event === 'test' ? 'info' : SEVERITY[payload.incident.severity],
      timestamp: payload.occurredAt,
      group: payload.site.name,
      ...(first ? { component: first.name, class: first.type } : {}),
      custom_details: { details: message.text.body, summary: payload.incident.summary, site: payload.site.name, monitors: payload.monitors },
    },
    links: linksOf(payload).map((link) => ({ href: link.url, text: link.text })),
    client: 'Upkeep',
    ...(payload.incident.url ? { client_url: payload.incident.url } : {}),
  };
}

const enqueue = (spec: SpecOf<'pagerduty'>, body: object, ctx: DeliveryContext): Promise<Delivery> =>
  send(endpoint(spec.apiUrl, '/v2/enqueue'), { json: body, errorCode: errorField('message') }, spec, ctx);

/**
 * PagerDuty Events API v2. The incident's dedupKey is the dedup_key, so opened, updated and
 * reminder messages keep one PagerDuty incident, and acknowledge and resolve reach that same one.
 * A test triggers an info event and resolves it at once, so nobody is left with an open alert.
 */
export const pagerdutyChannel: ChannelPlugin<'pagerduty'> = {
  format: 'plain',
  async send(spec, message, payload, ctx) {
    const action = pagerActionOf(payload);
    const sent = await enqueue(spec, event(action, message, payload, spec.routingKey), ctx);
    if (!sent.ok || payload.event !== 'test') return sent;
    return enqueue(spec, event('resolve', message, payload, spec.routingKey), ctx);
  },
};
