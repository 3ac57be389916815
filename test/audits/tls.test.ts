import { createServer, type Server, type TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditNet } from '../../src/audits/net.js';
import { gradeTls, tlsFindings } from '../../src/audits/security/tls-grade.js';
import { scanTls } from '../../src/audits/security/tls.js';
import { testCertificates } from '../fixtures/certs.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A TLS endpoint on loopback with the given options; it completes handshakes and hangs up. */
async function endpoint(options: TlsOptions, setup: (server: Server) => void = () => undefined): Promise<number> {
  const server = createServer(options, (socket) => socket.end());
  setup(server);
  server.on('tlsClientError', () => undefined);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function scan(options: TlsOptions) {
  const certs = await testCertificates();
  const port = await endpoint(options);
  const net = createAuditNet({ allowPrivate: true, ca: [certs.ca.cert] });
  const result = await scanTls(net, 'localhost', port);
  if (!result) throw new Error('no handshake at all');
  return { result, ids: tlsFindings(result).map((f) => f.id), grade: gradeTls(result, 31_536_000) };
}

describe('TLS audit on loopback servers', () => {
  it('grades a modern, trusted endpoint A+ with no findings', async () => {
    const certs = await testCertificates();
    const { result, ids, grade } = await scan(certs.valid);
    expect(result.protocols).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(result.authorized).toBe(true);
    expect(ids).toEqual([]);
    expect(grade.grade).toBe('A+');
  });

  it('finds an expired certificate and grades it T', async () => {
    const certs = await testCertificates();
    const { result, ids, grade } = await scan(certs.expired);
    expect(ids).toContain('security.tls.expired');
    expect(tlsFindings(result).find((f) => f.id === 'security.tls.expired')?.severity).toBe('critical');
    expect(grade.grade).toBe('T');
    expect(grade.ignoringTrust).toBe('A+');
  });

  it('finds a self-signed certificate', async () => {
    const certs = await testCertificates();
    const { ids, grade } = await scan(certs.selfSigned);
    expect(ids).toEqual(['security.tls.self-signed']);
    expect(grade.grade).toBe('T');
  });

  it('finds a certificate for another name and grades it M', async () => {
    const certs = await testCertificates();
    const { ids, grade } = await scan(certs.wrongHost);
    expect(ids).toContain('security.tls.hostname');
    expect(grade.grade).toBe('M');
  });

  it('finds TLS 1.0 and 1.1 accepted and caps the grade at B', async () => {
    const certs = await testCertificates();
    const { result, ids, grade } = await scan({ ...certs.valid, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(result.protocols).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    expect(ids).toContain('security.tls.old-protocols');
    expect(grade.grade).toBe('B');
  });

  it('grades an endpoint with nothing newer than TLS 1.1 C or worse', async () => {
    const certs = await testCertificates();
    const { result, ids, grade } = await scan({ ...certs.valid, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(result.protocols).toEqual(['TLSv1', 'TLSv1.1']);
    expect(ids).toEqual(expect.arrayContaining(['security.tls.old-protocols', 'security.tls.no-modern-protocol']));
    expect(grade.grade).toBe('C');
  });

  it('finds a short RSA key and caps the grade', async () => {
    // Self-signed: the test CA signs with an EC key, which selfsigned cannot pair with an RSA leaf.
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'rsa',
      keySize: 1024,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    const { result, ids, grade } = await scan({ key: pems.private, cert: pems.cert, ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(result.certificate).toMatchObject({ keyType: 'rsa', keyBits: 1024 });
    expect(ids).toContain('security.tls.weak-key');
    expect(grade.ignoringTrust).toBe('B');
  });

  it('notices whether the server staples an OCSP response', async () => {
    const certs = await testCertificates();
    const stapling = await scan({ ...certs.valid });
    expect(stapling.result.ocspStapled).toBe(false);
    const port = await endpoint(certs.valid, (server) =>
      server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer, done: (err: null, res: Buffer) => void) => done(null, Buffer.from('stapled'))),
    );
    const stapled = await scanTls(createAuditNet({ allowPrivate: true, ca: [certs.ca.cert] }), 'localhost', port);
    expect(stapled?.ocspStapled).toBe(true);
  });

  it('refuses loopback without allowPrivate, before any handshake', async () => {
    const certs = await testCertificates();
    const port = await endpoint(certs.valid);
    await expect(scanTls(createAuditNet({ allowPrivate: false }), '127.0.0.1', port)).rejects.toThrow(/blocked/);
  });
});
