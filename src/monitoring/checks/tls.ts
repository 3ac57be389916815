import { quote } from '../../lib/evidence.js';
import type { CheckResult } from '../result.js';
import { connectTarget, type CheckType } from './check.js';

const protocolRank: Record<string, number> = { TLSv1: 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4 };
/** The key size that counts as strong for EC keys, whatever `minKeyBits` says for RSA. */
const EC_MIN_BITS = 224;
const MAX_NAMES = 20;

const reasons: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed certificate that is not trusted',
  // OpenSSL cannot tell these two apart: the issuer is neither sent nor among the trusted roots.
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is issued by an untrusted authority, or the server does not send its intermediate certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is issued by an untrusted authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not match the host name',
};

/** Connects, completes a handshake whatever the certificate, and judges it: trust, name, expiry, protocol, key size. */
export const tlsCheck: CheckType<'tls'> = {
  async run(spec, ctx) {
    const started = performance.now();
    const servername = spec.servername ?? spec.host;
    const conn = await connectTarget(spec, ctx, started, { servername, verify: false });
    if (!('socket' in conn)) return conn;
    conn.socket.destroy();
    const durationMs = performance.now() - started;
    const tls = conn.tls!;
    const cert = tls.certificate;
    const detail = {
      protocol: tls.protocol,
      cipher: tls.cipher,
      // Names in a certificate are the target's words: kept as short quotes, as all evidence.
      subject: quote(cert.subject),
      issuer: quote(cert.issuer),
      validTo: cert.validTo,
      daysLeft: cert.daysLeft,
      san: cert.san.slice(0, MAX_NAMES).map((name) => quote(name)),
      keyType: cert.keyType,
      keyBits: cert.keyBits ?? null,
      fingerprint256: cert.fingerprint256,
    };
    const base = { durationMs, timings: { dns: conn.timings.dns, connect: conn.timings.connect, tls: conn.timings.tls }, detail };
    const down = (message: string): CheckResult => ({ status: 'down', message, ...base });
    const expiry = cert.validTo.slice(0, 10);

    if (!tls.authorized) {
      const code = tls.authorizationError ?? 'UNKNOWN';
      return down(`${reasons[code] ?? `the certificate is not trusted (${code})`}${code === 'CERT_HAS_EXPIRED' ? ` on ${expiry}` : ''}`);
    }
    if ((protocolRank[tls.protocol] ?? 0) < protocolRank[spec.minProtocol]!)
      return down(`the server negotiated ${tls.protocol}, older than ${spec.minProtocol}`);
    const minBits = cert.keyType === 'EC' ? EC_MIN_BITS : spec.minKeyBits;
    if (cert.keyBits !== undefined && cert.keyBits < minBits) return down(`the ${cert.keyType} key has ${cert.keyBits} bits, fewer than ${minBits}`);
    if (cert.daysLeft <= spec.criticalDays) return down(`the certificate expires in ${cert.daysLeft} day(s), on ${expiry}`);
    if (cert.daysLeft <= spec.warnDays) return { status: 'degraded', message: `the certificate expires in ${cert.daysLeft} days, on ${expiry}`, ...base };
    return { status: 'up', message: `valid for ${cert.daysLeft} more days (until ${expiry}), ${tls.protocol}`, ...base };
  },
};
