import { describe, expect, it } from 'vitest';
import { classifyAddress, parseHost, refusalFor, refusalForName } from './policy.js';

const closed = { allowPrivate: false };
const open = { allowPrivate: true };

describe('classifyAddress', () => {
  it.each([
    ['93.184.215.14', 'public'],
    ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', 'public'],
    ['127.0.0.1', 'private'],
    ['127.8.9.10', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['192.0.2.10', 'private'],
    ['::1', 'private'],
    ['fe80::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['0.0.0.0', 'unroutable'],
    ['0.1.2.3', 'unroutable'],
    ['::', 'unroutable'],
    ['224.0.0.1', 'unroutable'],
    ['255.255.255.255', 'unroutable'],
    ['ff02::1', 'unroutable'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
  ])('%s is %s', (ip, expected) => {
    expect(classifyAddress(ip).class).toBe(expected);
  });

  it.each([
    ['::ffff:127.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::7f00:1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b:1::a00:1', 'private'],
    // RFC 8215's local-use prefix, subdivided at /48, /56 or /64: the IPv4 address skips the "u" octet (bits 64–71).
    ['64:ff9b:1:7f00:0:100:808:808', 'private'],
    ['64:ff9b:1:a9:fe:a9fe:808:808', 'metadata'],
    ['64:ff9b:1:0:a9:fea9:fe08:808', 'metadata'],
    ['64:ff9b:1:a9fe:a9:fe00::', 'metadata'],
    ['64:ff9b:1::808:808', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::0:0', 'unroutable'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:0808:0808::1', 'private'],
    ['::7f00:1', 'unroutable'],
    ['::ffff:0:7f00:1', 'private'],
  ])('judges the IPv4 address inside %s: %s', (ip, expected) => {
    expect(classifyAddress(ip).class).toBe(expected);
  });

  it('treats chosen loopback ranges as public only when the policy names them', () => {
    const policy = { allowPrivate: false, testOnlyPublicRanges: ['127.0.0.2/32'] };
    expect(classifyAddress('127.0.0.2', policy).class).toBe('public');
    expect(classifyAddress('127.0.0.1', policy).class).toBe('private');
    expect(classifyAddress('127.0.0.2').class).toBe('private');
  });

  it.each(['10.0.0.0/8', '169.254.169.254/32', '0.0.0.0/0', '::/0', 'fe80::/10', 'nonsense'])('refuses to treat %s as public even for tests', (range) => {
    expect(() => classifyAddress('127.0.0.1', { allowPrivate: false, testOnlyPublicRanges: [range] })).toThrow(/loopback ranges only/);
  });
});

describe('refusalFor', () => {
  it('allows private targets only when the policy does, and never metadata or unroutable ones', () => {
    expect(refusalFor('127.0.0.1', '127.0.0.1', closed)?.kind).toBe('blocked_address');
    expect(refusalFor('127.0.0.1', '127.0.0.1', open)).toBeNull();
    expect(refusalFor('169.254.169.254', '169.254.169.254', open)?.message).toMatch(/cloud metadata addresses are always blocked/);
    expect(refusalFor('0.0.0.0', '0.0.0.0', open)?.message).toMatch(/unspecified is not a destination/);
    expect(refusalFor('93.184.215.14', 'example.com', closed)).toBeNull();
  });

  it('names the host, the address and how to allow it', () => {
    expect(refusalFor('10.0.0.5', 'intranet.example', closed)?.message).toBe(
      "refused intranet.example (10.0.0.5): private addresses are blocked; allow private targets (network.allowPrivateTargets, the monitor's setting or --allow-private) to reach them",
    );
  });

  it('refuses metadata names before any lookup', () => {
    expect(refusalForName('metadata.google.internal')?.kind).toBe('blocked_address');
    expect(refusalForName('example.com')).toBeNull();
  });
});

describe('parseHost', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['[::]', '::'],
  ])('reads %s as the address %s, as URLs do', (raw, ip) => {
    expect(parseHost(raw)).toEqual({ name: ip, ip });
  });

  it('lower-cases names and drops the trailing dot', () => {
    expect(parseHost('Metadata.Google.Internal.')).toEqual({ name: 'metadata.google.internal', ip: null });
  });

  it.each(['fe80::1%eth0', '[fe80::1%25lo]', 'a b', 'example.com:80', 'example.com/x', ''])('refuses %j', (raw) => {
    expect(() => parseHost(raw)).toThrow(expect.objectContaining({ kind: 'invalid_url' }));
  });
});
