import { createServer, type Server } from 'node:net';
import { startDnsServer } from '../fixtures/dns-server.js';
import { startHttpServer, startRawServer } from '../fixtures/servers.js';

/**
 * The loopback targets the Uptime Kuma fixtures in test/fixtures/kuma/ were recorded against. Kuma
 * itself checked these ports while the fixtures were made (see that folder's README), so the ports
 * are fixed: the imported monitors must find the same answers at the same addresses.
 */
export const kumaTargetPorts = { http: 47801, openTcp: 47802, closedTcp: 47803, dns: 47853 } as const;

export const kumaFixtureCredentials = { username: 'kuma', password: 'fixture-pass', apiKey: 'fixture-key' } as const;

export interface KumaTargets {
  close(): Promise<void>;
}

const takenMessage = (what: string, port: number) =>
  `the Uptime Kuma fixtures need 127.0.0.1:${port} (${what}) but it is taken; stop whatever listens there and run the test again`;

/** Fails clearly when a fixed port is taken, instead of testing against someone else's server. */
async function ensureFree(port: number, what: string): Promise<void> {
  const probe: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', () => reject(new Error(takenMessage(what, port))));
    probe.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

function authorized(header: string | undefined): boolean {
  const { username, password } = kumaFixtureCredentials;
  return header === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Starts every target: an HTTP server with one path per case, an open and a closed TCP port, a DNS server. */
export async function startKumaTargets(): Promise<KumaTargets> {
  const p = kumaTargetPorts;
  for (const [what, port] of [
    ['HTTP target', p.http],
    ['open TCP port', p.openTcp],
    ['a port that must stay closed', p.closedTcp],
    ['DNS server', p.dns],
  ] as const) {
    await ensureFree(port, what);
  }
  const http = await startHttpServer(
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      };
      req.resume();
      if (path === '/ok') return send(200, 'Upkeep import fixture: all good');
      if (path === '/down') return send(503, 'Service unavailable: the shop is closed');
      if (path === '/page') return send(200, '<!doctype html><title>Shop</title><h1>Welcome to the shop</h1>', 'text/html; charset=utf-8');
      if (path === '/json') return send(200, JSON.stringify({ status: 'ok', version: '1.2.3', checks: { db: 'up' }, count: 3 }), 'application/json');
      if (path === '/auth') return authorized(req.headers.authorization) ? send(200, 'authorized') : send(401, 'who are you?');
      if (path === '/header') return req.headers['x-api-key'] === kumaFixtureCredentials.apiKey ? send(200, 'key accepted') : send(403, 'no key');
      if (path === '/created') return send(201, 'created');
      if (path === '/redirect') {
        res.writeHead(302, { location: '/ok' });
        return res.end();
      }
      return send(404, 'not found');
    },
    { port: p.http },
  );
  const tcp = await startRawServer((socket) => socket.end('hello\r\n'), { port: p.openTcp, speakFirst: true });
  const dns = await startDnsServer(
    { 'app.fixture.test': { A: ['127.0.0.1'] }, 'mail.fixture.test': { MX: [{ preference: 10, exchange: 'app.fixture.test' }] } },
    p.dns,
  );
  return {
    close: async () => {
      await Promise.all([http.close(), tcp.close(), dns.close()]);
    },
  };
}
