import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors.js';
import { closeIdleConnections, createResolver, httpRequest, type Resolver } from '../../src/lib/net/index.js';
import { startDnsServer, type LoopbackDns } from '../fixtures/dns-server.js';
import { startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';

const policy = { allowPrivate: true };
const deadlineMs = 5000;
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(200);
// Hex of random bytes compresses to about half: well past the size decoded in one call.
const largeText = randomBytes(256 * 1024).toString('hex');
const largeGzip = gzipSync(largeText);

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

async function app(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status: number, headers: Record<string, string>, body: string | Buffer = ''): void => {
    res.writeHead(status, headers).end(body);
  };
  switch (url.pathname) {
    case '/echo':
      return send(200, { 'content-type': 'application/json' }, JSON.stringify({ method: req.method, headers: req.headers, body: await readBody(req) }));
    case '/gzip':
      return send(200, { 'content-encoding': 'gzip' }, gzipSync(text));
    case '/deflate':
      return send(200, { 'content-encoding': 'deflate' }, deflateSync(text));
    case '/deflate-raw':
      return send(200, { 'content-encoding': 'deflate' }, deflateRawSync(text));
    case '/gzip-large':
      return send(200, { 'content-encoding': 'gzip' }, largeGzip);
    case '/br':
      return send(200, { 'content-encoding': 'br' }, brotliCompressSync(text));
    case '/big':
      return send(200, {}, Buffer.alloc(3 * 1024 * 1024, 'z'));
    case '/error':
      return send(503, { 'retry-after': '5' }, 'down for maintenance');
    case '/fat-header':
      return send(200, { 'x-fat': 'f'.repeat(2048) });
    case '/hop': {
      const left = Number(url.searchParams.get('left'));
      const status = Number(url.searchParams.get('status') ?? 301);
      return left > 0 ? send(status, { location: `/hop?left=${left - 1}&status=${status}` }) : send(200, {}, 'arrived');
    }
    case '/see-other':
      return send(303, { location: '/echo' });
    case '/temporary':
      return send(307, { location: '/echo' });
    case '/elsewhere':
      return send(302, { location: url.searchParams.get('to') ?? '/' });
    default:
      return send(200, { 'content-type': 'text/plain' }, `hello from ${req.headers.host ?? ''}`);
  }
}

let server: TestServer;
let other: TestServer;
let dns: LoopbackDns;
let resolver: Resolver;

beforeAll(async () => {
  server = await startHttpServer((req, res) => void app(req, res));
  other = await startHttpServer((req, res) => void app(req, res));
  dns = await startDnsServer({
    'site.upkeep.test': { A: ['127.0.0.1'] },
    'dual.upkeep.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
    'fallback.upkeep.test': { A: ['127.0.0.9', '127.0.0.1'] },
  });
  resolver = createResolver({ servers: [dns.server], timeoutMs: 500, tries: 1 });
});
afterEach(() => closeIdleConnections());
afterAll(async () => {
  await Promise.all([server.close(), other.close(), dns.close()]);
});

