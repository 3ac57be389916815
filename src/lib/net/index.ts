/**
 * The guarded outbound network client: the only way Upkeep reaches the network. Every monitor
 * check, webhook, audit fetch and notification goes through it, so the rules hold everywhere:
 *
 * - Names are resolved by our own resolver (c-ares, not the libuv thread pool); every address is
 *   judged by a {@link NetPolicy} and the socket is connected to that exact address, with SNI and
 *   Host set to the name. Redirects are followed here, each hop resolved and judged again, so DNS
 *   rebinding gains nothing.
 * - Cloud metadata (169.254.0.0/16, 100.100.100.200, fd00:ec2::254, metadata.google.internal) and
 *   unroutable targets (0.0.0.0, ::, multicast) are always refused; loopback, private, link-local
 *   IPv6 and reserved ranges are refused unless `policy.allowPrivate`. IPv4-mapped, NAT64 and 6to4
 *   IPv6 forms are judged by the IPv4 address inside; numeric spellings (2130706433, 0x7f.1) by
 *   what they mean; zone ids are refused.
 * - One deadline covers a whole request (all hops, a trickled body included); body, decompressed
 *   body and header sizes are capped.
 * - A redirect to another origin drops every credential header (Authorization, Cookie, and any
 *   header named like a key, token or secret).
 * - Failures are {@link NetError}s with a machine `kind` and a human `message`; an HTTP status,
 *   5xx included, is a result, not an error.
 * - Keep-alive connections are keyed by the exact address (and TLS trust settings) they were opened
 *   with, and lent only after the request's own fresh resolution and check chose that address.
 *
 * What each entry point is for:
 * - {@link httpRequest}: every HTTP(S) request (http check, webhooks, audits).
 * - {@link connectGuarded}: a TCP or TLS socket for the tcp and tls checks, SMTP and the like;
 *   {@link upgradeToTls} switches such a socket to TLS after STARTTLS.
 * - {@link createResolver}: the resolver to pass in (servers, timeout, tries) and, through
 *   `resolveRecords`, the records the dns check reads.
 *
 * docs/network-safety.md explains the rules and each error kind for users.
 *
 * @example
 * import { httpRequest, connectGuarded, createResolver, isNetError } from '../lib/net/index.js';
 * const resolver = createResolver({ timeoutMs: 2000, tries: 2 });
 * try {
 *   const res = await httpRequest('https://example.com/', {
 *     policy: { allowPrivate: false }, resolver, deadlineMs: 10_000, maxRedirects: 5,
 *   });
 *   console.log(res.status, res.timings.total, res.tls?.certificate.daysLeft);
 * } catch (err) {
 *   if (isNetError(err)) console.log(err.kind, err.message); // "refused", "connection refused by 93.184.215.14:443"
 *   else throw err;
 * }
 */
export { connectGuarded, upgradeToTls } from './connect.js';
export type { ConnectGuardedOptions, ConnectTimings, GuardedConnection } from './connect.js';
export { NetError, isNetError } from './errors.js';
export type { NetErrorKind } from './errors.js';
export { closeIdleConnections, httpRequest, isCredentialHeader } from './http.js';
export { guardedFetch } from './fetch.js';
export type { HttpRequestOptions, HttpResult, HttpTimings } from './http.js';
export { Deadline } from './deadline.js';
export { classifyAddress, refusalFor } from './policy.js';
export type { AddressClass, Classification, NetPolicy } from './policy.js';
export { createResolver, defaultResolver } from './resolver.js';
export type { AddressFamily, DnsRecordType, DnsRecordsByType, Resolver, ResolverOptions } from './resolver.js';
export type { CertificateInfo, TlsInfo, TlsOptions } from './tls.js';
