import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeIdleConnections, createResolver, httpRequest, type HttpRequestOptions, type NetErrorKind } from '../../src/lib/net/index.js';
import { startDnsServer, type LoopbackDns } from '../fixtures/dns-server.js';
import { brotliOfZeros, hostile } from '../fixtures/hostile.js';
import { closedPort, startHttpServer, startRawServer, type RawHandler } from '../fixtures/servers.js';

// The fault matrix at the client level: each hostile peer must end in the right kind, with a
// message naming the peer, within the deadline plus one second, without the process growing.
const deadlineMs = 1000;
const policy = { allowPrivate: true };
const MiB = 1024 * 1024;

let dns: LoopbackDns;
beforeAll(async () => {
  dns = await startDnsServer({
    'servfail.upkeep.test': 'servfail',
    'silent.upkeep.test': 'drop',
  });
  await brotliOfZeros();
  // Pay the one-time costs (undici's WASM parser, zlib and brotli state) before any RSS is sampled.
  const warm = await startHttpServer((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('warm')));
  await httpRequest(warm.url('/'), { policy, deadlineMs });
  await warm.close();
  brotliDecompressSync(brotliCompressSync('warm'));
});
afterEach(() => closeIdleConnections());
afterAll(() => dns.close());

/** Runs one request against `handler`, sampling RSS while it runs. */
async function against(handler: RawHandler, opts: Partial<HttpRequestOptions> & { speakFirst?: boolean; path?: string } = {}) {
  const server = await startRawServer(handler, { speakFirst: opts.speakFirst ?? false });
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const started = performance.now();
  try {
    const outcome = await httpRequest(server.url(opts.path ?? '/'), { policy, deadlineMs, ...opts }).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error: error as { kind: NetErrorKind; message: string } }),
    );
    return { ...outcome, port: server.port, elapsed: performance.now() - started, growth: peak - baseline };
  } finally {
    clearInterval(sampler);
    await server.close();
  }
}

