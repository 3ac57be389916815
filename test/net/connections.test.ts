import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeIdleConnections, connectGuarded, createResolver, httpRequest, type Resolver } from '../../src/lib/net/index.js';
import { startDnsServer, type LoopbackDns } from '../fixtures/dns-server.js';
import { closedPort, startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';

const policy = { allowPrivate: true };
const deadlineMs = 5000;

let v4: TestServer;
let v6: TestServer;
let dns: LoopbackDns;
let resolver: Resolver;

beforeAll(async () => {
  v4 = await startHttpServer((_req, res) => res.end('v4'));
  // The same port on ::1, so one name with A and AAAA records reaches either.
  v6 = await startHttpServer((_req, res) => res.end('v6'), { host: '::1', port: v4.port });
  dns = await startDnsServer({
    'dual.upkeep.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
    'fallback.upkeep.test': { A: ['127.0.0.9', '127.0.0.1'] },
  });
  resolver = createResolver({ servers: [dns.server], timeoutMs: 500, tries: 1 });
});
afterEach(() => closeIdleConnections());
afterAll(async () => {
  await Promise.all([v4.close(), v6.close(), dns.close()]);
});

describe('keep-alive', () => {
  it('reuses one connection per address for sequential requests', async () => {
    const before = v4.connections;
    const first = await httpRequest(v4.url('/'), { policy, deadlineMs });
    const second = await httpRequest(v4.url('/'), { policy, deadlineMs });
    await httpRequest(v4.url('/'), { policy, deadlineMs });
    expect(v4.connections - before).toBe(1);
    expect(first.timings.connect).toBeGreaterThan(0);
    expect(second.timings.connect).toBe(0);
  });

  it('retries a GET once on a fresh connection when a kept-alive one turns out closed', async () => {
    // Answers the first request on each connection with keep-alive, then drops the connection
    // without a word when a second request arrives on it: the race with a server's idle timeout.
    const flaky = await startRawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
      socket.once('data', () => socket.destroy());
    });
    try {
      expect((await httpRequest(flaky.url('/'), { policy, deadlineMs })).status).toBe(200);
      expect((await httpRequest(flaky.url('/'), { policy, deadlineMs })).status).toBe(200);
      expect(flaky.connections).toBe(2);
      // A POST is not repeated: the server may have acted on it.
      await expect(httpRequest(flaky.url('/'), { policy, deadlineMs, method: 'POST', body: 'x' })).rejects.toMatchObject({ kind: 'reset' });
    } finally {
      await flaky.close();
    }
  });
});

describe('address selection', () => {
  it('prefers IPv4 for auto and honours an explicit family', async () => {
    const url = `http://dual.upkeep.test:${v4.port}/`;
    expect((await httpRequest(url, { policy, resolver, deadlineMs })).body.toString()).toBe('v4');
    expect((await httpRequest(url, { policy, resolver, deadlineMs, family: 4 })).body.toString()).toBe('v4');
    const six = await httpRequest(url, { policy, resolver, deadlineMs, family: 6 });
    expect(six.body.toString()).toBe('v6');
    expect(six.remoteAddress).toBe('::1');
  });

  it('reaches IPv6 literals', async () => {
    const res = await httpRequest(`http://[::1]:${v4.port}/`, { policy, deadlineMs });
    expect(res.body.toString()).toBe('v6');
  });

  it('moves on to the next address when one refuses', async () => {
    const res = await httpRequest(`http://fallback.upkeep.test:${v4.port}/`, { policy, resolver, deadlineMs });
    expect(res.remoteAddress).toBe('127.0.0.1');
  });
});

describe('connectGuarded', () => {
  it('connects to the resolved address and reports timings', async () => {
    const conn = await connectGuarded('dual.upkeep.test', v4.port, { policy, resolver, deadlineMs });
    try {
      expect(conn.remoteAddress).toBe('127.0.0.1');
      expect(conn.remotePort).toBe(v4.port);
      expect(conn.timings.dns).toBeGreaterThan(0);
      expect(conn.timings.connect).toBeGreaterThan(0);
      conn.socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      let reply = '';
      for await (const chunk of conn.socket) reply += String(chunk);
      expect(reply).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*v4$/);
    } finally {
      conn.socket.destroy();
    }
  });

  it('classifies a refused connection', async () => {
    const port = await closedPort();
    await expect(connectGuarded('127.0.0.1', port, { policy, deadlineMs })).rejects.toMatchObject({
      kind: 'refused',
      message: `connection refused by 127.0.0.1:${port}`,
    });
  });

  it.each([0, 70000, 1.5])('rejects port %s', async (port) => {
    await expect(connectGuarded('127.0.0.1', port, { policy, deadlineMs })).rejects.toMatchObject({ kind: 'invalid_url' });
  });
});
