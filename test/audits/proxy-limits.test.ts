import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY, MAX_RESPONSE_BODY, startGuardedProxy, type GuardedProxy } from '../../src/audits/browser/proxy.js';
import { createAuditNet } from '../../src/audits/net.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';

const MiB = 1024 * 1024;
/** What the proxy may add to this process's memory while 200 MB go by: far less than the bodies. */
const BOUND = 64 * MiB;

/**
 * A hostile page makes the audit browser post gigabytes, or a hostile server sends them: the proxy
 * that carries the browser's plain-http traffic (in the server's own process) streams both ways
 * under caps, so this process's memory stays bounded.
 */
describe('the audit browser’s proxy under hostile bodies', () => {
  let sink: TestServer;
  let flood: TestServer;
  let proxy: GuardedProxy;
  let received = 0;

  beforeAll(async () => {
    sink = await startHttpServer((req, res) => {
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => res.end('stored'));
      // The proxy hangs up on a post past its cap.
      req.on('error', () => undefined);
    });
    const block = Buffer.alloc(MiB, 'x');
    flood = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const more = () => {
        while (sent < 100 * MiB) {
          sent += MiB;
          if (!res.write(block)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('error', () => undefined);
      more();
    });
    proxy = await startGuardedProxy(createAuditNet({ allowPrivate: true }), () => true);
  });
  afterAll(async () => {
    await proxy?.close();
    await sink?.close();
    await flood?.close();
  });

  /** The highest resident memory of this process while `work` runs, above where it started. */
  async function peakGrowth<T>(work: () => Promise<T>): Promise<{ value: T; growth: number }> {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const value = await work();
      peak = Math.max(peak, process.memoryUsage().rss);
      return { value, growth: peak - before };
    } finally {
      clearInterval(sampler);
    }
  }

  /** Posts `total` bytes through the proxy, 1 MiB at a time as the socket takes them, until the proxy answers. */
  const post = (total: number, declareLength: boolean) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const block = Buffer.alloc(MiB, 'y');
      const req = request({
        host: '127.0.0.1',
        port: proxy.port,
        method: 'POST',
        path: sink.url('/upload'),
        headers: { 'content-type': 'application/octet-stream', ...(declareLength ? { 'content-length': String(total) } : {}) },
      });
      let answered = false;
      req.on('response', (res: IncomingMessage) => {
        answered = true;
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      // The proxy closes the connection once it has refused: what is still being sent then fails.
      req.on('error', (err) => (answered ? undefined : reject(err)));
      let sent = 0;
      const more = () => {
        while (sent < total && !answered) {
          sent += block.length;
          if (!req.write(block)) return void req.once('drain', more);
        }
        if (!answered) req.end();
      };
      more();
    });

  it('answers 413 to 200 MB posted without a length, having passed on no more than the cap, with memory bounded', async () => {
    received = 0;
    const { value, growth } = await peakGrowth(() => post(200 * MiB, false));
    expect(value.status).toBe(413);
    expect(value.body).toMatch(/body is over 8 MiB/);
    expect(received).toBeLessThanOrEqual(MAX_REQUEST_BODY + MiB);
    expect(growth).toBeLessThan(BOUND);
  });

  it('answers 413 at once to a declared 200 MB, reading none of it', async () => {
    const before = sink.connections;
    const { value, growth } = await peakGrowth(() => post(200 * MiB, true));
    expect(value.status).toBe(413);
    expect(sink.connections).toBe(before);
    expect(growth).toBeLessThan(BOUND);
  });

  it('still carries an ordinary post', async () => {
    received = 0;
    expect(await post(3 * MiB, true)).toEqual({ status: 200, body: 'stored' });
    expect(received).toBe(3 * MiB);
  });

  it('streams a response and cuts it off at its cap, holding none of it whole', async () => {
    const { value, growth } = await peakGrowth(
      () =>
        new Promise<number>((resolve) => {
          const req = request({ host: '127.0.0.1', port: proxy.port, path: flood.url('/big') }, (res) => {
            let bytes = 0;
            res.on('data', (c: Buffer) => (bytes += c.length));
            res.on('end', () => resolve(bytes));
            res.on('error', () => resolve(bytes));
            res.on('close', () => resolve(bytes));
          });
          req.on('error', () => resolve(-1));
          req.end();
        }),
    );
    expect(value).toBeGreaterThan(MiB);
    expect(value).toBeLessThanOrEqual(MAX_RESPONSE_BODY);
    expect(growth).toBeLessThan(BOUND);
  });
});