describe('httpRequest', () => {
  it('returns status, headers, body, address and timings', async () => {
    const res = await httpRequest(server.url('/'), { policy, deadlineMs });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.body.toString()).toBe(`hello from 127.0.0.1:${server.port}`);
    expect(res.finalUrl).toBe(server.url('/'));
    expect(res.remoteAddress).toBe('127.0.0.1');
    expect(res.bytesReceived).toBe(res.body.length);
    expect(res.bodyTruncated).toBe(false);
    expect(res.tls).toBeUndefined();
    const t = res.timings;
    expect(t.dns).toBe(0);
    expect(t.connect).toBeGreaterThan(0);
    expect(t.total).toBeGreaterThanOrEqual(t.connect + t.ttfb + t.transfer);
  });

  it('sends the name in Host after resolving it through our resolver', async () => {
    const res = await httpRequest(`http://site.upkeep.test:${server.port}/`, { policy, resolver, deadlineMs });
    expect(res.body.toString()).toBe(`hello from site.upkeep.test:${server.port}`);
    expect(res.timings.dns).toBeGreaterThan(0);
  });

  it('sends method, headers and body, and basic auth from the URL', async () => {
    const url = server.url('/echo').replace('http://', 'http://alice:s%3Acret@');
    const res = await httpRequest(url, { policy, deadlineMs, method: 'post', headers: { 'X-Probe': 'yes' }, body: '{"ping":1}' });
    const seen = JSON.parse(res.body.toString()) as { method: string; headers: Record<string, string>; body: string };
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('{"ping":1}');
    expect(seen.headers['x-probe']).toBe('yes');
    expect(seen.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(seen.headers.authorization).toBe(`Basic ${Buffer.from('alice:s:cret').toString('base64')}`);
  });

  it('treats a 5xx as a result, not an error', async () => {
    const res = await httpRequest(server.url('/error'), { policy, deadlineMs });
    expect(res.status).toBe(503);
    expect(res.body.toString()).toBe('down for maintenance');
  });

  it.each(['/gzip', '/deflate', '/deflate-raw', '/br'])('decodes %s bodies and counts wire bytes', async (path) => {
    const res = await httpRequest(server.url(path), { policy, deadlineMs });
    expect(res.body.toString()).toBe(text);
    expect(res.bytesReceived).toBeLessThan(text.length / 10);
  });

  it('decodes a large compressed body as a stream', async () => {
    const res = await httpRequest(server.url('/gzip-large'), { policy, deadlineMs });
    expect(res.bytesReceived).toBe(largeGzip.length);
    expect(res.body.toString()).toBe(largeText);
  });

  it.each([30_000, 100_000])('decodes what arrived of a compressed body cut at %i bytes', async (maxBodyBytes) => {
    const res = await httpRequest(server.url('/gzip-large'), { policy, deadlineMs, maxBodyBytes });
    expect(res.bodyTruncated).toBe(true);
    expect(res.body.length).toBeGreaterThan(maxBodyBytes);
    expect(largeText.startsWith(res.body.toString())).toBe(true);
  });

  it('stops reading at maxBodyBytes and says the body was truncated', async () => {
    const res = await httpRequest(server.url('/big'), { policy, deadlineMs, maxBodyBytes: 100_000 });
    expect(res.bodyTruncated).toBe(true);
    expect(res.body.length).toBe(100_000);
    expect(res.body.every((b) => b === 'z'.charCodeAt(0))).toBe(true);
  });

  it('refuses headers over maxHeaderBytes', async () => {
    await expect(httpRequest(server.url('/fat-header'), { policy, deadlineMs, maxHeaderBytes: 1024 })).rejects.toMatchObject({
      kind: 'headers_too_large',
    });
    expect((await httpRequest(server.url('/fat-header'), { policy, deadlineMs })).status).toBe(200);
  });

  it('rejects invalid request headers as caller input, not a network failure', async () => {
    const err: unknown = await httpRequest(server.url('/'), { policy, deadlineMs, headers: { 'x-bad': 'a\r\nb' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'invalid_input' });
  });

  it('ends with kind aborted when the caller cancels', async () => {
    const controller = new AbortController();
    const silent = await startRawServer(() => undefined);
    setTimeout(() => controller.abort(), 50);
    await expect(httpRequest(silent.url('/'), { policy, deadlineMs, signal: controller.signal })).rejects.toMatchObject({
      kind: 'aborted',
      message: `cancelled by the caller while waiting for response headers from 127.0.0.1:${silent.port}`,
    });
    await silent.close();
  });
});

describe('redirects', () => {
  it('follows them and lists each hop', async () => {
    const res = await httpRequest(server.url('/hop?left=2'), { policy, deadlineMs });
    expect(res.body.toString()).toBe('arrived');
    expect(res.finalUrl).toBe(server.url('/hop?left=0&status=301'));
    expect(res.redirects).toEqual([
      { url: server.url('/hop?left=2'), status: 301 },
      { url: server.url('/hop?left=1&status=301'), status: 301 },
    ]);
  });

  it('returns the redirect itself with maxRedirects 0', async () => {
    const res = await httpRequest(server.url('/hop?left=1'), { policy, deadlineMs, maxRedirects: 0 });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/hop?left=0&status=301');
  });

  it('stops after maxRedirects', async () => {
    await expect(httpRequest(server.url('/hop?left=3'), { policy, deadlineMs, maxRedirects: 2 })).rejects.toMatchObject({
      kind: 'too_many_redirects',
      message: expect.stringMatching(/^more than 2 redirects: .*left=3.* → .*left=0/),
    });
  });

  it('turns a POST into a GET on 303 and keeps it on 307', async () => {
    const seeOther = await httpRequest(server.url('/see-other'), {
      policy,
      deadlineMs,
      method: 'POST',
      body: 'x=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(JSON.parse(seeOther.body.toString())).toMatchObject({ method: 'GET', body: '' });
    const temporary = await httpRequest(server.url('/temporary'), { policy, deadlineMs, method: 'POST', body: 'x=1' });
    expect(JSON.parse(temporary.body.toString())).toMatchObject({ method: 'POST', body: 'x=1' });
  });

  it('drops credentials, custom secret headers included, when a redirect leaves the origin', async () => {
    const headers = {
      authorization: 'Bearer secret',
      cookie: 'session=1',
      'X-Api-Key': 'k-123',
      'X-Auth-Token': 't-456',
      'Private-Token': 'p-789',
      'X-Client-Secret': 's-000',
      'X-Purpose': 'kept',
    };
    const away = await httpRequest(server.url(`/elsewhere?to=${encodeURIComponent(other.url('/echo'))}`), { policy, deadlineMs, headers });
    const awaySeen = JSON.parse(away.body.toString()) as { headers: Record<string, string> };
    for (const name of ['authorization', 'cookie', 'x-api-key', 'x-auth-token', 'private-token', 'x-client-secret'])
      expect(awaySeen.headers[name], name).toBeUndefined();
    expect(awaySeen.headers['x-purpose']).toBe('kept');
    const home = await httpRequest(server.url('/elsewhere?to=/echo'), { policy, deadlineMs, headers });
    expect(JSON.parse(home.body.toString())).toMatchObject({
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
    });
  });

  it('refuses a redirect to another scheme', async () => {
    await expect(httpRequest(server.url('/elsewhere?to=file:///etc/passwd'), { policy, deadlineMs })).rejects.toMatchObject({
      kind: 'blocked_scheme',
      message: 'refused file: URL file:///etc/passwd: only http and https are allowed',
    });
  });
});
