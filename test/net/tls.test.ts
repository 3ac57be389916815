import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInterface } from 'node:readline';
import { TLSSocket } from 'node:tls';
import { closeIdleConnections, connectGuarded, httpRequest, upgradeToTls, type HttpRequestOptions } from '../../src/lib/net/index.js';
import { testCertificates, type TestCertificates } from '../fixtures/certs.js';
import { startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';

const policy = { allowPrivate: true };
const deadlineMs = 3000;
let certs: TestCertificates;
type ServerName = 'valid' | 'expired' | 'selfSigned' | 'wrongHost' | 'untrusted' | 'plain' | 'oldTls';
const servers = {} as Record<ServerName, TestServer>;

const url = (name: ServerName, host = 'localhost'): string => `https://${host}:${servers[name].port}/`;
const trusting = (): HttpRequestOptions => ({ policy, deadlineMs, tls: { ca: certs.ca.cert } });

beforeAll(async () => {
  certs = await testCertificates();
  const hello = (_req: unknown, res: { end(body: string): void }): void => res.end('secure hello');
  for (const name of ['valid', 'expired', 'selfSigned', 'wrongHost', 'untrusted'] as const) {
    servers[name] = await startHttpServer(hello, { tls: certs[name] });
  }
  servers.plain = await startHttpServer(hello);
  servers.oldTls = await startHttpServer(hello, { tls: { ...certs.valid, maxVersion: 'TLSv1.2' } });
});
afterEach(() => closeIdleConnections());
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
});