describe('hostile peers', () => {
  it.each([
    ['silence after connect', 'timeout', hostile.silent, /^timed out after 1000 ms waiting for response headers from 127\.0\.0\.1:\d+$/],
    ['headers that never finish', 'timeout', hostile.endlessHeaders, /^timed out after 1000 ms waiting for response headers/],
    ['a trickled body', 'timeout', hostile.trickleBody, /^timed out after 1000 ms reading the response body from 127\.0\.0\.1:\d+$/],
    ['a reset mid-response', 'reset', hostile.resetMidResponse, /^connection to 127\.0\.0\.1:\d+ was closed before the exchange was complete$/],
    ['oversized headers', 'headers_too_large', hostile.oversizedHeaders, /^response headers from 127\.0\.0\.1:\d+ exceed the size limit$/],
    ['broken chunked encoding', 'protocol_error', hostile.brokenChunked, /did not answer with valid HTTP\/1\.1: Invalid character in chunk size$/],
    ['a redirect loop', 'too_many_redirects', hostile.redirectLoop, /^redirect loop: http:\/\/127\.0\.0\.1:\d+\/ → .*\/a → .*\/b → .*\/a$/],
    ['a gzip bomb', 'decompression_limit', hostile.gzipBomb, /expands past the 10485760-byte limit when decompressed/],
    ['a brotli bomb', 'decompression_limit', hostile.brotliBomb, /expands past the 10485760-byte limit when decompressed$/],
  ] as const)('%s ends as %s within the deadline', async (_name, kind, handler, message) => {
    const { error, elapsed, growth } = await against(handler);
    expect(error).toMatchObject({ kind, message: expect.stringMatching(message) });
    expect(elapsed).toBeLessThan(deadlineMs + 1000);
    expect(growth).toBeLessThan(64 * MiB);
  });

  it('a non-HTTP service (SSH) is a protocol error', async () => {
    const { error, elapsed } = await against(hostile.nonHttp, { speakFirst: true });
    expect(error).toMatchObject({ kind: 'protocol_error', message: expect.stringMatching(/did not answer with valid HTTP\/1\.1: Expected HTTP\//) });
    expect(elapsed).toBeLessThan(deadlineMs + 1000);
  });

  it('an endless body is cut at maxBodyBytes and returned as a result', async () => {
    const { result, elapsed, growth } = await against(hostile.endlessBody, { maxBodyBytes: 2 * MiB });
    expect(result).toMatchObject({ status: 200, bodyTruncated: true });
    expect(result?.body.length).toBe(2 * MiB);
    expect(elapsed).toBeLessThan(deadlineMs + 1000);
    expect(growth).toBeLessThan(64 * MiB);
  });

  it('a lower decompression cap holds too', async () => {
    const { error } = await against(hostile.gzipBomb, { maxDecompressedBytes: MiB });
    expect(error).toMatchObject({ kind: 'decompression_limit', message: expect.stringContaining('the 1048576-byte limit') });
  });

  it('eight bombs at once stay within their caps', async () => {
    const server = await startRawServer(hostile.gzipBomb);
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => httpRequest(server.url('/'), { policy, deadlineMs })));
      expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { kind: string }).kind : 'ok'))).toEqual(Array(8).fill('decompression_limit'));
      // Uncapped, they would have inflated to 64 GiB.
      expect(peak - baseline).toBeLessThan(160 * MiB);
    } finally {
      clearInterval(sampler);
      await server.close();
    }
  });

  it('the deadline holds across redirects that are each slow', async () => {
    // Every hop answers after 300 ms with a redirect to the next: no single step is too slow.
    let hop = 0;
    const slow: RawHandler = (socket) => {
      setTimeout(() => socket.end(`HTTP/1.1 302 Found\r\nlocation: /hop${++hop}\r\ncontent-length: 0\r\n\r\n`), 300);
    };
    const { error, elapsed } = await against(slow, { maxRedirects: 10 });
    expect(error).toMatchObject({ kind: 'timeout', message: expect.stringMatching(/^timed out after 1000 ms waiting for response headers/) });
    expect(elapsed).toBeLessThan(deadlineMs + 1000);
    expect(hop).toBeGreaterThanOrEqual(3);
  });

  it('a refused connection is classified at once', async () => {
    const port = await closedPort();
    await expect(httpRequest(`http://127.0.0.1:${port}/`, { policy, deadlineMs })).rejects.toMatchObject({
      kind: 'refused',
      message: `connection refused by 127.0.0.1:${port}`,
    });
  });
});

describe('DNS faults through httpRequest', () => {
  const resolverWith = (timeoutMs: number) => createResolver({ servers: [dns.server], timeoutMs, tries: 1 });

  it.each([
    ['nxdomain.upkeep.test', 'dns_nxdomain', 'nxdomain.upkeep.test does not exist (NXDOMAIN)'],
    ['servfail.upkeep.test', 'dns_servfail', 'the DNS server failed to resolve servfail.upkeep.test (SERVFAIL)'],
    ['silent.upkeep.test', 'dns_timeout', 'no answer from the DNS server for silent.upkeep.test'],
  ])('%s ends as %s', async (name, kind, message) => {
    const started = performance.now();
    await expect(httpRequest(`http://${name}/`, { policy, deadlineMs, resolver: resolverWith(200) })).rejects.toMatchObject({ kind, message });
    expect(performance.now() - started).toBeLessThan(deadlineMs + 1000);
  });

  it('the deadline cuts a resolver that would wait longer', async () => {
    const started = performance.now();
    await expect(httpRequest('http://silent.upkeep.test/', { policy, deadlineMs, resolver: resolverWith(10_000) })).rejects.toMatchObject({
      kind: 'timeout',
      message: 'timed out after 1000 ms resolving silent.upkeep.test',
    });
    expect(performance.now() - started).toBeLessThan(deadlineMs + 1000);
  });
});
