import type { Finding, Severity } from '../types.js';
import type { TlsScan } from './tls.js';

/**
 * A grade in the manner of Qualys SSL Labs' rating guide: protocol (30 %), key exchange (30 %) and
 * cipher strength (40 %) scores make a letter, then caps for known weaknesses, T for a certificate
 * browsers do not trust and M for one issued to another name. Upkeep's reading of the published
 * guide, not SSL Labs' own code: their grades can differ at the edges.
 */
export interface TlsGrade {
  grade: string;
  /** The grade if trust were not an issue (SSL Labs shows this beside a T or M). */
  ignoringTrust: string;
  score: number;
  reasons: string[];
}

const PROTOCOL_SCORE: Record<string, number> = { TLSv1: 90, 'TLSv1.1': 95, 'TLSv1.2': 100, 'TLSv1.3': 100 };
const DAY = 86_400_000;

/** Effective strength of a cipher suite in bits, from its OpenSSL name. */
function cipherBits(cipher: string): number {
  if (/NULL/i.test(cipher)) return 0;
  if (/EXP/i.test(cipher)) return 40;
  if (/(^|-)DES-CBC-|(^|-)DES-CBC$/i.test(cipher)) return 56;
  if (/3DES|DES-CBC3/i.test(cipher)) return 112;
  if (/AES_?256|CHACHA20|CAMELLIA256|ARIA256/i.test(cipher)) return 256;
  return 128;
}

const forwardSecret = (cipher: string) => /^(ECDHE|DHE|TLS_)/i.test(cipher);
const isWeak = (cipher: string) => /RC4|3DES|DES-CBC|NULL|EXP|MD5|IDEA|SEED/i.test(cipher);

function keyScore(type: string, bits: number): number {
  const rsaEquivalent = type === 'ec' ? (bits >= 384 ? 7680 : bits >= 256 ? 3072 : bits >= 224 ? 2048 : 1024) : bits;
  if (rsaEquivalent < 512) return 20;
  if (rsaEquivalent < 1024) return 40;
  if (rsaEquivalent < 2048) return 80;
  if (rsaEquivalent < 4096) return 90;
  return 100;
}

const cipherScore = (bits: number) => (bits === 0 ? 0 : bits < 128 ? 20 : bits < 256 ? 80 : 100);
const LETTERS: [number, string][] = [
  [80, 'A'],
  [65, 'B'],
  [50, 'C'],
  [35, 'D'],
  [20, 'E'],
  [0, 'F'],
];
const ORDER = ['A+', 'A', 'A-', 'B', 'C', 'D', 'E', 'F'];
const capAt = (grade: string, cap: string) => (ORDER.indexOf(grade) < ORDER.indexOf(cap) ? cap : grade);

/** `hstsMaxAge` from the HTTPS response: a long HSTS policy lifts an A to A+. */
export function gradeTls(scan: TlsScan, hstsMaxAge: number | undefined, now = Date.now()): TlsGrade {
  const reasons: string[] = [];
  const protocolScores = scan.protocols.map((p) => PROTOCOL_SCORE[p] ?? 0);
  const protocol = (Math.max(...protocolScores) + Math.min(...protocolScores)) / 2;
  const key = keyScore(scan.certificate.keyType, scan.certificate.keyBits);
  const names = [...scan.ciphers.map((c) => c.name), scan.negotiated.cipher];
  const bits = names.map(cipherBits);
  const cipher = (cipherScore(Math.max(...bits)) + cipherScore(Math.min(...bits))) / 2;
  const score = Math.round(0.3 * protocol + 0.3 * key + 0.4 * cipher);
  let grade = LETTERS.find(([min]) => score >= min)![1];

  const cap = (to: string, why: string) => {
    if (ORDER.indexOf(to) > ORDER.indexOf('A')) reasons.push(why);
    grade = capAt(grade, to);
  };
  if (!scan.protocols.includes('TLSv1.2') && !scan.protocols.includes('TLSv1.3')) cap('C', 'no TLS 1.2 or 1.3');
  if (scan.protocols.includes('TLSv1') || scan.protocols.includes('TLSv1.1')) cap('B', 'TLS 1.0 or 1.1 accepted');
  if (names.some((n) => /RC4/i.test(n))) cap('C', 'RC4 accepted');
  if (names.some((n) => /3DES|DES-CBC3/i.test(n))) cap('C', '3DES accepted (Sweet32)');
  if (!names.some(forwardSecret)) cap('B', 'no forward secrecy');
  if (scan.certificate.keyType === 'rsa' && scan.certificate.keyBits < 2048) cap('B', `RSA key of ${scan.certificate.keyBits} bits`);
  if (grade === 'A' && !scan.protocols.includes('TLSv1.3')) {
    grade = 'A-';
    reasons.push('no TLS 1.3');
  }
  if (grade === 'A' && hstsMaxAge !== undefined && hstsMaxAge >= 15_552_000) grade = 'A+';
  const ignoringTrust = grade;
  const expired = Date.parse(scan.certificate.validTo) < now || Date.parse(scan.certificate.validFrom) > now;
  if (!scan.hostnameMatches) {
    grade = 'M';
    reasons.push('certificate is for another name');
  } else if (!scan.authorized || expired) {
    grade = 'T';
    reasons.push(expired ? 'certificate is outside its validity period' : `certificate is not trusted (${scan.authorizationError ?? 'unknown reason'})`);
  }
  return { grade, ignoringTrust, score, reasons };
}

