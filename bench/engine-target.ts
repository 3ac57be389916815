/**
 * The loopback sites for bench/engine.bench.ts, in their own process so the bench measures the
 * engine's CPU alone: one small gzip page on 127.0.0.1 … 127.0.0.16 (sixteen "hosts", one port).
 * It counts requests per wall-clock second, so the bench sees stalls from the target's side.
 * Prints one JSON line with the port; then each line `{"from":s,"to":s}` on stdin (Unix seconds,
 * `to` exclusive) answers `{"counts":[…]}`, one count per second. Serves until stdin closes.
 */
import type { RequestListener } from 'node:http';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { startHttpServer } from '../test/fixtures/servers.js';

const page = gzipSync(`<!doctype html><title>Shop</title><p>${'Add to cart '.repeat(40)}</p>`);
/** Requests per second, by Unix second; seconds older than an hour are let go. */
const perSecond = new Map<number, number>();
let oldest = Math.floor(Date.now() / 1000);
const handler: RequestListener = (_req, res) => {
  const second = Math.floor(Date.now() / 1000);
  perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  for (; oldest < second - 3_600; oldest++) perSecond.delete(oldest);
  res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(page);
};
const first = await startHttpServer(handler, { host: '127.0.0.1' });
for (let i = 2; i <= 16; i++) await startHttpServer(handler, { host: `127.0.0.${i}`, port: first.port });

process.stdout.write(`${JSON.stringify({ port: first.port, hosts: 16 })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { from, to } = JSON.parse(line) as { from: number; to: number };
  const counts = Array.from({ length: Math.max(0, to - from) }, (_, i) => perSecond.get(from + i) ?? 0);
  process.stdout.write(`${JSON.stringify({ counts })}\n`);
});
lines.on('close', () => process.exit(0));
