import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { projectRoot } from '../support/cli.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { ensureWebBuilt, startShop } from './support.js';

let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
let shop: Awaited<ReturnType<typeof startShop>>;
let token: string;
const get = async (url: string) => {
  const res = await app.inject({ url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
  return res.json();
};
interface PortfolioRow {
  name: string;
  managedBy: string;
  pillars: Record<'uptime' | 'speed' | 'security' | 'privacy' | 'updates' | 'backups', { state: string; summary: string }>;
  incident: object | null;
}
const siteIn = async (name: string, query = ''): Promise<PortfolioRow> =>
  ((await get(`/portfolio?limit=500${query}`)).data as PortfolioRow[]).find((s) => s.name === name)!;

beforeAll(async () => {
  ensureWebBuilt();
  shop = await startShop();
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  const loaded = config(`
sites:
  - name: Shop
    url: ${shop.url}
    tags: [client-acme]
    monitors:
      - { name: Home, type: http, url: "${shop.url}", interval: 1s, timeout: 1s, expect: { contains: Add to cart } }
      - { name: "Backup: nightly", type: heartbeat, period: 1d, grace: 1h }
  - name: Bare
`);
  await core.sync.apply(loaded, { dryRun: false });
  server = await testRuntime(core, loaded.config);
  app = server.app;
  token = (await core.accounts.createToken({ name: 't', scope: 'write' })).token;
  const shopId = (await core.sites.listSites({ limit: 10, search: 'Shop' })).items[0]!.id;
  const audit = (categories: string, scores: object, grades: object, at: number) => ({
    site_id: shopId,
    url: shop.url,
    categories,
    status: 'done',
    started_at: at,
    finished_at: at + 1_000,
    scores: JSON.stringify(scores),
    grades: JSON.stringify(grades),
    facts: '{}',
    errors: '{}',
  });
  const now = Date.now();
  await core.storage.db
    .insertInto('audits')
    .values([
      audit('security,privacy', { security: 40, privacy: 30 }, { security: 'D' }, now - 3 * 86_400_000),
      audit('security,privacy', { security: 70, privacy: 95, tls: 90 }, { security: 'B', tls: 'A' }, now - 86_400_000),
      audit('performance', { performance: 42 }, {}, now - 3_600_000),
    ])
    .execute();
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await shop?.close();
  await db?.cleanup();
});

describe('GET /api/v1/portfolio', () => {
  it('says "not set up" for each empty pillar of a bare site', async () => {
    const bare = await siteIn('Bare');
    for (const pillar of ['uptime', 'speed', 'security', 'privacy', 'updates', 'backups'] as const)
      expect(bare.pillars[pillar].state, pillar).toBe('not_set_up');
    expect(bare.pillars.security.summary).toBe('the site has no URL to audit');
    expect(bare.managedBy).toBe('config');
  });

  it('fills each pillar of a site from its monitors, its newest audits per category and its backup heartbeat', async () => {
    await expect.poll(async () => (await siteIn('Shop')).pillars.uptime.summary, { timeout: 15_000 }).toMatch(/^1 of 1 up/);
    const shopRow = await siteIn('Shop');
    expect(shopRow.pillars.uptime.state).toBe('good');
    // The newest security audit decides, not the older D.
    expect(shopRow.pillars.security).toEqual({ state: 'warning', summary: 'headers B (70) · TLS A' });
    expect(shopRow.pillars.privacy).toEqual({ state: 'good', summary: 'privacy score 95' });
    // Lighthouse's score decides speed when there is one, whatever the latency.
    expect(shopRow.pillars.speed.state).toBe('bad');
    expect(shopRow.pillars.speed.summary).toMatch(/Lighthouse 42/);
    expect(shopRow.pillars.updates.state).toBe('not_set_up');
    expect(shopRow.pillars.backups).toEqual({ state: 'unknown', summary: 'no ping yet' });

    const backup = (await get('/monitors?q=Backup')).data[0];
    expect((await app.inject(`/ping/${backup.pingUrl.split('/ping/')[1]}`)).statusCode).toBe(200);
    await expect.poll(async () => (await siteIn('Shop')).pillars.backups.state, { timeout: 10_000 }).toBe('good');
  });

  it('pages by site id, searches by name, and lists only sites with problems when asked', async () => {
    const first = await get('/portfolio?limit=1');
    expect(first.data.map((s: { name: string }) => s.name)).toEqual(['Shop']);
    expect(first.page).toMatchObject({ total: 2, nextCursor: String(first.data[0].id) });
    expect((await get(`/portfolio?limit=1&cursor=${first.page.nextCursor}`)).data.map((s: { name: string }) => s.name)).toEqual(['Bare']);
    expect((await get('/portfolio?q=bar')).data.map((s: { name: string }) => s.name)).toEqual(['Bare']);
    expect((await get('/portfolio?show=problems')).data).toEqual([]);

    shop.setHealthy(false);
    await expect.poll(async () => (await get('/portfolio?show=problems')).data.map((s: { name: string }) => s.name), { timeout: 15_000 }).toEqual(['Shop']);
    const broken = await siteIn('Shop');
    expect(broken.pillars.uptime).toMatchObject({ state: 'bad' });
    expect(broken.pillars.uptime.summary).toMatch(/^1 of 1 down/);
    await expect.poll(async () => (await get('/portfolio')).totals.openIncidents, { timeout: 10_000 }).toBe(1);
    expect((await siteIn('Shop')).incident).toMatchObject({ title: 'Home is down', status: 'open' });
    shop.setHealthy(true);
  });

  it('refuses a wrong query with the parameter named', async () => {
    const res = await app.inject({ url: '/api/v1/portfolio?show=some', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].path).toBe('show');
  });
});

describe('GET /api/v1/portfolio/monitors and /monitors/:id/series', () => {
  it('searches monitors by their name or their site’s, filters by status, and pages by id', async () => {
    const all = await get('/portfolio/monitors?q=shop');
    expect(all.data.map((m: { name: string }) => m.name)).toEqual(['Home', 'Backup: nightly']);
    expect(all.data[0]).toMatchObject({
      site: 'Shop',
      type: 'http',
      managedBy: 'config',
      status: expect.stringMatching(/^(up|down)$/),
      lastCheckAt: expect.any(String),
    });
    const page = await get('/portfolio/monitors?limit=1');
    expect(page.page).toMatchObject({ total: 2, nextCursor: String(page.data[0].id) });
    expect((await get(`/portfolio/monitors?cursor=${page.page.nextCursor}`)).data).toHaveLength(1);
    expect((await get('/portfolio/monitors?status=paused')).data).toEqual([]);
  });

  it('gives a chart its buckets: minutes over an hour with the phases of HTTP checks, 10 minutes over a day', async () => {
    const home = (await get('/portfolio/monitors?q=home')).data[0];
    const hour = await get(`/monitors/${home.id}/series?window=1h`);
    expect(hour.bucketSeconds).toBe(60);
    expect(hour.data.length).toBeGreaterThanOrEqual(60);
    const filled = hour.data.filter((b: { checks: number }) => b.checks > 0);
    expect(filled.length).toBeGreaterThan(0);
    expect(filled.at(-1).phases).toMatchObject({ ttfb: expect.any(Number), connect: expect.any(Number) });
    const day = await get(`/monitors/${home.id}/series?window=24h`);
    expect(day.bucketSeconds).toBe(600);
    expect(day.data.reduce((n: number, b: { checks: number }) => n + b.checks, 0)).toBe(filled.reduce((n: number, b: { checks: number }) => n + b.checks, 0));
    const bad = await app.inject({ url: `/api/v1/monitors/${home.id}/series?window=soon`, headers: { authorization: `Bearer ${token}` } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^window: expected a duration/);
  });
});

describe('the dashboard at /', () => {
  it('serves the app for its own paths with the security headers, and leaves the server’s paths alone', async () => {
    for (const url of ['/', '/sites/1', '/incidents/3', '/setup']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
    const api = await app.inject('/api/v1/nothing-here');
    expect(api.statusCode).toBe(401);
    expect(api.json().error.code).toBe('unauthorized');
    expect((await app.inject('/no-such-file.png')).statusCode).toBe(404);
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
  });

  it('has no inline script to need an exception in the CSP, and caches its hashed assets for good', async () => {
    const html = readFileSync(join(projectRoot, 'web/dist/index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/assets\//);
      expect(body!.trim()).toBe('');
    }
    const asset = readdirSync(join(projectRoot, 'web/dist/assets')).find((f) => f.endsWith('.js'))!;
    const res = await app.inject(`/assets/${asset}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});
