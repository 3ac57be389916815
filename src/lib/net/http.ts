import { AppError } from '../errors.js';
import { ResponseCollector, type CollectedResponse } from './body.js';
import { checkPort, connectResolved, resolveTarget, type ConnectTimings, type ResolvedTarget } from './connect.js';
import { Deadline } from './deadline.js';
import { NetError } from './errors.js';
import type { NetPolicy } from './policy.js';
import { ConnectionPool, type PooledConnection } from './pool.js';
import type { AddressFamily, Resolver } from './resolver.js';
import { describeTarget } from './tcp.js';
import { tlsKey, type TlsInfo, type TlsOptions } from './tls.js';

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  policy: NetPolicy;
  resolver?: Resolver;
  /** One clock for everything: every hop's DNS, connect, TLS, headers and body. */
  deadlineMs: number;
  /** Redirects to follow; 0 returns the 3xx itself. Default 5. */
  maxRedirects?: number;
  /** Body bytes read off the wire before reading stops and `bodyTruncated` is set. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Bytes a compressed body may expand to before the response is refused. Default 10 MiB. */
  maxDecompressedBytes?: number;
  /** Size of the status line and headers together. Default 16 KiB. */
  maxHeaderBytes?: number;
  /** `verify` defaults to true; `ca` adds trusted roots. */
  tls?: Pick<TlsOptions, 'verify' | 'ca' | 'minVersion' | 'maxVersion'>;
  family?: AddressFamily;
  signal?: AbortSignal;
}

export interface HttpTimings extends ConnectTimings {
  /** From sending the request to its response headers. */
  ttfb: number;
  /** From the headers to the end of the (decoded) body. */
  transfer: number;
  /** The whole call, all hops included; the other phases are the final hop's. */
  total: number;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[]>;
  finalUrl: string;
  redirects: { url: string; status: number }[];
  body: Buffer;
  bodyTruncated: boolean;
  /** Body bytes off the wire, before decompression. */
  bytesReceived: number;
  remoteAddress: string;
  timings: HttpTimings;
  tls?: TlsInfo;
}

const MiB = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/**
 * Headers that carry credentials by their name: the standard ones and any custom header named like a key,
 * token or secret (X-Api-Key, X-Auth-Token, Private-Token…). The http check seals the same headers at rest.
 */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token)$|token|secret|key/i;

/** Whether a request header holds a credential: sealed at rest, and never sent on to another origin. */
export const isCredentialHeader = (name: string): boolean => CREDENTIAL_HEADER.test(name);
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding'];
const HTTP_ALPN = ['http/1.1'];
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const pool = new ConnectionPool();

/** Closes idle keep-alive connections: on shutdown, so the process can exit at once. */
export function closeIdleConnections(): void {
  pool.closeIdle();
}

function parseUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (cause) {
    throw new NetError('invalid_url', `not a valid URL: ${raw}`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NetError('blocked_scheme', `refused ${url.protocol} URL ${url.href}: only http and https are allowed`);
  }
  return url;
}

function requestHeaders(url: URL, given: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'Upkeep', accept: '*/*', 'accept-encoding': 'gzip, deflate, br' };
  for (const [name, value] of Object.entries(given ?? {})) headers[name.toLowerCase()] = value;
  if (url.username !== '' && headers.authorization === undefined) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return headers;
}

function without(headers: Record<string, string>, drop: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop(name)));
}

interface Hop {
  response: CollectedResponse;
  pooled: PooledConnection;
  timings: ConnectTimings & { ttfb: number; transfer: number };
}

interface HopRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
}

/** A connection for this hop: an idle one to an address that just passed the check, else a new one. */
async function acquire(target: ResolvedTarget, url: URL, opts: HttpRequestOptions, deadline: Deadline, reuse: boolean) {
  const https = url.protocol === 'https:';
  const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
  const maxHeaderBytes = opts.maxHeaderBytes ?? 16 * 1024;
  const tls: TlsOptions | undefined = https ? { ...opts.tls, alpn: HTTP_ALPN } : undefined;
  const trust = tls ? tlsKey(tls, target.host.ip ?? target.host.name) : '';
  const keyOf = (ip: string): string => `${url.protocol}${ip}:${port}|${maxHeaderBytes}|${trust}`;
  for (const ip of reuse ? target.addresses : []) {
    const idle = pool.take(keyOf(ip));
    if (idle) return { pooled: idle, connect: 0, tls: 0 };
  }
  const conn = await connectResolved(target, port, tls, deadline);
  const origin = `${url.protocol}//${describeTarget(conn.remoteAddress, conn.remoteAddress, port)}`;
  return { pooled: pool.adopt(keyOf(conn.remoteAddress), conn, origin, maxHeaderBytes), ...conn.timings };
}