describe('https', () => {
  it('reports protocol, cipher and the certificate of a trusted server', async () => {
    const res = await httpRequest(url('valid'), trusting());
    expect(res.body.toString()).toBe('secure hello');
    expect(res.timings.tls).toBeGreaterThan(0);
    const tls = res.tls;
    expect(tls).toMatchObject({ protocol: 'TLSv1.3', authorized: true });
    expect(tls?.cipher).toMatch(/^TLS_/);
    expect(tls?.authorizationError).toBeUndefined();
    const cert = tls?.certificate;
    expect(cert).toMatchObject({ subject: 'CN=localhost', issuer: 'CN=Upkeep Test CA', keyBits: 256, keyType: 'EC' });
    expect(cert?.san).toContain('DNS:localhost');
    expect(cert?.daysLeft).toBeGreaterThanOrEqual(364);
    expect(cert?.daysLeft).toBeLessThanOrEqual(366);
    expect(cert?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(Date.parse(cert?.validTo ?? '')).toBeGreaterThan(Date.now());
  });

  it('checks an IP literal against the IP names of the certificate (no SNI)', async () => {
    const res = await httpRequest(url('valid', '127.0.0.1'), trusting());
    expect(res.tls?.authorized).toBe(true);
  });

  it('does not trust a private CA unless told to', async () => {
    await expect(httpRequest(url('valid'), { policy, deadlineMs })).rejects.toMatchObject({
      kind: 'tls_untrusted',
      message: 'certificate of localhost is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE; issuer CN=Upkeep Test CA)',
    });
  });

  it.each([
    ['expired', 'tls_expired', 'certificate of localhost expired on 2020-02-01'],
    ['selfSigned', 'tls_self_signed', 'certificate of localhost is self-signed (CN=localhost)'],
    ['wrongHost', 'tls_hostname', 'certificate of localhost is for DNS:other.example, not localhost'],
    ['untrusted', 'tls_untrusted', 'certificate of localhost is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE; issuer CN=Untrusted Test CA)'],
  ] as const)('refuses a %s certificate as %s', async (name, kind, message) => {
    const started = performance.now();
    await expect(httpRequest(url(name), trusting())).rejects.toMatchObject({ kind, message });
    expect(performance.now() - started).toBeLessThan(deadlineMs + 1000);
  });

  it('with verification off, answers and still describes what is wrong', async () => {
    const res = await httpRequest(url('expired'), { ...trusting(), tls: { verify: false } });
    expect(res.status).toBe(200);
    expect(res.tls).toMatchObject({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED' });
    expect(res.tls?.certificate.daysLeft).toBeLessThan(-300);
  });

  it('never lends a connection made without verification to a request that verifies', async () => {
    await httpRequest(url('expired'), { ...trusting(), tls: { verify: false } });
    await expect(httpRequest(url('expired'), trusting())).rejects.toMatchObject({ kind: 'tls_expired' });
  });

  it('classifies TLS spoken to a plain HTTP server as a protocol failure', async () => {
    await expect(httpRequest(url('plain'), trusting())).rejects.toMatchObject({
      kind: 'tls_protocol',
      message: expect.stringMatching(/^TLS handshake with localhost \(127\.0\.0\.1:\d+\) failed/),
    });
  });
});

describe('connectGuarded with TLS', () => {
  it('hands back a verified TLS socket with the certificate', async () => {
    const conn = await connectGuarded('localhost', servers.valid.port, { policy, deadlineMs, tls: { ca: certs.ca.cert } });
    conn.socket.destroy();
    expect(conn.tls?.certificate.subject).toBe('CN=localhost');
    expect(conn.timings.tls).toBeGreaterThan(0);
  });

  it('checks a name given as servername when connecting to an address', async () => {
    const tls = { ca: certs.ca.cert, servername: 'other.example' };
    const conn = await connectGuarded('127.0.0.1', servers.wrongHost.port, { policy, deadlineMs, tls });
    conn.socket.destroy();
    expect(conn.tls?.authorized).toBe(true);
  });

  it('fails as tls_protocol when no version is acceptable to both sides', async () => {
    const tls = { ca: certs.ca.cert, minVersion: 'TLSv1.3' as const };
    await expect(connectGuarded('localhost', servers.oldTls.port, { policy, deadlineMs, tls })).rejects.toMatchObject({
      kind: 'tls_protocol',
    });
  });
});

describe('upgradeToTls', () => {
  it('switches a clear connection to verified TLS after a STARTTLS exchange', async () => {
    // A mail server in miniature: banner, then TLS once the client says STARTTLS.
    const smtp = await startRawServer(
      (socket) => {
        socket.write('220 mail.upkeep.test ready\r\n');
        socket.once('data', () => {
          socket.write('220 go ahead\r\n', () => {
            const secure = new TLSSocket(socket, { isServer: true, ...certs.valid });
            secure.on('error', () => undefined);
            secure.on('data', () => secure.end('250 secure hello\r\n'));
          });
        });
      },
      { speakFirst: true },
    );
    try {
      const plain = await connectGuarded('localhost', smtp.port, { policy, deadlineMs });
      const lines = createInterface({ input: plain.socket });
      const next = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
      expect(await next()).toBe('220 mail.upkeep.test ready');
      plain.socket.write('STARTTLS\r\n');
      expect(await next()).toBe('220 go ahead');
      lines.close();
      const secure = await upgradeToTls(plain, 'localhost', { deadlineMs, tls: { ca: certs.ca.cert } });
      expect(secure.tls?.authorized).toBe(true);
      expect(secure.timings.tls).toBeGreaterThan(0);
      secure.socket.write('EHLO upkeep\r\n');
      let reply = '';
      for await (const chunk of secure.socket) reply += String(chunk);
      expect(reply).toBe('250 secure hello\r\n');
    } finally {
      await smtp.close();
    }
  });

  it('refuses the upgrade when the certificate is for another name', async () => {
    const plain = await connectGuarded('localhost', servers.wrongHost.port, { policy, deadlineMs });
    await expect(upgradeToTls(plain, 'localhost', { deadlineMs, tls: { ca: certs.ca.cert } })).rejects.toMatchObject({
      kind: 'tls_hostname',
    });
    expect(plain.socket.destroyed).toBe(true);
  });
});
