/**
 * The loopback sites for bench/engine.bench.ts, in their own process so the bench measures the
 * engine's CPU alone: one small gzip page on 127.0.0.1 … 127.0.0.16 (sixteen "hosts", one port).
 * Prints one JSON line with the port, then serves until its parent closes stdin.
 */
import type { RequestListener } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startHttpServer } from '../test/fixtures/servers.js';

const page = gzipSync(`<!doctype html><title>Shop</title><p>${'Add to cart '.repeat(40)}</p>`);
let served = 0;
const handler: RequestListener = (_req, res) => {
  served++;
  res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(page);
};
const first = await startHttpServer(handler, { host: '127.0.0.1' });
for (let i = 2; i <= 16; i++) await startHttpServer(handler, { host: `127.0.0.${i}`, port: first.port });

process.stdout.write(`${JSON.stringify({ port: first.port, hosts: 16 })}\n`);
process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ served })}\n`));
process.stdin.on('end', () => process.exit(0));
