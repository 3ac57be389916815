import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, rootCertificates, type ConnectionOptions, type DetailedPeerCertificate, type SecureVersion } from 'node:tls';
import { connectGuarded } from '../../lib/net/index.js';
import type { AuditNet } from '../net.js';

/**
 * What a server's TLS endpoint offers, learnt by handshakes over connections from the guarded client
 * (the TCP connection is guarded; TLS then runs over it with our own options, as STARTTLS does, so
 * that old protocols and weak ciphers can be offered on purpose).
 */
export interface TlsScan {
  host: string;
  port: number;
  /** Protocol versions the server accepted, oldest first. */
  protocols: SecureVersion[];
  /** Cipher suites (OpenSSL names) accepted with TLS 1.2 and older, in the order they were found. */
  ciphers: { name: string; protocol: string }[];
  /** The cipher suite negotiated with the best protocol. */
  negotiated: { protocol: string; cipher: string };
  certificate: CertificateFacts;
  /** The OpenSSL verdict on the chain against the system roots (plus any configured CA). */
  authorized: boolean;
  authorizationError?: string;
  /** Whether the certificate names the host, checked as browsers do. */
  hostnameMatches: boolean;
  ocspStapled: boolean;
  /** Certificates the server sent, leaf first. */
  chain: { subject: string; issuer: string }[];
}

export interface CertificateFacts {
  subject: string;
  issuer: string;
  san: string[];
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  keyType: string;
  keyBits: number;
  selfSigned: boolean;
}

const VERSIONS: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** Every cipher OpenSSL knows, weak ones included: an audit must be able to ask for them. */
const ALL_CIPHERS = 'ALL:COMPLEMENTOFALL:@SECLEVEL=0';
const MAX_CIPHER_PROBES = 40;

interface Handshake {
  protocol: string;
  cipher: string;
  authorized: boolean;
  authorizationError?: string;
  peer: DetailedPeerCertificate;
  ocsp: boolean;
}

/**
 * One handshake. Only `trusted` ones name the extra CAs: a context with its own CA list is built per
 * connection (all system roots parsed again, tens of milliseconds), so the probes that only ask
 * "would you accept this?" use the shared default store.
 */
async function handshake(net: AuditNet, host: string, port: number, version: SecureVersion, ciphers = ALL_CIPHERS, trusted = false): Promise<Handshake | null> {
  let conn;
  try {
    conn = await connectGuarded(host, port, { policy: net.policy, resolver: net.resolver, deadlineMs: 8_000 });
  } catch (err) {
    if (version === 'TLSv1.3') throw err;
    return null;
  }
  const servername = isIP(host) ? undefined : host;
  return new Promise((resolve) => {
    let ocsp = false;
    // requestOCSP is passed through to the TLSSocket by tls.connect, though its type does not list it.
    const options: ConnectionOptions & { requestOCSP: boolean } = {
      socket: conn.socket,
      ...(servername ? { servername } : {}),
      minVersion: version,
      maxVersion: version,
      ciphers,
      rejectUnauthorized: false,
      requestOCSP: true,
      ...(trusted && net.ca.length ? { ca: [...rootCertificates, ...net.ca] } : {}),
    };
    const socket = tlsConnect(options);
    const timer = setTimeout(() => finish(null), 8_000);
    const finish = (result: Handshake | null) => {
      clearTimeout(timer);
      socket.destroy();
      conn.socket.destroy();
      resolve(result);
    };
    socket.on('OCSPResponse', (response: Buffer | undefined) => (ocsp = Boolean(response?.length)));
    socket.once('secureConnect', () => {
      const result: Handshake = {
        protocol: socket.getProtocol() ?? version,
        cipher: socket.getCipher().name,
        authorized: socket.authorized,
        peer: socket.getPeerCertificate(true),
        ocsp,
      };
      if (socket.authorizationError) result.authorizationError = String(socket.authorizationError);
      finish(result);
    });
    socket.once('error', () => finish(null));
  });
}

