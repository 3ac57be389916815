import { send, type ProviderAnswer } from './http.js';
import { linksOf, truncate, type ChannelPlugin } from './plugin.js';

/** Slack incoming webhook: a header, the body in mrkdwn, link buttons (Block Kit limits: 150 and 3,000 characters). */
export const slackChannel: ChannelPlugin<'slack'> = {
  format: 'slack',
  async send(spec, message, payload, ctx) {
    const links = linksOf(payload);
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: truncate(message.text.title, 150), emoji: true } },
      ...(message.body ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(message.body, 3000) } }] : []),
      ...(links.length
        ? [{ type: 'actions', elements: links.map((link) => ({ type: 'button', text: { type: 'plain_text', text: link.text }, url: link.url })) }]
        : []),
    ];
    // `text` is what phones show in the notification and what clients without blocks display.
    // Slack answers a failure with its error code as plain text ("channel_not_found").
    const errorCode = ({ text }: ProviderAnswer) => (/^[a-z0-9_]{1,64}$/.test(text) ? text : undefined);
    return send(spec.url, { json: { text: message.title, blocks }, errorCode }, spec, ctx);
  },
};
