import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.js';
import { NetError } from './errors.js';

/**
 * Which destinations a request may reach. Public unicast addresses are always allowed; loopback,
 * private, link-local IPv6, CGNAT and reserved ranges only with `allowPrivate`. Cloud metadata
 * addresses and unroutable destinations (0.0.0.0, ::, multicast, broadcast) are refused whatever
 * the policy says.
 *
 * @example { allowPrivate: config.network.allowPrivateTargets || monitor.allowPrivate || cli.allowPrivate }
 */
export interface NetPolicy {
  allowPrivate: boolean;
  /**
   * For tests only: loopback ranges (inside 127.0.0.0/8, or ::1) to treat as public, so a test can
   * stand up a "public" server and a "private" one on one machine. Anything else is rejected, so a
   * misuse can never open the metadata service or the LAN.
   */
  testOnlyPublicRanges?: readonly string[];
}

export type AddressClass = 'public' | 'private' | 'unroutable' | 'metadata';
export interface Classification {
  class: AddressClass;
  /** Which range, in words for messages: "loopback", "private", "IPv4-mapped loopback", "cloud metadata". */
  range: string;
}

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;
type Cidr = [IPv4 | IPv6, number];

// AWS, GCP, Azure, Oracle and DigitalOcean serve metadata on 169.254.169.254 (the whole link-local
// block is refused: nothing legitimate to monitor lives there), Alibaba on 100.100.100.200, AWS on
// fd00:ec2::254 over IPv6.
const METADATA_V4 = ['169.254.0.0/16', '100.100.100.200/32'].map((c) => ipaddr.IPv4.parseCIDR(c));
const METADATA_V6 = ipaddr.IPv6.parseCIDR('fd00:ec2::254/128');
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog']);
// ::/8 holds the deprecated IPv4-compatible form (::7f00:1 is "::127.0.0.1"); ipaddr.js calls what
// it does not name there "unicast", which must not read as public.
const IETF_RESERVED_V6 = ipaddr.IPv6.parseCIDR('::/8');
const LOOPBACK_V4 = ipaddr.IPv4.parseCIDR('127.0.0.0/8');
// ipaddr.js names ranges for programmers; messages are read by users.
const LABELS: Record<string, string> = {
  ipv4Mapped: 'IPv4-mapped',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64',
  linkLocal: 'link-local',
  uniqueLocal: 'unique local',
  carrierGradeNat: 'carrier-grade NAT',
  deprecatedSiteLocal: 'site-local',
};
const label = (range: string): string => LABELS[range] ?? range;
const RANK: Record<AddressClass, number> = { public: 0, private: 1, unroutable: 2, metadata: 3 };

function stricter(a: Classification, b: Classification): Classification {
  return RANK[a.class] >= RANK[b.class] ? a : b;
}

function v4FromParts(hi: number, lo: number): IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function classifyV4(addr: IPv4): Classification {
  if (METADATA_V4.some((cidr) => addr.match(cidr))) return { class: 'metadata', range: 'cloud metadata' };
  const range = addr.range();
  if (range === 'unicast') return { class: 'public', range };
  if (range === 'unspecified' || range === 'broadcast' || range === 'multicast') return { class: 'unroutable', range };
  return { class: 'private', range: label(range) };
}

/**
 * The bytes of an embedded IPv4 address for the RFC 6052 prefix lengths the known NAT64 prefixes can
 * have (/32 and /40 cannot occur inside them): bits 64–71 (the "u" octet) never carry it.
 */