/** The cipher suites the server accepts for one protocol: ask for all, drop the one it picks, ask again. */
async function enumerateCiphers(net: AuditNet, host: string, port: number, version: SecureVersion, budget: { left: number }): Promise<string[]> {
  const accepted: string[] = [];
  while (budget.left-- > 0) {
    const exclude = accepted.map((c) => `:!${c}`).join('');
    const hs = await handshake(net, host, port, version, `${ALL_CIPHERS.replace(':@SECLEVEL=0', '')}${exclude}:@SECLEVEL=0`);
    if (!hs || accepted.includes(hs.cipher)) break;
    accepted.push(hs.cipher);
  }
  return accepted;
}

function name(subject: Record<string, string | string[]> | undefined): string {
  if (!subject) return '';
  return Object.entries(subject)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function certificateFacts(peer: DetailedPeerCertificate): CertificateFacts {
  const x509 = new X509Certificate(peer.raw);
  const details = x509.publicKey.asymmetricKeyDetails;
  const keyType = x509.publicKey.asymmetricKeyType ?? 'unknown';
  const keyBits = details?.modulusLength ?? (details?.namedCurve ? curveBits(details.namedCurve) : ((peer as { bits?: number }).bits ?? 0));
  return {
    subject: name(peer.subject as unknown as Record<string, string>),
    issuer: name(peer.issuer as unknown as Record<string, string>),
    san: peer.subjectaltname ? peer.subjectaltname.split(', ') : [],
    validFrom: new Date(peer.valid_from).toISOString(),
    validTo: new Date(peer.valid_to).toISOString(),
    fingerprint256: peer.fingerprint256,
    keyType,
    keyBits,
    // Compared by name, not checkIssued: a self-signed leaf lacks the CA key usage that check wants.
    selfSigned: x509.subject === x509.issuer && x509.verify(x509.publicKey),
  };
}

const curveBits = (curve: string) => Number(/(\d{3})/.exec(curve)?.[1] ?? 0);

function chainOf(peer: DetailedPeerCertificate): { subject: string; issuer: string }[] {
  const chain: { subject: string; issuer: string }[] = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = peer; cert && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    chain.push({ subject: name(cert.subject as unknown as Record<string, string>), issuer: name(cert.issuer as unknown as Record<string, string>) });
  }
  return chain;
}

/**
 * Scans one TLS endpoint: which protocols it accepts (one handshake each), which ciphers with the
 * older protocols, and the certificate it presents. Throws a NetError when the host cannot be reached.
 */
export async function scanTls(net: AuditNet, host: string, port: number): Promise<TlsScan | null> {
  const results = new Map<SecureVersion, Handshake>();
  // Newest first: an unreachable host fails on the first try and ends the scan with its error.
  for (const version of [...VERSIONS].reverse()) {
    const hs = await handshake(net, host, port, version);
    if (hs) results.set(version, hs);
  }
  const protocols = VERSIONS.filter((v) => results.has(v));
  const newest = protocols.at(-1);
  // The trust verdict comes from one more handshake with the configured CAs.
  const best = newest ? ((await handshake(net, host, port, newest, ALL_CIPHERS, true)) ?? results.get(newest)) : undefined;
  if (!best) return null;
  const budget = { left: MAX_CIPHER_PROBES };
  const ciphers: TlsScan['ciphers'] = [];
  for (const version of protocols.filter((v) => v !== 'TLSv1.3')) {
    for (const cipher of await enumerateCiphers(net, host, port, version, budget)) ciphers.push({ name: cipher, protocol: version });
  }
  const certificate = certificateFacts(best.peer);
  const x509 = new X509Certificate(best.peer.raw);
  const hostnameMatches = isIP(host) ? x509.checkIP(host) !== undefined : x509.checkHost(host) !== undefined;
  const scan: TlsScan = {
    host,
    port,
    protocols,
    ciphers,
    negotiated: { protocol: best.protocol, cipher: best.cipher },
    certificate,
    authorized: best.authorized,
    hostnameMatches,
    ocspStapled: best.ocsp,
    chain: chainOf(best.peer),
  };
  if (best.authorizationError) scan.authorizationError = best.authorizationError;
  return scan;
}
