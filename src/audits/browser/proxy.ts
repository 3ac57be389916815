import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connectGuarded, httpRequest, isNetError } from '../../lib/net/index.js';
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
// The guarded client decodes bodies itself; the browser gets them plain.
const DECODED = new Set(['content-encoding', 'content-length']);
const MAX_BODY = 32 * 1024 * 1024;

/** "host:port" as a CONNECT request names it, for a URL, the default port written out. */
export const hostPortOf = (url: URL) => `${url.hostname}:${url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : '80')}`;

function forwardHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? Buffer.concat(chunks) : undefined;
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
      if (!admitted(hostPortOf(new URL(target)))) return void res.writeHead(403).end();
      const body = await readBody(req);
      const result = await httpRequest(target, {
        method: req.method ?? 'GET',
        headers: forwardHeaders(req.headers),
        ...(body ? { body } : {}),
        policy: net.policy,
        resolver: net.resolver,
        deadlineMs: 30_000,
        maxRedirects: 0,
        maxBodyBytes: MAX_BODY,
        maxDecompressedBytes: MAX_BODY,
      });
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(result.headers)) if (!HOP_BY_HOP.has(name) && !DECODED.has(name)) headers[name] = value;
      res.writeHead(result.status, headers);
      res.end(result.body);
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
