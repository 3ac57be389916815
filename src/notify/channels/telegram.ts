import { endpoint, errorField, send } from './http.js';
import { truncate, type ChannelPlugin } from './plugin.js';

/** Telegram Bot API sendMessage, in its HTML parse mode (4,096 characters at most). */
export const telegramChannel: ChannelPlugin<'telegram'> = {
  format: 'html',
  async send(spec, message, _payload, ctx) {
    const head = `<b>${message.title}</b>\n`;
    const json = {
      chat_id: spec.chatId,
      text: head + truncate(message.body, 4096 - head.length),
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(spec.messageThreadId ? { message_thread_id: spec.messageThreadId } : {}),
    };
    // A 429 says how long to wait in `parameters.retry_after` (seconds).
    const retryAfterInBody = (body: Record<string, unknown>) => {
      const seconds = (body.parameters as { retry_after?: unknown } | undefined)?.retry_after;
      return typeof seconds === 'number' ? seconds * 1000 : undefined;
    };
    return send(endpoint(spec.apiUrl, `/bot${spec.botToken}/sendMessage`), { json, retryAfterInBody, errorCode: errorField('description') }, spec, ctx);
  },
};
