import { hostname } from 'node:os';
import { createTransport, type SendMailOptions } from 'nodemailer';
import type { Socket } from 'node:net';
import { quote } from '../../lib/evidence.js';
import type { NetPolicy } from '../../lib/net/index.js';
import type { SpecOf } from '../channel.schema.js';
import type { Delivery, DeliveryContext } from '../notification.js';
import { failure, policyFor } from './http.js';
import type { ChannelPlugin } from './plugin.js';
import { openSmtpSocket, smtpReplyCode, SmtpReplyError } from './smtp-socket.js';

const HTML_PAGE = (title: string, body: string) =>
  `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5">` +
  `<h2 style="margin:0 0 12px">${title}</h2><div>${body.replace(/\n/g, '<br>\n')}</div></body></html>`;

// nodemailer's codes for failures before or around the conversation that another try may get past.
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL']);

/**
 * An SMTP failure as a Delivery: 4xx replies and lost connections are worth another try, 5xx and bad
 * credentials are not. It repeats the reply's codes, never its text (see `smtpReplyCode`).
 */
function smtpFailure(err: unknown): Delivery {
  const { responseCode, code, message, response } = err as { responseCode?: number; code?: string; message?: string; response?: string };
  if (err instanceof SmtpReplyError)
    return { ok: false, retryable: err.responseCode >= 400 && err.responseCode < 500, status: err.responseCode, message: `email: ${err.message}` };
  const to = code === 'EAUTH' ? ' to the login' : '';
  if (typeof responseCode === 'number') {
    const message = `email: the SMTP server answered${to} with ${smtpReplyCode(responseCode, response)}`;
    return { ok: false, retryable: responseCode >= 400 && responseCode < 500, status: responseCode, message };
  }
  if (code === 'EAUTH') return { ok: false, retryable: false, message: 'email: the SMTP server refused the login' };
  // nodemailer's own words come first; what it quotes of the server follows a colon or "response=".
  const words = quote((message ?? code ?? '').split(/:|\bresponse=/)[0]!.trim());
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return { ok: false, retryable: true, message: `email: ${words || code}` };
  return failure(err, 'email');
}

/** The domain of the sender, for Message-IDs that stay the same across retries. */
export const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/** The SMTP server of an email channel or of the instance's own sender (`email.smtp`). */
export type SmtpSettings = SpecOf<'email'>['smtp'];

/**
 * Sends one message through nodemailer on a socket from the guarded client (see smtp-socket.ts),
 * within one deadline; a failure is a Delivery. Email channels and status-page subscriber mail
 * both send this way.
 */
export async function sendMail(smtp: SmtpSettings, mail: SendMailOptions, ctx: DeliveryContext, policy: NetPolicy): Promise<Delivery> {
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
        policy,
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
  try {
    const info = await transport.sendMail(mail);
    return { ok: true, detail: quote(info.response) };
  } catch (err) {
    return smtpFailure(err);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', stop);
    transport.close();
  }
}

/**
 * SMTP through nodemailer, on a socket from the guarded client (see `sendMail`). The message
 * has a plain-text and an HTML part; its Message-ID comes from the notificationId, and every
 * message of one incident refers to one id made from its dedupKey, so mail clients thread them.
 */
export const emailChannel: ChannelPlugin<'email'> = {
  format: 'html',
  send(spec, message, payload, ctx) {
    const domain = domainOf(spec.from);
    const thread = `<${payload.dedupKey}@${domain}>`;
    return sendMail(
      spec.smtp,
      {
        from: spec.from,
        to: spec.to,
        subject: message.text.title,
        text: message.text.body,
        html: HTML_PAGE(message.title, message.body),
        messageId: `<${payload.notificationId}@${domain}>`,
        ...(payload.event === 'test' ? {} : { inReplyTo: thread, references: [thread] }),
        headers: { 'X-Upkeep-Event': payload.event, 'X-Upkeep-Notification-Id': payload.notificationId },
      },
      ctx,
      policyFor(spec, ctx),
    );
  },
};
