import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeIdleConnections, connectGuarded, createResolver, httpRequest, type Resolver } from '../../src/lib/net/index.js';
import { startDnsServer, type LoopbackDns } from '../fixtures/dns-server.js';
import { redirectTo } from '../fixtures/hostile.js';
import { startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';

const closed = { allowPrivate: false };
const open = { allowPrivate: true };
// 127.0.0.2 plays a public web server; 127.0.0.1 the private network behind it.
const publicForTests = { allowPrivate: false, testOnlyPublicRanges: ['127.0.0.2/32'] };
const deadlineMs = 3000;

let internal: TestServer;
let publicSite: TestServer;
let dns: LoopbackDns;
let resolver: Resolver;

beforeAll(async () => {
  internal = await startHttpServer((_req, res) => res.end('internal secret'));
  publicSite = await startHttpServer((req, res) => (req.url === '/go' ? res.writeHead(302, { location: '/secret' }).end() : res.end('public')), {
    host: '127.0.0.2',
    port: internal.port,
  });
  // Each rebinding name answers the public address first, then the private one, with TTL 0.
  const rebinding = (n: number) => ({ A: [n === 1 ? '127.0.0.2' : '127.0.0.1'] });
  dns = await startDnsServer({
    'meta.upkeep.test': { A: ['169.254.169.254'] },
    'mapped.upkeep.test': { AAAA: ['::ffff:127.0.0.1'] },
    'zero.upkeep.test': { A: ['0.0.0.0'] },
    'mixed.upkeep.test': { A: ['169.254.169.254', '127.0.0.1'] },
    'metadata.google.internal': { A: ['127.0.0.1'] },
    'rebind.upkeep.test': rebinding,
    'rebind-hop.upkeep.test': rebinding,
  });
  resolver = createResolver({ servers: [dns.server], timeoutMs: 500, tries: 1 });
});
afterEach(() => closeIdleConnections());
afterAll(async () => {
  await Promise.all([internal.close(), publicSite.close(), dns.close()]);
});

describe('address rules', () => {
  it.each([
    ['http://127.0.0.1:PORT/', closed, 'refused 127.0.0.1: loopback addresses are blocked'],
    ['http://2130706433:PORT/', closed, 'refused 127.0.0.1: loopback'],
    ['http://0177.0.0.1:PORT/', closed, 'refused 127.0.0.1: loopback'],
    ['http://0x7f.1:PORT/', closed, 'refused 127.0.0.1: loopback'],
    ['http://localhost:PORT/', closed, 'refused localhost (127.0.0.1): loopback'],
    ['http://[::1]:PORT/', closed, 'refused ::1: loopback'],
    ['http://[::ffff:127.0.0.1]:PORT/', closed, 'refused ::ffff:7f00:1: IPv4-mapped loopback'],
    ['http://[64:ff9b::7f00:1]:PORT/', closed, 'refused 64:ff9b::7f00:1: NAT64 loopback'],
    // RFC 8215's local-use prefix at /48: 127.0.0.1 sits in bits 48–87 around the "u" octet, a public-looking 8.8.8.8 at the end.
    ['http://[64:ff9b:1:7f00:0:100:808:808]:PORT/', closed, 'refused 64:ff9b:1:7f00:0:100:808:808: NAT64 loopback'],
    ['http://10.0.0.1/', closed, 'refused 10.0.0.1: private addresses are blocked'],
    // Refused even with allowPrivate:
    ['http://169.254.169.254/latest/meta-data/', open, 'refused 169.254.169.254: cloud metadata addresses are always blocked'],
    ['http://[fd00:ec2::254]/', open, 'refused fd00:ec2::254: cloud metadata addresses are always blocked'],
    ['http://[::ffff:169.254.169.254]/', open, 'refused ::ffff:a9fe:a9fe: cloud metadata addresses are always blocked'],
    ['http://[64:ff9b:1:a9:fe:a9fe::]/', open, 'refused 64:ff9b:1:a9:fe:a9fe::: cloud metadata addresses are always blocked'],
    ['http://metadata.google.internal/', open, 'refused metadata.google.internal: cloud metadata names are always blocked'],
    ['http://0.0.0.0:PORT/', open, 'refused 0.0.0.0: unspecified is not a destination that can be monitored'],
    ['http://[::]:PORT/', open, 'refused ::: unspecified is not a destination that can be monitored'],
  ])('refuses %s (allowPrivate: %o)', async (template, policy, message) => {
    const before = internal.connections;
    const url = template.replace('PORT', String(internal.port));
    await expect(httpRequest(url, { policy, resolver, deadlineMs })).rejects.toMatchObject({
      kind: 'blocked_address',
      message: expect.stringContaining(message),
    });
    expect(internal.connections).toBe(before);
  });

  it('never asks DNS about metadata names', async () => {
    await expect(connectGuarded('metadata.google.internal', 80, { policy: open, resolver, deadlineMs })).rejects.toMatchObject({
      kind: 'blocked_address',
    });
    expect(dns.count('metadata.google.internal')).toBe(0);
  });

  it.each([
    ['meta.upkeep.test', 'refused meta.upkeep.test (169.254.169.254): cloud metadata addresses are always blocked'],
    ['mapped.upkeep.test', 'refused mapped.upkeep.test (::ffff:127.0.0.1): IPv4-mapped loopback'],
    ['zero.upkeep.test', 'refused zero.upkeep.test (0.0.0.0): unspecified'],
  ])('judges the addresses %s resolves to', async (name, message) => {
    const policy = name === 'mapped.upkeep.test' ? closed : open;
    await expect(httpRequest(`http://${name}:${internal.port}/`, { policy, resolver, deadlineMs })).rejects.toMatchObject({
      kind: 'blocked_address',
      message: expect.stringContaining(message),
    });
  });

  it('connects only to the allowed addresses of a name that mixes them', async () => {
    const res = await httpRequest(`http://mixed.upkeep.test:${internal.port}/`, { policy: open, resolver, deadlineMs });
    expect(res.remoteAddress).toBe('127.0.0.1');
  });

  it.each([
    ['ftp://example.com/file', 'blocked_scheme'],
    ['file:///etc/passwd', 'blocked_scheme'],
    ['gopher://127.0.0.1:70/', 'blocked_scheme'],
    ['javascript:alert(1)', 'blocked_scheme'],
    ['not a url', 'invalid_url'],
    ['http://[fe80::1%25lo]/', 'invalid_url'],
    ['http://127.0.0.1:0/', 'invalid_url'],
  ])('refuses %s as %s', async (url, kind) => {
    await expect(httpRequest(url, { policy: open, deadlineMs })).rejects.toMatchObject({ kind });
  });

  it.each([
    ['2130706433', closed, 'blocked_address'],
    ['::ffff:127.0.0.1', closed, 'blocked_address'],
    ['169.254.169.254', open, 'blocked_address'],
    ['fe80::1%lo', open, 'invalid_url'],
  ])('applies the same rules to connectGuarded(%s)', async (host, policy, kind) => {
    await expect(connectGuarded(host, internal.port, { policy, deadlineMs })).rejects.toMatchObject({ kind });
  });
});

describe('redirects are judged hop by hop', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', open, 'refused 169.254.169.254: cloud metadata addresses are always blocked'],
    ['http://127.0.0.1:PORT/', publicForTests, 'refused 127.0.0.1: loopback addresses are blocked'],
    ['http://localhost:PORT/', publicForTests, 'refused localhost (127.0.0.1): loopback addresses are blocked'],
  ])('refuses a redirect to %s', async (template, policy, message) => {
    const location = template.replace('PORT', String(internal.port));
    const redirector = await startRawServer(redirectTo(location), { host: '127.0.0.2' });
    const before = internal.connections;
    try {
      await expect(httpRequest(redirector.url('/'), { policy, deadlineMs })).rejects.toMatchObject({
        kind: 'blocked_address',
        message: expect.stringContaining(message),
      });
      expect(redirector.connections).toBe(1);
      expect(internal.connections).toBe(before);
    } finally {
      await redirector.close();
    }
  });
});

