import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeIdleConnections, createResolver, type NetPolicy, type Resolver } from '../../src/lib/net/index.js';
import { runCheck } from '../../src/monitoring/checks/index.js';
import type { ProbeType, SpecOf } from '../../src/monitoring/checks/check.js';
import { monitorSchema } from '../../src/monitoring/monitor.schema.js';
import type { CheckResult } from '../../src/monitoring/result.js';
import { testCertificates, type TestCertificates } from '../fixtures/certs.js';
import { startDnsServer, type LoopbackDns } from '../fixtures/dns-server.js';
import { brotliOfZeros, hostile, redirectTo } from '../fixtures/hostile.js';
import { closedPort, startHttpServer, startRawServer, type RawHandler, type TestServer } from '../fixtures/servers.js';

// The fault matrix at the level of monitor checks: every hostile target must give a `down` result
// (never an exception), with a message a person understands, within the timeout plus one second,
// without the process growing.
const TIMEOUT = 1_000;
const MiB = 1024 * 1024;
const allow: NetPolicy = { allowPrivate: true };

let dns: LoopbackDns;
let certs: TestCertificates;
let resolver: Resolver;
beforeAll(async () => {
  [dns, certs] = await Promise.all([
    startDnsServer({ 'servfail.upkeep.test': 'servfail', 'silent.upkeep.test': 'drop', 'ok.upkeep.test': { A: ['127.0.0.1'] } }),
    testCertificates(),
  ]);
  resolver = createResolver({ servers: [dns.server], timeoutMs: 300, tries: 2 });
  await brotliOfZeros();
});
afterEach(() => closeIdleConnections());
afterAll(() => dns.close());

const spec = <T extends ProbeType>(fields: Record<string, unknown>) => monitorSchema.parse({ name: 'm', timeout: '1s', ...fields }) as SpecOf<T>;