async function exchange(req: HopRequest, opts: HttpRequestOptions, deadline: Deadline, follow: boolean): Promise<Hop> {
  const target = await resolveTarget(req.url.hostname, opts, deadline);
  for (let attempt = 0; ; attempt++) {
    const { pooled, connect, tls } = await acquire(target, req.url, opts, deadline, attempt === 0);
    const collector = new ResponseCollector({
      label: describeTarget(target.host.name, pooled.connection.remoteAddress, pooled.connection.remotePort),
      deadline,
      maxBodyBytes: opts.maxBodyBytes ?? MiB,
      maxDecompressedBytes: opts.maxDecompressedBytes ?? 10 * MiB,
      discardBody: (status, headers) => follow && REDIRECT_STATUSES.has(status) && typeof headers.location === 'string',
    });
    const sentAt = performance.now();
    try {
      const headers = { ...req.headers, host: req.url.host };
      pooled.client.dispatch({ path: req.url.pathname + req.url.search, method: req.method, headers, body: req.body ?? null }, collector);
      const response = await collector.done;
      if (response.bodyTruncated) pool.discard(pooled);
      else pool.release(pooled);
      const timings = { dns: target.dnsMs, connect, tls, ttfb: response.headersAt - sentAt, transfer: response.endAt - response.headersAt };
      return { response, pooled, timings };
    } catch (err) {
      pool.discard(pooled);
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === 'UND_ERR_INVALID_ARG') throw new AppError('invalid_input', `invalid HTTP request: ${(cause as Error).message}`);
      // A keep-alive connection the server closed just before we sent: one retry on a fresh one for
      // idempotent methods (RFC 9110 9.2.2). A failure after the response started is the server's
      // answer, not staleness.
      const stale = pooled.reused && !collector.started && err instanceof NetError && err.kind === 'reset';
      if (attempt === 0 && stale && IDEMPOTENT.has(req.method)) continue;
      throw err;
    }
  }
}

/**
 * One HTTP(S) request under the network policy, following redirects itself so that every hop is
 * resolved and checked again. Transport failures reject with a NetError; any HTTP status,
 * 5xx included, is a result.
 *
 * @example
 * const res = await httpRequest('https://example.com/health', { policy: { allowPrivate: false }, deadlineMs: 10_000 });
 * if (res.status !== 200 || !res.body.includes('ok')) markDown(res);
 */
export async function httpRequest(url: string, opts: HttpRequestOptions): Promise<HttpResult> {
  const deadline = new Deadline(opts.deadlineMs, opts.signal);
  try {
    let current = parseUrl(url);
    const req: HopRequest = { url: current, method: (opts.method ?? 'GET').toUpperCase(), headers: requestHeaders(current, opts.headers), body: opts.body };
    const maxRedirects = opts.maxRedirects ?? 5;
    const redirects: { url: string; status: number }[] = [];
    for (;;) {
      if (current.port !== '') checkPort(Number(current.port));
      const hop = await exchange(req, opts, deadline, maxRedirects > 0);
      const { status, headers } = hop.response;
      const location = headers.location;
      if (maxRedirects === 0 || !REDIRECT_STATUSES.has(status) || typeof location !== 'string') {
        return resultOf(current, redirects, hop, deadline);
      }
      redirects.push({ url: current.href, status });
      const next = parseUrl(location, current);
      const visited = redirects.some((r) => r.url === next.href);
      if (visited || redirects.length > maxRedirects) {
        const chain = [...redirects.map((r) => r.url), next.href].join(' → ');
        const why = visited ? 'redirect loop' : `more than ${maxRedirects} redirects`;
        throw new NetError('too_many_redirects', `${why}: ${chain}`);
      }
      if (next.origin !== current.origin) req.headers = without(req.headers, isCredentialHeader);
      // What browsers do: 303 always, and 301/302 after a POST, become a GET without a body.
      if ((status === 303 && req.method !== 'HEAD') || ((status === 301 || status === 302) && req.method === 'POST')) {
        req.method = 'GET';
        req.body = undefined;
        req.headers = without(req.headers, (name) => BODY_HEADERS.includes(name));
      }
      current = next;
      req.url = next;
    }
  } finally {
    deadline.dispose();
  }
}

function resultOf(url: URL, redirects: HttpResult['redirects'], hop: Hop, deadline: Deadline): HttpResult {
  const { response, pooled } = hop;
  const result: HttpResult = {
    status: response.status,
    headers: response.headers as Record<string, string | string[]>,
    finalUrl: url.href,
    redirects,
    body: response.body,
    bodyTruncated: response.bodyTruncated,
    bytesReceived: response.bytesReceived,
    remoteAddress: pooled.connection.remoteAddress,
    timings: { ...hop.timings, total: deadline.elapsed() },
  };
  if (pooled.connection.tls) result.tls = pooled.connection.tls;
  return result;
}