describe('DNS rebinding', () => {
  const url = (name: string, path = '/'): string => `http://${name}:${internal.port}${path}`;
  const opts = () => ({ policy: publicForTests, resolver, deadlineMs, family: 4 as const });

  it('connects to the address that was checked, not to a second answer', async () => {
    const before = internal.connections;
    const res = await httpRequest(url('rebind.upkeep.test'), opts());
    expect(res.body.toString()).toBe('public');
    expect(res.remoteAddress).toBe('127.0.0.2');
    // One question: a client that checked one answer and then let the socket layer resolve again
    // would have been handed 127.0.0.1 here.
    expect(dns.count('rebind.upkeep.test')).toBe(1);
    expect(internal.connections).toBe(before);
  });

  it('refuses the name once it rebinds, although a kept-alive connection to its old address is open', async () => {
    const before = internal.connections;
    await expect(httpRequest(url('rebind.upkeep.test'), opts())).rejects.toMatchObject({
      kind: 'blocked_address',
      message: expect.stringMatching(/^refused rebind\.upkeep\.test \(127\.0\.0\.1\): loopback addresses are blocked/),
    });
    expect(internal.connections).toBe(before);
  });

  it('re-resolves a same-origin redirect and refuses it when the name has rebound', async () => {
    const before = internal.connections;
    await expect(httpRequest(url('rebind-hop.upkeep.test', '/go'), opts())).rejects.toMatchObject({
      kind: 'blocked_address',
      message: expect.stringMatching(/^refused rebind-hop\.upkeep\.test \(127\.0\.0\.1\)/),
    });
    expect(dns.count('rebind-hop.upkeep.test')).toBe(2);
    expect(internal.connections).toBe(before);
  });
});