const NAT64_POSITIONS: Record<number, number[]> = {
  48: [6, 7, 9, 10],
  56: [7, 9, 10, 11],
  64: [9, 10, 11, 12],
  96: [12, 13, 14, 15],
};
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * 64:ff9b::/96 (RFC 6052's well-known prefix) carries the IPv4 address in its last 32 bits. The
 * local-use 64:ff9b:1::/48 (RFC 8215) is subdivided by each network into prefixes of /48 to /96,
 * so which bits carry the address depends on the gateway: every position it could be at is read
 * and the strictest answer wins, and the range is private in itself (a local translator).
 */
function classifyNat64(addr: IPv6): Classification {
  const bytes = addr.toByteArray();
  const lengths = addr.match(NAT64_WELL_KNOWN) ? [96] : [48, 56, 64, 96];
  const base: Classification = lengths.length === 1 ? { class: 'public', range: 'NAT64' } : { class: 'private', range: 'NAT64 local-use' };
  let verdict = base;
  for (const length of lengths) {
    const inner = classifyV4(new ipaddr.IPv4(NAT64_POSITIONS[length]!.map((i) => bytes[i] ?? 0)));
    // An unroutable IPv4 at one of the guessed positions only means the address is not laid out that way.
    if (lengths.length > 1 && inner.class === 'unroutable') continue;
    const rank = RANK[inner.class] - RANK[verdict.class];
    if (rank > 0 || (rank === 0 && verdict === base)) verdict = { class: inner.class, range: `NAT64 ${inner.range}` };
  }
  return verdict;
}

function classifyV6(addr: IPv6): Classification {
  if (addr.match(METADATA_V6)) return { class: 'metadata', range: 'cloud metadata' };
  const range = addr.range();
  const p = addr.parts;
  switch (range) {
    // These carry an IPv4 address that the packet really goes to (the kernel for mapped forms, a
    // NAT64 gateway for NAT64 prefixes), so that address decides.
    case 'ipv4Mapped':
    case 'rfc6145': {
      const inner = classifyV4(v4FromParts(p[6] ?? 0, p[7] ?? 0));
      return { class: inner.class, range: `${label(range)} ${inner.range}` };
    }
    case 'rfc6052':
      return classifyNat64(addr);
    case '6to4':
      return stricter({ class: 'private', range }, classifyV4(v4FromParts(p[1] ?? 0, p[2] ?? 0)));
    case 'unicast':
      return addr.match(IETF_RESERVED_V6) ? { class: 'unroutable', range: 'reserved' } : { class: 'public', range };
    case 'unspecified':
    case 'multicast':
      return { class: 'unroutable', range };
    default:
      return { class: 'private', range: label(range) };
  }
}

const parsedTestRanges = new WeakMap<readonly string[], Cidr[]>();

function testRanges(policy: NetPolicy): Cidr[] {
  const list = policy.testOnlyPublicRanges;
  if (!list) return [];
  let parsed = parsedTestRanges.get(list);
  if (!parsed) {
    parsed = list.map((cidr) => {
      const range = ipaddr.isValidCIDR(cidr) ? ipaddr.parseCIDR(cidr) : undefined;
      const ok =
        range !== undefined &&
        (range[0].kind() === 'ipv4' ? range[1] >= 8 && (range[0] as IPv4).match(LOOPBACK_V4) : range[1] === 128 && (range[0] as IPv6).range() === 'loopback');
      if (!ok) throw new AppError('invalid_input', `testOnlyPublicRanges accepts loopback ranges only, not ${cidr}`);
      return range;
    });
    parsedTestRanges.set(list, parsed);
  }
  return parsed;
}

/** Classifies one IP address (canonical text, as a resolver or URL parser gives it). */
export function classifyAddress(ip: string, policy?: NetPolicy): Classification {
  const addr = ipaddr.parse(ip);
  if (policy && testRanges(policy).some((cidr) => cidr[0].kind() === addr.kind() && addr.match(cidr))) {
    return { class: 'public', range: 'test-only public' };
  }
  return addr.kind() === 'ipv4' ? classifyV4(addr as IPv4) : classifyV6(addr as IPv6);
}

/** The refusal for `ip` (reached through the name `host`), or null when the policy allows it. */
export function refusalFor(ip: string, host: string, policy: NetPolicy): NetError | null {
  const c = classifyAddress(ip, policy);
  const who = host === ip ? ip : `${host} (${ip})`;
  switch (c.class) {
    case 'public':
      return null;
    case 'metadata':
      return new NetError('blocked_address', `refused ${who}: cloud metadata addresses are always blocked`);
    case 'unroutable':
      return new NetError('blocked_address', `refused ${who}: ${c.range} is not a destination that can be monitored`);
    case 'private':
      if (policy.allowPrivate) return null;
      return new NetError(
        'blocked_address',
        `refused ${who}: ${c.range} addresses are blocked; allow private targets (network.allowPrivateTargets, the monitor's setting or --allow-private) to reach them`,
      );
  }
}

export interface ParsedHost {
  /** Lower-case name or canonical IP, without brackets or a trailing dot: what SNI and messages use. */
  name: string;
  /** Set when the host is an IP literal in any spelling (2130706433, 0x7f.1, [::ffff:127.0.0.1]). */
  ip: string | null;
}

/**
 * Canonicalises a host the way the WHATWG URL parser does, so `connectGuarded('2130706433', 80)` is
 * judged as 127.0.0.1 exactly like `http://2130706433/`. Zone ids (fe80::1%eth0) are refused: they
 * name an interface rather than a destination and would slip past the range rules.
 */
export function parseHost(raw: string): ParsedHost {
  if (raw.includes('%')) throw new NetError('invalid_url', `IPv6 zone identifiers are not supported: ${raw}`);
  const bracketed = raw.includes(':') && !raw.startsWith('[') ? `[${raw}]` : raw;
  let hostname: string;
  try {
    const url = new URL(`http://${bracketed}/`);
    if (url.port !== '' || url.username !== '' || url.pathname !== '/') throw new Error('not a bare host');
    hostname = url.hostname;
  } catch (cause) {
    throw new NetError('invalid_url', `not a valid host name or address: ${raw}`, { cause });
  }
  if (hostname.startsWith('[')) {
    const ip = hostname.slice(1, -1);
    return { name: ip, ip };
  }
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name === '') throw new NetError('invalid_url', `not a valid host name or address: ${raw}`);
  return { name, ip: isIPv4(name) ? name : null };
}

/** Names that must never be resolved at all, whatever they resolve to. */
export function refusalForName(name: string): NetError | null {
  return METADATA_NAMES.has(name) ? new NetError('blocked_address', `refused ${name}: cloud metadata names are always blocked`) : null;
}
