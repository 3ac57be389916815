import { Resolver as CaresResolver } from 'node:dns/promises';
import type { CaaRecord, MxRecord, SoaRecord } from 'node:dns';
import { NetError } from './errors.js';

export interface ResolverOptions {
  /** DNS servers as "ip" or "ip:port" ("127.0.0.1:5353", "[::1]:53"); default: the system's. */
  servers?: string[];
  /** Milliseconds for the first try of each query (c-ares backs off on later tries); default 2000. */
  timeoutMs?: number;
  /** Tries per server before giving up; default 2. */
  tries?: number;
}

export type AddressFamily = 4 | 6 | 'auto';

/** What `resolveRecords` returns for each record type the dns check can ask for. */
export interface DnsRecordsByType {
  A: { address: string; ttl: number }[];
  AAAA: { address: string; ttl: number }[];
  CNAME: string[];
  MX: MxRecord[];
  /** One string per record, its character-strings joined as RFC 7208 reads them. */
  TXT: string[];
  NS: string[];
  CAA: CaaRecord[];
  SOA: SoaRecord;
}
export type DnsRecordType = keyof DnsRecordsByType;

/**
 * Name resolution for the guarded client and the dns check.
 *
 * @example const ips = await createResolver({ servers: ['127.0.0.1:5353'] }).resolve('example.com', 'auto')
 */
export interface Resolver {
  /** Addresses of `host`, IPv4 first for 'auto'. Rejects with dns_nxdomain, dns_nodata, dns_servfail or dns_timeout. */
  resolve(host: string, family: AddressFamily): Promise<string[]>;
  resolveRecords<T extends DnsRecordType>(host: string, type: T): Promise<DnsRecordsByType[T]>;
}

type Lookup = { [T in DnsRecordType]: (r: CaresResolver, host: string) => Promise<DnsRecordsByType[T]> };
const lookups: Lookup = {
  A: (r, host) => r.resolve4(host, { ttl: true }),
  AAAA: (r, host) => r.resolve6(host, { ttl: true }),
  CNAME: (r, host) => r.resolveCname(host),
  MX: (r, host) => r.resolveMx(host),
  TXT: async (r, host) => (await r.resolveTxt(host)).map((chunks) => chunks.join('')),
  NS: (r, host) => r.resolveNs(host),
  CAA: (r, host) => r.resolveCaa(host),
  SOA: (r, host) => r.resolveSoa(host),
};

function dnsError(err: unknown, host: string, what: string): NetError {
  const code = (err as { code?: string }).code ?? '';
  const opts = { cause: err };
  switch (code) {
    case 'ENOTFOUND':
      return new NetError('dns_nxdomain', `${host} does not exist (NXDOMAIN)`, opts);
    case 'ENODATA':
      return new NetError('dns_nodata', `${host} exists but has no ${what} records`, opts);
    case 'ETIMEOUT':
      return new NetError('dns_timeout', `no answer from the DNS server for ${host}`, opts);
    case 'ESERVFAIL':
      return new NetError('dns_servfail', `the DNS server failed to resolve ${host} (SERVFAIL)`, opts);
    case 'EREFUSED':
      return new NetError('dns_servfail', `the DNS server refused to resolve ${host} (REFUSED)`, opts);
    case 'ECONNREFUSED':
      return new NetError('dns_servfail', `the DNS server for ${host} could not be reached`, opts);
    default:
      return new NetError('dns_servfail', `resolving ${host} failed (${code || String(err)})`, opts);
  }
}

// RFC 6761 reserves these for the machine itself; answering here keeps them off the wire and makes
// them subject to the loopback rule like any other loopback address.
function localhostAddresses(host: string, family: AddressFamily): string[] | null {
  if (host !== 'localhost' && !host.endsWith('.localhost')) return null;
  return family === 4 ? ['127.0.0.1'] : family === 6 ? ['::1'] : ['127.0.0.1', '::1'];
}

/**
 * Uses node's c-ares binding (`dns.promises.Resolver`): queries go out on the event loop with their
 * own timeout and tries, so a slow DNS server cannot fill the four-thread libuv pool that
 * `dns.lookup` (getaddrinfo) shares with zlib and file I/O, which at 1,000 checks a second would
 * stall everything else. Nothing is cached: every check sees the answer DNS gives now, and a
 * rebinding name gets no stale verdict.
 */
export function createResolver(opts: ResolverOptions = {}): Resolver {
  const cares = new CaresResolver({ timeout: opts.timeoutMs ?? 2000, tries: opts.tries ?? 2 });
  if (opts.servers) cares.setServers(opts.servers);

  async function query<T extends DnsRecordType>(host: string, type: T): Promise<DnsRecordsByType[T]> {
    try {
      return await lookups[type](cares, host);
    } catch (err) {
      throw dnsError(err, host, type);
    }
  }

  async function addresses(host: string, family: 4 | 6): Promise<string[]> {
    return family === 4 ? cares.resolve4(host) : cares.resolve6(host);
  }

  async function resolve(host: string, family: AddressFamily): Promise<string[]> {
    const local = localhostAddresses(host, family);
    if (local) return local;
    // Settled rather than thrown: a name without AAAA records is the common case, and turning
    // each into an error object would cost more than the lookup.
    const answers = await Promise.allSettled(family === 'auto' ? [addresses(host, 4), addresses(host, 6)] : [addresses(host, family)]);
    const found = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
    if (found.length > 0) return found;
    const what = family === 'auto' ? 'A or AAAA' : family === 4 ? 'A' : 'AAAA';
    const errors = answers.flatMap((a) => (a.status === 'rejected' ? [dnsError(a.reason, host, what)] : []));
    // Both failed: NXDOMAIN says most, then a server failure or timeout, then "no such records".
    // An empty answer (a CNAME leading nowhere) is "no such records" too.
    const first = (kind: string): NetError | undefined => errors.find((e) => e.kind === kind);
    const nodata = new NetError('dns_nodata', `${host} exists but has no ${what} records`);
    throw first('dns_nxdomain') ?? first('dns_servfail') ?? first('dns_timeout') ?? nodata;
  }

  return { resolve, resolveRecords: query };
}

let shared: Resolver | undefined;
/** The process-wide resolver on the system's DNS servers, made on first use. */
export function defaultResolver(): Resolver {
  shared ??= createResolver();
  return shared;
}
