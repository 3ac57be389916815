import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  connect as tlsConnect,
  createSecureContext,
  rootCertificates,
  type PeerCertificate,
  type SecureContext,
  type SecureVersion,
  type TLSSocket,
} from 'node:tls';
import type { Deadline } from './deadline.js';
import { NetError, toNetError } from './errors.js';
import { ignoreLateError } from './tcp.js';

export interface TlsOptions {
  /** SNI and the name the certificate must match; defaults to the host (none for IP literals). */
  servername?: string;
  /** Refuse certificates that do not verify; default true. */
  verify?: boolean;
  /** Extra trusted root certificates (PEM), added to node's bundled roots: a private CA, a test CA. */
  ca?: string | Buffer | readonly (string | Buffer)[];
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** ALPN protocols to offer, e.g. ['http/1.1']. */
  alpn?: string[];
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** ISO 8601. */
  validFrom: string;
  validTo: string;
  /** Whole days until validTo; negative once expired. */
  daysLeft: number;
  /** Subject alternative names as OpenSSL prints them: "DNS:example.com", "IP Address:127.0.0.1". */
  san: string[];
  keyBits?: number;
  /** "EC" keys are judged by curve size (256 bits is strong), "RSA" keys by modulus (2048 bits and up). */
  keyType: 'RSA' | 'EC';
  fingerprint256: string;
}

export interface TlsInfo {
  protocol: string;
  cipher: string;
  /** Whether the chain and host name verified, even when verification was turned off. */
  authorized: boolean;
  /** OpenSSL's reason when not authorized: "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID", … */
  authorizationError?: string;
  certificate: CertificateInfo;
}

const DAY_MS = 86_400_000;

function formatName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

function describeCertificate(cert: PeerCertificate): CertificateInfo {
  const validTo = new Date(cert.valid_to);
  const info: CertificateInfo = {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    validFrom: new Date(cert.valid_from).toISOString(),
    validTo: validTo.toISOString(),
    daysLeft: Math.floor((validTo.getTime() - Date.now()) / DAY_MS),
    san: cert.subjectaltname ? cert.subjectaltname.split(', ') : [],
    keyType: (cert as { asn1Curve?: string }).asn1Curve ? 'EC' : 'RSA',
    fingerprint256: cert.fingerprint256,
  };
  const bits = (cert as { bits?: number }).bits;
  if (bits !== undefined) info.keyBits = bits;
  return info;
}

/** Reads what a finished handshake established; the peer must have sent a certificate. */
export function tlsInfoOf(socket: TLSSocket, target: string): TlsInfo {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) {
    throw new NetError('tls_protocol', `${target} completed a TLS handshake without a certificate`);
  }
  const info: TlsInfo = {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher().name,
    authorized: socket.authorized,
    certificate: describeCertificate(cert),
  };
  if (!socket.authorized && socket.authorizationError) info.authorizationError = String(socket.authorizationError);
  return info;
}

/**
 * The error for a certificate that did not verify. Verification itself is OpenSSL's and node's
 * (chain, validity, host name); we only decide afterwards, so that even a refused certificate is
 * described in the message: "certificate of localhost expired on 2020-01-02".
 */
export function tlsRefusal(info: TlsInfo, host: string): NetError {
  const code = info.authorizationError ?? 'UNKNOWN';
  const cert = info.certificate;
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return new NetError('tls_expired', `certificate of ${host} expired on ${cert.validTo.slice(0, 10)}`);
    case 'CERT_NOT_YET_VALID':
      return new NetError('tls_expired', `certificate of ${host} is not valid before ${cert.validFrom.slice(0, 10)}`);
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return new NetError('tls_self_signed', `certificate of ${host} is self-signed (${cert.subject})`);
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new NetError('tls_hostname', `certificate of ${host} is for ${cert.san.join(', ') || cert.subject}, not ${host}`);
    default:
      return new NetError('tls_untrusted', `certificate of ${host} is not trusted (${code}; issuer ${cert.issuer})`);
  }
}

// Building an OpenSSL context parses the whole root bundle (about a millisecond); at a thousand
// handshakes a second that is a core's worth, so contexts are shared per distinct set of options.
const contexts = new Map<string, SecureContext>();
const MAX_CONTEXTS = 64;

function contextKey(opts: TlsOptions): { key: string; extra: readonly (string | Buffer)[] } {
  const ca = opts.ca;
  const extra: readonly (string | Buffer)[] = ca === undefined ? [] : typeof ca === 'string' || Buffer.isBuffer(ca) ? [ca] : ca;
  let caHash = '';
  if (extra.length > 0) {
    const hash = createHash('sha256');
    for (const pem of extra) hash.update(pem);
    caHash = hash.digest('hex');
  }
  return { key: `${opts.minVersion ?? ''}|${opts.maxVersion ?? ''}|${caHash}`, extra };
}

function contextFor(opts: TlsOptions): SecureContext {
  const { key, extra } = contextKey(opts);
  let ctx = contexts.get(key);
  if (!ctx) {
    if (contexts.size >= MAX_CONTEXTS) contexts.clear();
    ctx = createSecureContext({
      ...(extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {}),
      ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
    });
    contexts.set(key, ctx);
  }
  return ctx;
}

/** Identifies the trust settings of a connection, so keep-alive never lends one made with weaker settings. */
export function tlsKey(opts: TlsOptions, servername: string): string {
  return `${servername}|${opts.verify ?? true}|${contextKey(opts).key}|${(opts.alpn ?? []).join(',')}`;
}

/**
 * Runs a TLS handshake over a connected socket (also usable for STARTTLS after a plain exchange).
 * Node always verifies; with rejectUnauthorized off we receive its verdict instead of a bare error,
 * and refuse here when `verify` is on, before a single byte of application data is sent.
 */
export function startTls(
  socket: Socket,
  host: { name: string; ip: string | null },
  label: string,
  opts: TlsOptions,
  deadline: Deadline,
): Promise<{ socket: TLSSocket; info: TlsInfo }> {
  deadline.phase = `in the TLS handshake with ${label}`;
  const servername = opts.servername ?? (host.ip === null ? host.name : undefined);
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({
      socket,
      host: servername ?? host.name,
      ...(servername ? { servername } : {}),
      rejectUnauthorized: false,
      secureContext: contextFor(opts),
      ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
    });
    const settle = (err: NetError | null): void => {
      tls.off('secureConnect', onSecure);
      tls.off('error', onError);
      deadline.signal.removeEventListener('abort', onAbort);
      if (!err) return;
      tls.destroy();
      socket.destroy();
      reject(err);
    };
    const onAbort = (): void => settle(deadline.signal.reason as NetError);
    const onError = (err: Error): void => settle(toNetError(err, label));
    const onSecure = (): void => {
      try {
        const info = tlsInfoOf(tls, label);
        if ((opts.verify ?? true) && !info.authorized) return settle(tlsRefusal(info, servername ?? host.name));
        settle(null);
        resolve({ socket: tls, info });
      } catch (err) {
        settle(toNetError(err, label));
      }
    };
    tls.once('secureConnect', onSecure);
    tls.on('error', onError);
    tls.on('error', ignoreLateError);
    deadline.signal.addEventListener('abort', onAbort, { once: true });
  });
}
