import { errorField, send } from './http.js';
import { colorOf, truncate, type ChannelPlugin } from './plugin.js';

/**
 * Discord webhook: one embed (title 256, description 4,096 characters). `wait=true` makes Discord
 * answer with the message or the error instead of a bare 204, and no mention in data pings anyone.
 */
export const discordChannel: ChannelPlugin<'discord'> = {
  format: 'markdown',
  async send(spec, message, payload, ctx) {
    const url = new URL(spec.url);
    url.searchParams.set('wait', 'true');
    const embed = {
      title: truncate(message.text.title, 256),
      description: truncate(message.body, 4096),
      color: Number.parseInt(colorOf(payload), 16),
      timestamp: payload.occurredAt,
      ...(payload.incident.url ? { url: payload.incident.url } : {}),
    };
    const json = { ...(spec.username ? { username: spec.username } : {}), embeds: [embed], allowed_mentions: { parse: [] } };
    // Discord's 429 body carries `retry_after` in seconds, also when no Retry-After header is sent.
    const retryAfterInBody = (body: Record<string, unknown>) => (typeof body.retry_after === 'number' ? Math.ceil(body.retry_after * 1000) : undefined);
    return send(url.href, { json, retryAfterInBody, errorCode: errorField('code') }, spec, ctx);
  },
};
