import type { NotificationPayload } from '../notification.js';
import { send, type ProviderAnswer } from './http.js';
import { colorOf, isAlerting, linksOf, type ChannelPlugin, type Message } from './plugin.js';

/** An Adaptive Card in a message, as Teams Workflows ("When a Teams webhook request is received") expect it. */
function adaptiveCard(message: Message, payload: NotificationPayload) {
  const lines = message.body.split('\n').filter((line) => line.trim() !== '');
  const color = payload.event === 'test' ? 'Accent' : isAlerting(payload) ? 'Attention' : 'Good';
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          // One TextBlock per line: card Markdown joins single line breaks.
          body: [
            { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true, color },
            ...lines.map((text) => ({ type: 'TextBlock', text, wrap: true, spacing: 'None' })),
          ],
          actions: linksOf(payload).map((link) => ({ type: 'Action.OpenUrl', title: link.text, url: link.url })),
        },
      },
    ],
  };
}

/** The legacy Office 365 connector card. */
function messageCard(message: Message, payload: NotificationPayload) {
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: message.text.title,
    themeColor: colorOf(payload),
    title: message.title,
    text: message.body.split('\n').join('\n\n'),
    potentialAction: linksOf(payload).map((link) => ({ '@type': 'OpenUri', name: link.text, targets: [{ os: 'default', uri: link.url }] })),
  };
}

export const teamsChannel: ChannelPlugin<'teams'> = {
  format: 'markdown',
  async send(spec, message, payload, ctx) {
    const json = spec.format === 'messagecard' ? messageCard(message, payload) : adaptiveCard(message, payload);
    // Workflows answer a failure with { error: { code, message } }.
    const errorCode = ({ json }: ProviderAnswer) => (json?.error as { code?: unknown } | undefined)?.code;
    return send(spec.url, { json, errorCode }, spec, ctx);
  },
};
