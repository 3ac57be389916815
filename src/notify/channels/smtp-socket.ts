import type { Socket } from 'node:net';
import { connectGuarded, NetError, upgradeToTls, type GuardedConnection, type NetPolicy, type Resolver } from '../../lib/net/index.js';

/** An SMTP reply a server gave before the mail transaction (greeting, EHLO, STARTTLS). */
export class SmtpReplyError extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'SmtpReplyError';
  }
}

/** An SMTP reply as evidence: its code and enhanced status code (RFC 3463, "5.7.8"), never its text. */
export function smtpReplyCode(code: number, text = ''): string {
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1];
  return `${code}${enhanced ? ` ${enhanced}` : ''}`;
}

interface Reply {
  code: number;
  raw: string;
}

/** Reads one reply, all of its lines ("250-…" continues, "250 …" ends), within the deadline. */
function readReply(socket: Socket, label: string, signal: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const done = (err: Error | null, reply?: Reply) => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      // Nothing may read the socket between replies: what follows is for the next reader (or TLS).
      socket.pause();
      if (err) reject(err);
      else resolve(reply!);
    };
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      if (buffered.length > 64 * 1024) return done(new NetError('protocol_error', `${label} sent an SMTP reply over 64 KiB`));
      const last = buffered.split('\r\n').at(-2);
      if (buffered.endsWith('\r\n') && last !== undefined && /^\d{3}( |$)/.test(last)) done(null, { code: Number(last.slice(0, 3)), raw: buffered });
    };
    const onError = (err: Error) => done(new NetError('reset', `${label}: ${err.message}`, { cause: err }));
    const onClose = () => done(new NetError('reset', `${label} closed the connection during the SMTP greeting`));
    const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new NetError('timeout', `no SMTP reply from ${label} in time`));
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.resume();
  });
}

async function expect(socket: Socket, label: string, signal: AbortSignal, command: string | null, code: number): Promise<Reply> {
  if (command) socket.write(`${command}\r\n`);
  const reply = await readReply(socket, label, signal);
  if (reply.code !== code) {
    const what = command ? `to ${command.split(' ')[0]}` : 'as its greeting';
    // The reply's code and enhanced status code only: a server on the other end may be anything but SMTP.
    throw new SmtpReplyError(reply.code, `${label} answered ${what} with ${smtpReplyCode(reply.code, reply.raw)}`);
  }
  return reply;
}

export interface SmtpSocketOptions {
  host: string;
  port: number;
  security: 'starttls' | 'tls' | 'none';
  /** The name we greet with (EHLO). */
  clientName: string;
  policy: NetPolicy;
  resolver: Resolver;
  deadlineMs: number;
  signal: AbortSignal;
  ca?: readonly string[] | undefined;
}

/**
 * A socket for nodemailer, opened by the guarded client so SMTP obeys the same address rules as
 * every other request. With "starttls" the plain-text part (greeting, EHLO, STARTTLS) is spoken
 * here and the handshake is the guarded client's `upgradeToTls`, which verifies the certificate;
 * the server's greeting is then put back in front of the TLS stream, so nodemailer starts over TLS
 * as if the connection had been TLS from the first byte (it sends EHLO again, as RFC 3207 requires).
 */
export async function openSmtpSocket(opts: SmtpSocketOptions): Promise<GuardedConnection> {
  const deadline = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.deadlineMs)]);
  const started = Date.now();
  const tls = { servername: opts.host, ...(opts.ca ? { ca: opts.ca } : {}) };
  const conn = await connectGuarded(opts.host, opts.port, {
    policy: opts.policy,
    resolver: opts.resolver,
    deadlineMs: opts.deadlineMs,
    signal: opts.signal,
    ...(opts.security === 'tls' ? { tls } : {}),
  });
  if (opts.security !== 'starttls') return conn;
  const socket = conn.socket;
  const label = `SMTP server ${opts.host}:${opts.port}`;
  try {
    const greeting = await expect(socket, label, deadline, null, 220);
    const ehlo = await expect(socket, label, deadline, `EHLO ${opts.clientName}`, 250);
    if (!/^250[- ]STARTTLS\b/im.test(ehlo.raw)) {
      throw new SmtpReplyError(530, `${label} does not offer STARTTLS; set smtp.security to "tls" (port 465) or, for a local relay only, "none"`);
    }
    await expect(socket, label, deadline, 'STARTTLS', 220);
    const secured = await upgradeToTls(conn, opts.host, { deadlineMs: Math.max(1, opts.deadlineMs - (Date.now() - started)), signal: opts.signal, tls });
    secured.socket.unshift(Buffer.from(greeting.raw, 'latin1'));
    return secured;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}
