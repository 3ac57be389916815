/**
 * The loopback peer for bench/net.ts, run in its own process so the bench measures the client's
 * CPU alone. Prints one JSON line with its ports, then serves until its parent closes stdin.
 */
import type { RequestListener } from 'node:http';
import { gzipSync } from 'node:zlib';
import { testCertificates } from '../test/fixtures/certs.js';
import { startDnsServer } from '../test/fixtures/dns-server.js';
import { hostile } from '../test/fixtures/hostile.js';
import { startHttpServer, startRawServer } from '../test/fixtures/servers.js';

// A typical health page: a little HTML, compressed.
const page = gzipSync(`<!doctype html><title>ok</title><p>${'all systems operational '.repeat(40)}</p>`);

const certs = await testCertificates();
const handler: RequestListener = (req, res) => {
  const headers: Record<string, string> = { 'content-type': 'text/html', 'content-encoding': 'gzip' };
  if (req.url === '/close') headers.connection = 'close';
  res.writeHead(200, headers).end(page);
};
const http = await startHttpServer(handler);
const https = await startHttpServer(handler, { tls: certs.valid });
const bomb = await startRawServer(hostile.gzipBomb);
const dns = await startDnsServer({ 'site.upkeep.test': { A: ['127.0.0.1'] } });

process.stdout.write(`${JSON.stringify({ http: http.port, https: https.port, bomb: bomb.port, dns: dns.server, ca: certs.ca.cert })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
