import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connectGuarded, isNetError } from '../../lib/net/index.js';
import type { AuditNet } from '../net.js';

/**
 * Chromium cannot use our network client, so it is made to use a proxy that does: every request
 * and every CONNECT tunnel Chromium opens (Lighthouse's too) is resolved and judged by the guarded
 * client with the run's policy, so the SSRF rules, --allow-private and --resolve apply to the
 * browser exactly as to our own fetches. Chromium is started with this proxy for all traffic,
 * loopback included, and with its own name resolution turned off.
 */
export interface GuardedProxy {
  port: number;
  /** Requests and tunnels the policy refused, with the reason. */
  refused: { target: string; reason: string }[];
  /** Every host:port the proxy let through to the guarded client. */
  forwarded: Set<string>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);
/**
 * What one plain-http request may carry each way. Bodies are streamed, never held whole: the
 * server's memory stays bounded whatever a hostile page posts or a hostile server sends. (https
 * goes through CONNECT tunnels, bytes passed as they come.)
 */
export const MAX_REQUEST_BODY = 8 * 1024 * 1024;
export const MAX_RESPONSE_BODY = 32 * 1024 * 1024;
/** A proxied connection with nothing moving for this long is closed. */
const IDLE_MS = 30_000;

/** "host:port" as a CONNECT request names it, for a URL, the default port written out. */
export const hostPortOf = (url: URL) => `${url.hostname}:${url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : '80')}`;

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

class TooLarge extends Error {}

/** Passes bytes on until `max` have gone by, then fails the pipeline with TooLarge. */
const capped = (max: number) => {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > max ? new TooLarge(`more than ${max} bytes`) : null, chunk);
    },
  });
};

/**
 * Sends one request to `url` over `socket` (already connected to an address the policy allowed) and
 * streams the answer back; no redirect is followed (Chromium follows them, each one through here).
 */
function forward(req: IncomingMessage, res: ServerResponse, url: URL, socket: Socket): Promise<void> {
  socket.setTimeout(IDLE_MS, () => socket.destroy(new Error(`nothing moved for ${IDLE_MS / 1000} s`)));
  // Chromium gave up on the request (or it is over): the upstream connection goes too.
  res.on('close', () => socket.destroy());
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    const upstream = request(
      {
        method: req.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        headers: { ...withoutHopByHop(req.headers), host: url.host },
        createConnection: () => socket,
        maxHeaderSize: 16 * 1024,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        // A response past the cap is cut off: Chromium sees a failed load, the server's memory nothing.
        pipeline(answer, capped(MAX_RESPONSE_BODY), res).then(
          () => finish(),
          () => finish(),
        );
      },
    );
    upstream.on('error', (err) => finish(err));
    // Not pipeline(): it would destroy the request, and with it the socket the 413 must go out on.
    const cap = capped(MAX_REQUEST_BODY);
    cap.on('error', (err) => {
      req.unpipe(cap);
      socket.destroy();
      if (!(err instanceof TooLarge) || res.headersSent) return finish(err);
      tooLarge(res);
      finish();
    });
    req.pipe(cap).pipe(upstream);
  });
}

function tooLarge(res: ServerResponse): void {
  res
    .writeHead(413, { 'content-type': 'text/plain', connection: 'close' })
    .end(`Upkeep refused the request: its body is over ${MAX_REQUEST_BODY / 1024 / 1024} MiB, the most the audit browser may send`);
}

/**
 * `admit` decides which host:port pairs may be forwarded at all, before the policy is asked: Chromium
 * talks to Google's services on its own (component updates, account checks, time) whatever flags it
 * is given, and none of that is the audited page's traffic.
 */
export async function startGuardedProxy(net: AuditNet, admit: (hostPort: string) => boolean): Promise<GuardedProxy> {
  const refused: GuardedProxy['refused'] = [];
  const forwarded = new Set<string>();
  const admitted = (hostPort: string) => {
    if (!admit(hostPort)) return false;
    forwarded.add(hostPort);
    return true;
  };
  const sockets = new Set<Socket>();
  const refuse = (target: string, err: unknown) => {
    const reason = isNetError(err) ? err.message : String(err);
    if (isNetError(err) && err.kind === 'blocked_address') refused.push({ target, reason });
    return reason;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '';
    try {
      if (!/^http:\/\//i.test(target)) throw new Error(`only http:// URLs are proxied, got ${target.slice(0, 100)}`);
      const url = new URL(target);
      if (!admitted(hostPortOf(url))) return void res.writeHead(403).end();
      if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BODY) return tooLarge(res);
      const upstream = await connectGuarded(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80), {
        policy: net.policy,
        resolver: net.resolver,
        deadlineMs: 15_000,
      });
      await forward(req, res, url, upstream.socket);
    } catch (err) {
      const reason = refuse(target, err);
      if (!res.headersSent) res.writeHead(isNetError(err) && err.kind === 'blocked_address' ? 403 : 502, { 'content-type': 'text/plain' });
      res.end(`Upkeep refused or could not reach ${target}: ${reason}`);
    }
  };

  const onConnect = async (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    client.on('error', () => undefined);
    const at = target.lastIndexOf(':');
    const host = target.slice(0, at).replace(/^\[|\]$/g, '');
    if (!admitted(target)) return void client.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
    try {
      const upstream = await connectGuarded(host, Number(target.slice(at + 1)), { policy: net.policy, resolver: net.resolver, deadlineMs: 15_000 });
      upstream.socket.on('error', () => client.destroy());
      client.on('close', () => upstream.socket.destroy());
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.socket.write(head);
      upstream.socket.pipe(client);
      client.pipe(upstream.socket);
    } catch (err) {
      const reason = refuse(target, err);
      client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}`);
    }
  };

  const server = createServer((req, res) => void onRequest(req, res));
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => void onConnect(req, socket, head));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    refused,
    forwarded,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
