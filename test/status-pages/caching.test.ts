import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';

const PASSWORD = 'staff only, please';
/** The headers every answer for a public page has (security headers included), as they were before the fast path was made leaner. */
const PAGE_HEADERS = [
  'cache-control',
  'content-security-policy',
  'content-type',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'etag',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'vary',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];
/** ...and per variant: a 200 adds its length, and its coding when compressed. */
const LISTED = Object.fromEntries(
  ['identity', 'gzip', 'br'].flatMap((encoding) => [
    [`${encoding} 200`, [...PAGE_HEADERS, 'content-length', ...(encoding === 'identity' ? [] : ['content-encoding'])].sort()],
    [`${encoding} 304`, PAGE_HEADERS],
  ]),
);

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Over a real socket (not inject): the fast path sits in front of Fastify, in the Node server. */
describe('cached status pages over HTTP', () => {
  let target: TestServer;
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let port: number;
  let auth: { authorization: string };

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    new Promise<Raw>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  /** The headers that do not change from one response to the next. */
  const stable = (h: Raw['headers']) =>
    Object.fromEntries(Object.entries(h).filter(([k]) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(k)));
  const decoded = (r: Raw) =>
    r.headers['content-encoding'] === 'br' ? brotliDecompressSync(r.body) : r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body;

  /** The sites and pages of this file, with `more` monitors on the site (a page stands for the whole site). */
  const fleet = (more: string) =>
    config(
      `
sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: "${target.url('/')}", interval: 1h, timeout: 1s }${more}
statusPages:
  - { slug: acme, title: Acme status, components: [{ name: Shop, monitors: ["Shop/Home"] }] }
  - { slug: internal, title: Internal status, access: { password: "${PASSWORD}" }, components: [{ name: Shop, monitors: ["Shop/Home"] }] }
  - { slug: whole, title: Whole shop, components: [{ name: Shop, site: Shop }] }
`,
      {},
    );

  beforeAll(async () => {
    target = await startHttpServer((_req, res) => res.end('ok'));
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    const loaded = fleet('');
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    port = Number(new URL(await server.app.listen({ port: 0, host: '127.0.0.1' })).port);
    auth = { authorization: `Bearer ${(await core.accounts.createToken({ name: 't', scope: 'write' })).token}` };
    const id = (await core.sites.listMonitors({ limit: 1 })).items[0]!.id;
    artifacts.push(`/badge/${id}/status.svg`, `/badge/${id}/uptime.json`);
    await until('the page to see the engine', async () => ((await get('/status/acme')).body.toString().includes('operational') ? true : undefined), 10_000);
  });
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await target?.close();
  });

  const artifacts = [
    '/status/acme',
    '/status/acme/page.css',
    '/status/acme/summary.json',
    '/status/acme/rss',
    '/status/acme/atom',
    '/status/acme/maintenance.ics',
    '/status/acme/embed.json',
  ];

  it('serves every artifact as identity, gzip and brotli that decode to the same bytes, with an ETag each and 304s without a body', async () => {
    for (const path of artifacts) {
      const plain = await get(path);
      expect(plain.status, path).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      const tags = new Set([plain.headers.etag]);
      for (const encoding of ['gzip', 'br']) {
        // One rendering seen three ways (a page is rendered again when what it shows changes, and retried then).
        const [r, same, again] = await until(
          `${path} in ${encoding}, as it is, and revalidated, from one rendering`,
          async () => {
            const r = await get(path, { 'accept-encoding': `${encoding}, identity;q=0.5` });
            const same = await get(path);
            const again = await get(path, { 'accept-encoding': encoding, 'if-none-match': String(r.headers.etag) });
            const one = String(r.headers.etag).startsWith(String(same.headers.etag).slice(0, -1));
            return one && again.status === 304 ? ([r, same, again] as const) : undefined;
          },
          5_000,
        );
        // Compressed unless that would not make it smaller (a tiny JSON).
        expect([r.status, r.headers.vary], path).toEqual([200, 'accept-encoding']);
        if (r.headers['content-encoding'] === undefined) expect(r.body.equals(same.body)).toBe(true);
        else expect([r.headers['content-encoding'], r.body.length < same.body.length]).toEqual([encoding, true]);
        expect(decoded(r).equals(same.body), `${path} ${encoding}`).toBe(true);
        tags.add(r.headers.etag);
        expect([again.status, again.body.length, again.headers.etag]).toEqual([304, 0, r.headers.etag]);
      }
      if (plain.body.length < 2_000) continue;
      expect(tags.size, path).toBe(3);
      // The identity tag does not stand for the brotli bytes.
      expect((await get(path, { 'accept-encoding': 'br', 'if-none-match': String(plain.headers.etag) })).status).toBe(200);
    }
  });

  it('answers repeat requests before Fastify with the same bytes and headers (security headers and CSP included)', async () => {
    for (const path of artifacts)
      for (const headers of [{}, { 'accept-encoding': 'gzip' }, { 'accept-encoding': 'br' }]) {
        // A query string is always answered by the full route; the same rendering then comes from the fast path.
        const [first, repeat] = await until(
          `${path} from the fast path`,
          async () => {
            const pair = [await get(`${path}?fresh`, headers), await get(path, headers)] as const;
            return !pair[1].headers['x-request-id'] && pair[0].headers.etag === pair[1].headers.etag ? pair : undefined;
          },
          5_000,
        );
        expect(first.headers['x-request-id']).toBeDefined();
        expect(stable(repeat.headers)).toEqual(stable(first.headers));
        expect(repeat.body.equals(first.body)).toBe(true);
        expect(repeat.headers['x-content-type-options']).toBe('nosniff');
        expect(repeat.headers['content-security-policy']).toMatch(/^default-src '(none|self)'/);
        const head = await get(path, headers, 'HEAD');
        expect([head.status, head.body.length, head.headers['content-length']]).toEqual([200, 0, first.headers['content-length']]);
      }
  });

  it('sends each variant (identity, gzip, brotli; 200 and 304) with the same headers from the fast path as from the full route', async () => {
    const page = '/status/acme';
    const listed: Record<string, string[]> = {};
    for (const encoding of ['identity', 'gzip', 'br'])
      for (const revalidate of [false, true]) {
        const variant = `${encoding} ${revalidate ? 304 : 200}`;
        const [first, repeat] = await until(
          `${variant} from the full route and then the fast path, of one rendering`,
          async () => {
            const tag = String((await get(page, { 'accept-encoding': encoding })).headers.etag);
            const headers = { 'accept-encoding': encoding, ...(revalidate ? { 'if-none-match': tag } : {}) };
            const pair = [await get(`${page}?full`, headers), await get(page, headers)] as const;
            const same = pair.every((r) => r.headers.etag === tag && r.status === (revalidate ? 304 : 200));
            return same && !pair[1].headers['x-request-id'] ? pair : undefined;
          },
          5_000,
        );
        expect(first.headers['x-request-id'], variant).toBeDefined();
        expect(stable(repeat.headers), variant).toEqual(stable(first.headers));
        listed[variant] = Object.keys(stable(repeat.headers)).sort();
      }
    expect(listed).toEqual(LISTED);
  });

  it('changes the ETag when the content changes, and never serves the old page after it', async () => {
    const before = await get('/status/acme', { 'accept-encoding': 'br' });
    expect((await get('/status/acme', { 'accept-encoding': 'br' })).headers['x-request-id']).toBeUndefined();
    const siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
    await server.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: auth, payload: { siteId, title: 'Checkout is down' } });
    const after = await until(
      'the page to show the new incident',
      async () => {
        const r = await get('/status/acme', { 'accept-encoding': 'br', 'if-none-match': String(before.headers.etag) });
        return r.status === 200 && decoded(r).toString().includes('Checkout is down') ? r : undefined;
      },
      5_000,
    );
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it('keeps a password page out of shared caches and out of the fast path: each request shows its own credentials', async () => {
    const basic = { authorization: `Basic ${Buffer.from(`x:${PASSWORD}`).toString('base64')}` };
    for (const encoding of ['identity', 'gzip', 'br']) {
      const open = await get('/status/internal', { ...basic, 'accept-encoding': encoding });
      expect(open.status).toBe(200);
      expect(open.headers['cache-control']).toBe('private, no-store');
      expect(open.headers.vary).toBe('cookie, authorization, accept-encoding');
      expect(decoded(open).toString()).toContain('Internal status');
      const again = await get('/status/internal', { ...basic, 'accept-encoding': encoding });
      expect(again.headers['x-request-id']).toBeDefined();
      const stranger = await get('/status/internal', { 'accept-encoding': encoding });
      expect(stranger.status).toBe(401);
      expect(decoded(stranger).toString()).not.toContain('Shop');
      const json = await get('/status/internal/summary.json', { 'accept-encoding': encoding, 'if-none-match': String(open.headers.etag) });
      expect(json.status).toBe(401);
    }
  });

  it("takes in a monitor added to a site a page shows: once the page knows it, the monitor's badge answers", async () => {
    await core.sync.apply(fleet(`\n      - { name: Cart, type: http, url: "${target.url('/cart')}", interval: 1h, timeout: 1s }`), { dryRun: false });
    const cart = (await core.sites.listMonitors({ limit: 10 })).items.find((m) => m.spec.name === 'Cart')!;
    await until('the badge of the new monitor to answer', async () => ((await get(`/badge/${cart.id}/status.svg`)).status === 200 ? true : undefined), 5_000);
  });
});