const finding = (id: string, severity: Severity, title: string, evidence: string, fix: string): Finding => ({
  id: `security.tls.${id}`,
  category: 'security',
  severity,
  title,
  evidence,
  fix,
});

/** Findings from a scan; an expiring or wrong certificate outranks everything else. */
export function tlsFindings(scan: TlsScan, now = Date.now()): Finding[] {
  const out: Finding[] = [];
  const cert = scan.certificate;
  const where = `${scan.host}:${scan.port}`;
  const certText = `${cert.subject} issued by ${cert.issuer}, valid ${cert.validFrom.slice(0, 10)} to ${cert.validTo.slice(0, 10)}`;
  const daysLeft = Math.floor((Date.parse(cert.validTo) - now) / DAY);
  const renew = 'Renew the certificate and set up automatic renewal (ACME, e.g. certbot or Caddy).';
  if (daysLeft < 0) out.push(finding('expired', 'critical', `Certificate expired ${-daysLeft} days ago`, `${where}: ${certText}`, renew));
  else if (daysLeft < 14) out.push(finding('expiring', 'high', `Certificate expires in ${daysLeft} days`, `${where}: ${certText}`, renew));
  else if (daysLeft < 30) out.push(finding('expiring', 'medium', `Certificate expires in ${daysLeft} days`, `${where}: ${certText}`, renew));
  if (Date.parse(cert.validFrom) > now)
    out.push(finding('not-yet-valid', 'high', 'Certificate is not valid yet', `${where}: ${certText}`, 'Check the server clock and the certificate dates.'));
  if (!scan.hostnameMatches) {
    out.push(
      finding(
        'hostname',
        'critical',
        `Certificate is not for ${scan.host}`,
        `${where}: names ${cert.san.join(', ') || cert.subject}`,
        `Get a certificate that lists ${scan.host}.`,
      ),
    );
  }
  if (cert.selfSigned) {
    out.push(
      finding(
        'self-signed',
        'high',
        'Certificate is self-signed',
        `${where}: ${certText}`,
        "Use a certificate from a public CA (Let's Encrypt is free) so browsers trust the site.",
      ),
    );
  } else if (!scan.authorized && daysLeft >= 0 && scan.hostnameMatches) {
    const incomplete = /UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE)/.test(scan.authorizationError ?? '');
    out.push(
      finding(
        'untrusted',
        'high',
        incomplete ? 'Certificate chain is incomplete or from an unknown CA' : 'Certificate is not trusted',
        `${where}: ${scan.authorizationError ?? 'not trusted'}; chain sent: ${scan.chain.map((c) => c.subject).join(' ← ')}`,
        incomplete ? 'Serve the full chain (the fullchain.pem file, not cert.pem).' : 'Use a certificate from a CA that browsers trust.',
      ),
    );
  }
  const old = scan.protocols.filter((p) => p === 'TLSv1' || p === 'TLSv1.1');
  if (old.length) {
    out.push(
      finding(
        'old-protocols',
        'medium',
        `Outdated TLS versions accepted: ${old.join(', ')}`,
        `${where} completed handshakes with ${old.join(' and ')}`,
        'Accept only TLS 1.2 and 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3;).',
      ),
    );
  }
  if (!scan.protocols.includes('TLSv1.2') && !scan.protocols.includes('TLSv1.3')) {
    out.push(
      finding('no-modern-protocol', 'high', 'Neither TLS 1.2 nor 1.3 is supported', `${where}: ${scan.protocols.join(', ')}`, 'Enable TLS 1.2 and TLS 1.3.'),
    );
  }
  const weak = scan.ciphers.filter((c) => isWeak(c.name));
  if (weak.length) {
    out.push(
      finding(
        'weak-ciphers',
        'medium',
        'Weak cipher suites accepted',
        `${where}: ${weak.map((c) => `${c.name} (${c.protocol})`).join(', ')}`,
        'Offer only AEAD suites with forward secrecy (Mozilla "intermediate" configuration).',
      ),
    );
  }
  if (![...scan.ciphers.map((c) => c.name), scan.negotiated.cipher].some(forwardSecret)) {
    out.push(finding('no-forward-secrecy', 'medium', 'No forward secrecy', `${where}: ${scan.negotiated.cipher}`, 'Prefer ECDHE key exchange.'));
  }
  const weakKey = (cert.keyType === 'rsa' && cert.keyBits < 2048) || (cert.keyType === 'ec' && cert.keyBits < 224);
  if (weakKey)
    out.push(
      finding(
        'weak-key',
        'high',
        `Certificate key is too short (${cert.keyType.toUpperCase()} ${cert.keyBits} bits)`,
        `${where}: ${certText}`,
        'Issue a new certificate with an RSA 2048+ or ECDSA P-256 key.',
      ),
    );
  return out;
}
