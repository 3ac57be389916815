import { hostname } from 'node:os';
import { createTransport } from 'nodemailer';
import type { Socket } from 'node:net';
import type { Delivery } from '../notification.js';
import { failure, policyFor } from './http.js';
import type { ChannelPlugin } from './plugin.js';
import { openSmtpSocket, SmtpReplyError } from './smtp-socket.js';

const HTML_PAGE = (title: string, body: string) =>
  `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">` +
  `<h2 style="margin:0 0 12px">${title}</h2><div>${body.replace(/\n/g, '<br>\n')}</div></body></html>`;

// nodemailer's codes for failures before or around the conversation that another try may get past.
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL']);

/** An SMTP failure as a Delivery: 4xx replies and lost connections are worth another try, 5xx and bad credentials are not. */
function smtpFailure(err: unknown): Delivery {
  const { responseCode, code, message } = err as { responseCode?: number; code?: string; message?: string };
  if (err instanceof SmtpReplyError || typeof responseCode === 'number') {
    const reply = responseCode ?? 0;
    return { ok: false, retryable: reply >= 400 && reply < 500, status: reply, message: `email: ${message ?? 'the SMTP server refused'}` };
  }
  if (code === 'EAUTH') return { ok: false, retryable: false, message: `email: ${message ?? 'authentication failed'}` };
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return { ok: false, retryable: true, message: `email: ${message ?? code}` };
  return failure(err, 'email');
}

/** The domain of the sender, for Message-IDs that stay the same across retries. */
const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/**
 * SMTP through nodemailer, on a socket from the guarded client (see smtp-socket.ts). The message
 * has a plain-text and an HTML part; its Message-ID comes from the notificationId, and every
 * message of one incident refers to one id made from its dedupKey, so mail clients thread them.
 */
export const emailChannel: ChannelPlugin<'email'> = {
  format: 'html',
  async send(spec, message, payload, ctx) {
    const { smtp } = spec;
    const clientName = hostname();
    let socket: Socket | undefined;
    const transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      name: clientName,
      // Our socket is already TLS for "tls" and "starttls" (upgraded by the guarded client); "none" stays in the clear.
      secure: smtp.security !== 'none',
      ignoreTLS: smtp.security === 'none',
      ...(smtp.username !== undefined ? { auth: { user: smtp.username, pass: smtp.password ?? '' } } : {}),
      connectionTimeout: ctx.deadlineMs,
      greetingTimeout: ctx.deadlineMs,
      socketTimeout: ctx.deadlineMs,
      disableFileAccess: true,
      disableUrlAccess: true,
      getSocket: (_options, callback) => {
        openSmtpSocket({
          host: smtp.host,
          port: smtp.port,
          security: smtp.security,
          clientName,
          policy: policyFor(spec, ctx),
          resolver: ctx.resolver,
          deadlineMs: ctx.deadlineMs,
          signal: ctx.signal,
          ca: ctx.ca,
        }).then(
          (conn) => {
            socket = conn.socket;
            callback(null, { connection: conn.socket, secured: smtp.security !== 'none' });
          },
          (err: Error) => callback(err),
        );
      },
    });
    // One clock for the whole send, as for HTTP channels: past it (or on cancel) the socket is cut.
    const stop = () => socket?.destroy();
    const timer = setTimeout(stop, ctx.deadlineMs);
    ctx.signal.addEventListener('abort', stop, { once: true });
    const domain = domainOf(spec.from);
    const thread = `<${payload.dedupKey}@${domain}>`;
    try {
      const info = await transport.sendMail({
        from: spec.from,
        to: spec.to,
        subject: message.text.title,
        text: message.text.body,
        html: HTML_PAGE(message.title, message.body),
        messageId: `<${payload.notificationId}@${domain}>`,
        ...(payload.event === 'test' ? {} : { inReplyTo: thread, references: [thread] }),
        headers: { 'X-Upkeep-Event': payload.event, 'X-Upkeep-Notification-Id': payload.notificationId },
      });
      return { ok: true, detail: info.response };
    } catch (err) {
      return smtpFailure(err);
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', stop);
      transport.close();
    }
  },
};
