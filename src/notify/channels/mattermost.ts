import { errorField, send } from './http.js';
import { truncate, type ChannelPlugin } from './plugin.js';

/** Mattermost incoming webhook: Markdown text with the title as a heading (16,383 characters at most). */
export const mattermostChannel: ChannelPlugin<'mattermost'> = {
  format: 'markdown',
  async send(spec, message, _payload, ctx) {
    const json = {
      text: truncate(`#### ${message.title}\n${message.body}`, 16_000),
      ...(spec.channel ? { channel: spec.channel } : {}),
      ...(spec.username ? { username: spec.username } : {}),
    };
    return send(spec.url, { json, errorCode: errorField('id') }, spec, ctx);
  },
};
