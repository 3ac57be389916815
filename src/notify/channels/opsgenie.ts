import type { SpecOf } from '../channel.schema.js';
import type { Delivery, DeliveryContext, NotificationPayload } from '../notification.js';
import { endpoint, errorField, send } from './http.js';
import { truncate, type ChannelPlugin, type Message } from './plugin.js';

const PRIORITY = { critical: 'P1', major: 'P2', minor: 'P3' } as const;
const REGIONS = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;

function post(spec: SpecOf<'opsgenie'>, path: string, json: object, ctx: DeliveryContext): Promise<Delivery> {
  const headers = { authorization: `GenieKey ${spec.apiKey}` };
  return send(endpoint(spec.apiUrl ?? REGIONS[spec.region], path), { headers, json, errorCode: errorField('message') }, spec, ctx);
}

/** The alert, by alias: `/v2/alerts/<alias>/<action>?identifierType=alias`. */
const byAlias = (payload: NotificationPayload, action: string) => `/v2/alerts/${encodeURIComponent(payload.dedupKey)}/${action}?identifierType=alias`;

function create(spec: SpecOf<'opsgenie'>, message: Message, payload: NotificationPayload, ctx: DeliveryContext) {
  return post(
    spec,
    '/v2/alerts',
    {
      message: truncate(message.text.title, 130),
      alias: payload.dedupKey,
      description: truncate(message.text.body, 15_000),
      priority: payload.event === 'test' ? 'P5' : PRIORITY[payload.incident.severity],
      source: 'Upkeep',
      entity: payload.site.name,
      tags: ['upkeep', ...payload.site.tags].slice(0, 20),
      details: { site: payload.site.name, severity: payload.incident.severity, ...(payload.incident.url ? { incident: payload.incident.url } : {}) },
    },
    ctx,
  );
}

/**
 * Opsgenie Alert API v2 with the incident's dedupKey as the alias: opened and reminder create (or
 * count up) the alert, updated adds a note, acknowledged and resolved acknowledge and close it.
 * A test creates a P5 alert and closes it at once.
 */
export const opsgenieChannel: ChannelPlugin<'opsgenie'> = {
  format: 'plain',
  async send(spec, message, payload, ctx) {
    const note = { source: 'Upkeep', note: truncate(message.text.title, 25_000) };
    switch (payload.event) {
      case 'incident.updated':
        return post(spec, byAlias(payload, 'notes'), { source: 'Upkeep', note: truncate(`${message.text.title}\n${message.text.body}`, 25_000) }, ctx);
      case 'incident.acknowledged':
        return post(spec, byAlias(payload, 'acknowledge'), { ...note, ...(payload.incident.owner ? { user: payload.incident.owner } : {}) }, ctx);
      case 'incident.resolved':
        return post(spec, byAlias(payload, 'close'), note, ctx);
      case 'test': {
        const created = await create(spec, message, payload, ctx);
        return created.ok ? post(spec, byAlias(payload, 'close'), note, ctx) : created;
      }
      default:
        return create(spec, message, payload, ctx);
    }
  },
};