async function check(
  fields: Record<string, unknown>,
  options: { policy?: NetPolicy; ca?: string[] } = {},
): Promise<{ result: CheckResult; elapsed: number; growth: number }> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const started = performance.now();
  try {
    const result = await runCheck(spec(fields), {
      policy: options.policy ?? allow,
      resolver,
      signal: new AbortController().signal,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    return { result, elapsed: performance.now() - started, growth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

async function withRaw<T>(handler: RawHandler, fn: (server: TestServer) => Promise<T>, opts: { speakFirst?: boolean; host?: string } = {}): Promise<T> {
  const server = await startRawServer(handler, opts);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

function expectDown(outcome: { result: CheckResult; elapsed: number; growth: number }, message: RegExp): void {
  expect(outcome.result.status).toBe('down');
  expect(outcome.result.message).toMatch(message);
  expect(outcome.elapsed).toBeLessThan(TIMEOUT + 1_000);
  expect(outcome.growth).toBeLessThan(64 * MiB);
}

describe('HTTP checks against hostile targets', () => {
  it('a refused connection', async () => {
    expectDown(await check({ type: 'http', url: `http://127.0.0.1:${await closedPort()}/` }), /^connection refused by 127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['a reset mid-response', hostile.resetMidResponse, /was closed before the exchange was complete/],
    ['silence after connect', hostile.silent, /^timed out after 1000 ms waiting for response headers/],
    ['headers that never finish', hostile.endlessHeaders, /^timed out after 1000 ms waiting for response headers/],
    ['a trickled body', hostile.trickleBody, /^timed out after 1000 ms reading the response body/],
    ['a gzip bomb', hostile.gzipBomb, /expands past the 10485760-byte limit when decompressed/],
    ['a brotli bomb', hostile.brotliBomb, /expands past the 10485760-byte limit when decompressed/],
    ['oversized headers', hostile.oversizedHeaders, /response headers from 127\.0\.0\.1:\d+ exceed the size limit/],
    ['a redirect loop', hostile.redirectLoop, /^redirect loop: /],
    ['broken chunked encoding', hostile.brokenChunked, /did not answer with valid HTTP\/1\.1/],
  ])('%s', async (_name, handler, message) => {
    expectDown(await withRaw(handler, (server) => check({ type: 'http', url: server.url('/') })), message);
  });

  it('a non-HTTP service (SSH)', async () => {
    expectDown(
      await withRaw(hostile.nonHttp, (server) => check({ type: 'http', url: server.url('/') }), { speakFirst: true }),
      /did not answer with valid HTTP\/1\.1/,
    );
  });

  it('an endless body: read up to 1 MiB, then judged on what was read', async () => {
    const plain = await withRaw(hostile.endlessBody, (server) => check({ type: 'http', url: server.url('/') }));
    expect(plain.result).toMatchObject({ status: 'up', detail: { truncated: true } });
    const keyword = await withRaw(hostile.endlessBody, (server) => check({ type: 'http', url: server.url('/'), expect: { contains: 'Add to cart' } }));
    expectDown(keyword, /^keyword "Add to cart" not found in the first 1 MiB of the body \(HTTP 200 in \d+ ms\)$/);
  });

  it('redirects to the cloud metadata address and to loopback are refused', async () => {
    // 127.0.0.2 stands in for a public site here; everything else on loopback stays private.
    const publicish: NetPolicy = { allowPrivate: false, testOnlyPublicRanges: ['127.0.0.2/32'] };
    const metadata = await withRaw(
      redirectTo('http://169.254.169.254/latest/meta-data/'),
      (server) => check({ type: 'http', url: server.url('/') }, { policy: publicish }),
      { host: '127.0.0.2' },
    );
    expectDown(metadata, /169\.254\.169\.254.*cloud metadata/);
    const loopback = await withRaw(redirectTo('http://127.0.0.1:9/'), (server) => check({ type: 'http', url: server.url('/') }, { policy: publicish }), {
      host: '127.0.0.2',
    });
    expectDown(loopback, /127\.0\.0\.1.*loopback/);
  });

  it('a missing keyword and a 5xx status', async () => {
    const site = await startHttpServer((req, res) => (req.url === '/broken' ? res.writeHead(503).end('maintenance') : res.end('<h1>Welcome</h1>')));
    try {
      expectDown(
        await check({ type: 'http', url: site.url('/'), expect: { contains: 'Add to cart' } }),
        /^keyword "Add to cart" not found \(HTTP 200 in \d+ ms\)$/,
      );
      expectDown(await check({ type: 'http', url: site.url('/broken') }), /^status 503 is not accepted \(expected 200-299\) \(HTTP 503 in \d+ ms\)$/);
      expect((await check({ type: 'http', url: site.url('/'), expect: { contains: 'Welcome' } })).result.status).toBe('up');
    } finally {
      await site.close();
    }
  });
});

describe('TLS problems', () => {
  const withTls = async (which: keyof TestCertificates, fn: (url: string, port: number) => Promise<void>) => {
    const server = await startHttpServer((_req, res) => res.end('ok'), { tls: certs[which] });
    try {
      await fn(server.url('/').replace('127.0.0.1', 'localhost'), server.port);
    } finally {
      await server.close();
    }
  };
  const ca = () => [certs.ca.cert];

  it.each([
    ['expired', 'expired', /expired/, /^the certificate has expired on 2020-0[12]-\d\d$/],
    ['self-signed', 'selfSigned', /self-signed/, /^the certificate is self-signed$/],
    ['wrong host', 'wrongHost', /localhost|host/, /^the certificate does not match the host name$/],
    ['untrusted', 'untrusted', /trust|issuer|authority/, /untrusted authority|not trusted/],
  ] as const)('%s: the HTTP check is down and the TLS check names the problem', async (_name, which, httpMessage, tlsMessage) => {
    await withTls(which, async (url, port) => {
      expectDown(await check({ type: 'http', url }, { ca: ca() }), httpMessage);
      expectDown(await check({ type: 'tls', host: 'localhost', port }, { ca: ca() }), tlsMessage);
    });
  });

  it('a good certificate is up, and degraded when it expires within warnDays', async () => {
    await withTls('valid', async (_url, port) => {
      const ok = await check({ type: 'tls', host: 'localhost', port, warnDays: 0, criticalDays: 0 }, { ca: ca() });
      expect(ok.result).toMatchObject({ status: 'up', message: expect.stringMatching(/^valid for \d+ more days/) });
      const soon = await check({ type: 'tls', host: 'localhost', port, warnDays: 365, criticalDays: 0 }, { ca: ca() });
      expect(soon.result).toMatchObject({ status: 'degraded', message: expect.stringMatching(/^the certificate expires in \d+ days/) });
    });
  });
});

describe('DNS failures', () => {
  it.each([
    ['NXDOMAIN', 'nowhere.upkeep.test', /nowhere\.upkeep\.test.*(does not exist|NXDOMAIN)/i],
    ['SERVFAIL', 'servfail.upkeep.test', /servfail\.upkeep\.test.*(SERVFAIL|server failure|failed)/i],
    ['a timeout', 'silent.upkeep.test', /(timed out|no answer).*silent\.upkeep\.test/i],
  ])('%s: HTTP and DNS checks are down with a message naming the name', async (_name, host, message) => {
    expectDown(await check({ type: 'http', url: `http://${host}/` }), message);
    expectDown(await check({ type: 'dns', host, resolver: dns.server }), message);
  });

  it('a DNS check is up when every expected value is answered, and says what is missing', async () => {
    expect((await check({ type: 'dns', host: 'ok.upkeep.test', resolver: dns.server, expected: ['127.0.0.1'] })).result.status).toBe('up');
    expectDown(
      await check({ type: 'dns', host: 'ok.upkeep.test', resolver: dns.server, expected: ['10.0.0.1'] }),
      /^A ok\.upkeep\.test lacks "10\.0\.0\.1" \(answers: 127\.0\.0\.1\)$/,
    );
  });
});
