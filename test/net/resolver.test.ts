import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResolver, type Resolver } from '../../src/lib/net/index.js';
import { startDnsServer, type LoopbackDns } from '../fixtures/dns-server.js';

let dns: LoopbackDns;
let resolver: Resolver;

beforeAll(async () => {
  dns = await startDnsServer({
    'both.upkeep.test': { A: ['127.0.0.1', '127.0.0.2'], AAAA: ['::1'], ttl: 60 },
    'v6only.upkeep.test': { AAAA: ['::1'] },
    'empty.upkeep.test': { TXT: [['nothing here']] },
    'alias.upkeep.test': { CNAME: 'both.upkeep.test' },
    'big.upkeep.test': { A: ['127.0.0.3'], tcpOnly: true },
    'servfail.upkeep.test': 'servfail',
    'refused.upkeep.test': 'refused',
    'silent.upkeep.test': 'drop',
    'mail.upkeep.test': {
      MX: [{ preference: 10, exchange: 'mx1.upkeep.test' }],
      TXT: [['v=spf1 ', '-all'], ['hello']],
      NS: ['ns1.upkeep.test', 'ns2.upkeep.test'],
      CAA: [{ flags: 0, tag: 'issue', value: 'letsencrypt.org' }],
      SOA: { mname: 'ns1.upkeep.test', rname: 'admin.upkeep.test', serial: 2024, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
    },
  });
  resolver = createResolver({ servers: [dns.server], timeoutMs: 200, tries: 1 });
});
afterAll(() => dns.close());

describe('resolve', () => {
  it('returns IPv4 addresses first for auto, and one family when asked', async () => {
    expect(await resolver.resolve('both.upkeep.test', 'auto')).toEqual(['127.0.0.1', '127.0.0.2', '::1']);
    expect(await resolver.resolve('both.upkeep.test', 4)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(await resolver.resolve('both.upkeep.test', 6)).toEqual(['::1']);
    expect(await resolver.resolve('v6only.upkeep.test', 'auto')).toEqual(['::1']);
  });

  it('follows CNAMEs', async () => {
    expect(await resolver.resolve('alias.upkeep.test', 4)).toEqual(['127.0.0.1', '127.0.0.2']);
  });

  it('retries over TCP when the UDP answer is truncated', async () => {
    expect(await resolver.resolve('big.upkeep.test', 4)).toEqual(['127.0.0.3']);
    const transports = dns.queries.filter((q) => q.name === 'big.upkeep.test').map((q) => q.transport);
    expect(transports).toEqual(['udp', 'tcp']);
  });

  it('answers localhost itself without asking DNS', async () => {
    const before = dns.queries.length;
    expect(await resolver.resolve('localhost', 'auto')).toEqual(['127.0.0.1', '::1']);
    expect(await resolver.resolve('app.localhost', 6)).toEqual(['::1']);
    expect(dns.queries.length).toBe(before);
  });

  it.each([
    ['nowhere.upkeep.test', 'dns_nxdomain', 'nowhere.upkeep.test does not exist (NXDOMAIN)'],
    ['empty.upkeep.test', 'dns_nodata', 'empty.upkeep.test exists but has no A or AAAA records'],
    ['servfail.upkeep.test', 'dns_servfail', 'the DNS server failed to resolve servfail.upkeep.test (SERVFAIL)'],
    ['refused.upkeep.test', 'dns_servfail', 'the DNS server refused to resolve refused.upkeep.test (REFUSED)'],
    ['silent.upkeep.test', 'dns_timeout', 'no answer from the DNS server for silent.upkeep.test'],
  ])('%s fails as %s', async (name, kind, message) => {
    await expect(resolver.resolve(name, 'auto')).rejects.toMatchObject({ kind, message });
  });

  it('says which family is missing when one was asked for', async () => {
    await expect(resolver.resolve('v6only.upkeep.test', 4)).rejects.toMatchObject({
      kind: 'dns_nodata',
      message: 'v6only.upkeep.test exists but has no A records',
    });
  });

  it('gives up on a silent server after its timeout and tries', async () => {
    const patient = createResolver({ servers: [dns.server], timeoutMs: 100, tries: 3 });
    const before = dns.count('silent.upkeep.test');
    await expect(patient.resolve('silent.upkeep.test', 4)).rejects.toMatchObject({ kind: 'dns_timeout' });
    expect(dns.count('silent.upkeep.test') - before).toBe(3);
  });
});

describe('resolveRecords', () => {
  it('reads every record type the dns check needs', async () => {
    expect(await resolver.resolveRecords('both.upkeep.test', 'A')).toEqual([
      { address: '127.0.0.1', ttl: 60 },
      { address: '127.0.0.2', ttl: 60 },
    ]);
    expect(await resolver.resolveRecords('both.upkeep.test', 'AAAA')).toEqual([{ address: '::1', ttl: 60 }]);
    expect(await resolver.resolveRecords('alias.upkeep.test', 'CNAME')).toEqual(['both.upkeep.test']);
    expect(await resolver.resolveRecords('mail.upkeep.test', 'MX')).toEqual([{ priority: 10, exchange: 'mx1.upkeep.test' }]);
    expect(await resolver.resolveRecords('mail.upkeep.test', 'TXT')).toEqual(['v=spf1 -all', 'hello']);
    expect(await resolver.resolveRecords('mail.upkeep.test', 'NS')).toEqual(['ns1.upkeep.test', 'ns2.upkeep.test']);
    expect(await resolver.resolveRecords('mail.upkeep.test', 'CAA')).toEqual([{ critical: 0, issue: 'letsencrypt.org' }]);
    expect(await resolver.resolveRecords('mail.upkeep.test', 'SOA')).toMatchObject({
      nsname: 'ns1.upkeep.test',
      hostmaster: 'admin.upkeep.test',
      serial: 2024,
      minttl: 60,
    });
  });

  it('fails with the same kinds as resolve', async () => {
    await expect(resolver.resolveRecords('nowhere.upkeep.test', 'MX')).rejects.toMatchObject({ kind: 'dns_nxdomain' });
    await expect(resolver.resolveRecords('both.upkeep.test', 'MX')).rejects.toMatchObject({
      kind: 'dns_nodata',
      message: 'both.upkeep.test exists but has no MX records',
    });
  });
});

describe('dangling aliases', () => {
  it('reports a CNAME that leads to no address as dns_nodata, not as an empty list', async () => {
    const own = await startDnsServer({ 'dangling.upkeep.test': { CNAME: 'gone.upkeep.test' } });
    try {
      const r = createResolver({ servers: [own.server], timeoutMs: 200, tries: 1 });
      await expect(r.resolve('dangling.upkeep.test', 4)).rejects.toMatchObject({ kind: 'dns_nodata' });
      await expect(r.resolve('dangling.upkeep.test', 'auto')).rejects.toMatchObject({ kind: 'dns_nodata' });
    } finally {
      await own.close();
    }
  });
});
