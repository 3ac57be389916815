import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Deadline } from './deadline.js';
import { NetError } from './errors.js';
import { parseHost, refusalFor, refusalForName, type NetPolicy, type ParsedHost } from './policy.js';
import { defaultResolver, type AddressFamily, type Resolver } from './resolver.js';
import { describeTarget, tcpConnect } from './tcp.js';
import { startTls, type TlsInfo, type TlsOptions } from './tls.js';

export interface ConnectTimings {
  /** Milliseconds spent resolving the name (0 for an IP literal). */
  dns: number;
  /** TCP handshake of the address that answered (0 for a reused connection). */
  connect: number;
  /** TLS handshake (0 without TLS or for a reused connection). */
  tls: number;
}

export interface ConnectGuardedOptions {
  policy: NetPolicy;
  resolver?: Resolver;
  /** Covers resolution, connecting and the TLS handshake; after that the socket is the caller's. */
  deadlineMs: number;
  signal?: AbortSignal;
  family?: AddressFamily;
  tls?: TlsOptions;
}

export interface GuardedConnection {
  socket: Socket | TLSSocket;
  remoteAddress: string;
  remotePort: number;
  timings: ConnectTimings;
  tls?: TlsInfo;
}

/** A host resolved and filtered: only addresses the policy allows are left, in connect order. */
export interface ResolvedTarget {
  host: ParsedHost;
  addresses: string[];
  dnsMs: number;
}

/**
 * Resolves `host` once and judges every address it got. Connections are then made to these exact
 * addresses, never to the name again, so a DNS answer that changes between check and connect
 * (rebinding) has nothing to change.
 */
export async function resolveTarget(
  rawHost: string,
  opts: { policy: NetPolicy; resolver?: Resolver | undefined; family?: AddressFamily | undefined },
  deadline: Deadline,
): Promise<ResolvedTarget> {
  const host = parseHost(rawHost);
  if (host.ip !== null) {
    const refusal = refusalFor(host.ip, host.ip, opts.policy);
    if (refusal) throw refusal;
    return { host, addresses: [host.ip], dnsMs: 0 };
  }
  const nameRefusal = refusalForName(host.name);
  if (nameRefusal) throw nameRefusal;
  deadline.phase = `resolving ${host.name}`;
  const started = performance.now();
  const resolved = await deadline.race((opts.resolver ?? defaultResolver()).resolve(host.name, opts.family ?? 'auto'));
  const dnsMs = performance.now() - started;
  const addresses: string[] = [];
  let firstRefusal: NetError | null = null;
  for (const ip of resolved) {
    const refusal = refusalFor(ip, host.name, opts.policy);
    if (refusal === null) addresses.push(ip);
    else firstRefusal ??= refusal;
  }
  if (firstRefusal && addresses.length === 0) throw firstRefusal;
  return { host, addresses, dnsMs };
}

/**
 * Connects to the first address of `target` that accepts, then runs TLS when asked. Only refusals
 * and missing routes move on to the next address; a silent address holds the deadline, as it would
 * for a user's browser.
 */
export async function connectResolved(target: ResolvedTarget, port: number, tls: TlsOptions | undefined, deadline: Deadline): Promise<GuardedConnection> {
  let lastError: unknown;
  for (const ip of target.addresses) {
    const label = describeTarget(target.host.name, ip, port);
    const started = performance.now();
    let socket: Socket;
    try {
      socket = await tcpConnect(ip, port, label, deadline);
    } catch (err) {
      lastError = err;
      if (err instanceof NetError && (err.kind === 'refused' || err.kind === 'unreachable')) continue;
      throw err;
    }
    const connected = performance.now();
    const timings: ConnectTimings = { dns: target.dnsMs, connect: connected - started, tls: 0 };
    if (!tls) return { socket, remoteAddress: ip, remotePort: port, timings };
    const secured = await startTls(socket, target.host, label, tls, deadline);
    timings.tls = performance.now() - connected;
    return { socket: secured.socket, remoteAddress: ip, remotePort: port, timings, tls: secured.info };
  }
  throw lastError;
}

export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new NetError('invalid_url', `port must be an integer from 1 to 65535, got ${port}`);
  }
}

/**
 * A TCP (or TLS) connection to `host:port` under the same rules as every HTTP request: the name is
 * resolved by our resolver, each address judged by `policy`, and the socket connected to the exact
 * address that passed. For tcp and tls checks, SMTP and anything else that is not HTTP.
 *
 * @example
 * const { socket, timings, tls } = await connectGuarded('example.com', 443, {
 *   policy: { allowPrivate: false }, deadlineMs: 5000, tls: { verify: true },
 * });
 * socket.end();
 */
export async function connectGuarded(host: string, port: number, opts: ConnectGuardedOptions): Promise<GuardedConnection> {
  checkPort(port);
  const deadline = new Deadline(opts.deadlineMs, opts.signal);
  try {
    const target = await resolveTarget(host, opts, deadline);
    return await connectResolved(target, port, opts.tls, deadline);
  } finally {
    deadline.dispose();
  }
}

/**
 * Upgrades a connection from connectGuarded to TLS in place, for protocols that start in clear
 * and switch (SMTP STARTTLS, IMAP, FTP). Same verification and certificate report as `tls` on
 * connectGuarded; `host` is the name the certificate must match.
 *
 * @example
 * const plain = await connectGuarded('mail.example.com', 25, { policy, deadlineMs: 10_000 });
 * // … read the banner, send EHLO and STARTTLS, read "220" …
 * const secure = await upgradeToTls(plain, 'mail.example.com', { deadlineMs: 10_000 });
 */
export async function upgradeToTls(
  connection: GuardedConnection,
  host: string,
  opts: { deadlineMs: number; signal?: AbortSignal; tls?: TlsOptions },
): Promise<GuardedConnection> {
  const deadline = new Deadline(opts.deadlineMs, opts.signal);
  try {
    const parsed = parseHost(host);
    const label = describeTarget(parsed.name, connection.remoteAddress, connection.remotePort);
    const started = performance.now();
    const secured = await startTls(connection.socket, parsed, label, opts.tls ?? {}, deadline);
    const timings = { ...connection.timings, tls: performance.now() - started };
    return { ...connection, socket: secured.socket, timings, tls: secured.info };
  } finally {
    deadline.dispose();
  }
}
