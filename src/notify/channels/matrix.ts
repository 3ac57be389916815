import { endpoint, errorField, send } from './http.js';
import type { ChannelPlugin } from './plugin.js';

/**
 * Matrix client-server API: an m.notice (what bots send) with an HTML body. The transaction id is
 * the notificationId, so a retried delivery is the same event to the homeserver, not a second message.
 */
export const matrixChannel: ChannelPlugin<'matrix'> = {
  format: 'html',
  async send(spec, message, payload, ctx) {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(spec.roomId)}/send/m.room.message/${encodeURIComponent(payload.notificationId)}`;
    const json = {
      msgtype: 'm.notice',
      body: `${message.text.title}\n${message.text.body}`,
      format: 'org.matrix.custom.html',
      formatted_body: `<strong>${message.title}</strong><br>${message.body.replace(/\n/g, '<br>')}`,
    };
    const retryAfterInBody = (body: Record<string, unknown>) => (typeof body.retry_after_ms === 'number' ? body.retry_after_ms : undefined);
    return send(
      endpoint(spec.homeserver, path),
      { method: 'PUT', headers: { authorization: `Bearer ${spec.accessToken}` }, json, retryAfterInBody, errorCode: errorField('errcode') },
      spec,
      ctx,
    );
  },
};
