import ICAL from 'ical.js';
import RssParser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';

const PASSWORD = 'staff only, please';
describe.each(dialects)('public status pages ($dialect)', ({ dialect, skip }) => {
  let target: TestServer;
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let ids: Record<string, number>;
  let auth: { authorization: string };
  let parsed: Config;
  const get = (url: string, headers: Record<string, string> = {}) => server.app.inject({ url, headers });

  beforeAll(async () => {
    if (skip) return;
    target = await startHttpServer((req, res) => (req.url === '/admin' ? res.writeHead(500).end('broken') : res.end('ok')));
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    const soon = Date.now() + 3 * 3_600_000;
    const loaded = config(
      `
incidents: { groupWait: 0s }
sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: "${target.url('/')}", interval: 1s, retryInterval: 1s, timeout: 1s }
      - { name: Hidden admin, type: http, url: "${target.url('/admin')}", interval: 1s, retryInterval: 1s, timeout: 1s }
      - { name: Unlisted cron, type: http, url: "${target.url('/cron')}", interval: 1s }
maintenance:
  - { name: Router swap, description: "New **router**", start: "${new Date(soon).toISOString()}", end: "${new Date(soon + 3_600_000).toISOString()}", monitors: ["Shop/Home"] }
statusPages:
  - slug: acme
    title: Acme status
    language: sv
    timezone: Europe/Stockholm
    domains: [status.acme.test]
    components: [{ name: Webbutik, monitors: ["Shop/Home"] }]
  - slug: internal
    title: Internal status
    access:
      password: ${PASSWORD}
    components: [{ name: Admin panel, monitors: ["Shop/Hidden admin"] }]
  - slug: office
    title: Office
    access: { allowIps: ["10.0.0.0/8"] }
    components: [{ name: Admin panel, monitors: ["Shop/Hidden admin"] }]
`,
      {},
    );
    await core.sync.apply(loaded, { dryRun: false });
    parsed = loaded.config;
    server = await testRuntime(core, loaded.config);
    ids = Object.fromEntries((await core.sites.listMonitors({ limit: 10 })).items.map((m) => [m.spec.name, m.id]));
    auth = { authorization: `Bearer ${(await core.accounts.createToken({ name: 't', scope: 'write' })).token}` };
    // The private monitor fails: an incident opened by monitors that must stay off the public page.
    await until('the incident of the hidden monitor', async () => (await server.incidents.service.list({ limit: 5 }))[0], 15_000);
    await until(
      'the public page to see the engine',
      async () => (await get('/status/acme/summary.json')).json<{ components: { status: string }[] }>().components[0]?.status === 'operational',
      10_000,
    );
  });
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await target?.close();
  });

  const secrets = /Hidden admin|Unlisted cron|Admin panel|Internal status|admin/i;

  describe.skipIf(skip)('what the public can see', () => {
    it('private pages and private monitors appear in no public page, feed, calendar, JSON, embed or badge', async () => {
      for (const path of ['', '/summary.json', '/rss', '/atom', '/maintenance.ics', '/embed.json', '/page.css']) {
        const res = await get(`/status/acme${path}`);
        expect(res.statusCode, path).toBe(200);
        expect(res.body, path).not.toMatch(secrets);
      }
      for (const path of ['/summary.json', '/rss', '/atom', '/maintenance.ics', '/embed.json', '/embed.js']) {
        const res = await get(`/status/internal${path}`);
        expect(res.statusCode, path).toBe(401);
        expect(res.body, path).not.toMatch(/Hidden admin|Admin panel|Shop/);
      }
      const prompt = await get('/status/internal');
      expect(prompt.statusCode).toBe(401);
      expect(prompt.body).toContain('type="password"');
      expect(prompt.body).not.toMatch(/Admin panel|Hidden admin/);
      for (const path of ['', '/summary.json', '/rss', '/page.css', '/embed.js']) expect((await get(`/status/office${path}`)).statusCode, path).toBe(404);
      const said = async (url: string) => {
        const { code, message } = (await get(url)).json<{ error: { code: string; message: string } }>().error;
        return { code, message };
      };
      expect(await said('/status/office')).toEqual(await said('/status/nowhere'));
      // Without server.trustProxy a forwarded address is a claim anyone can make.
      expect((await get('/status/office', { 'x-forwarded-for': '10.1.2.3' })).statusCode).toBe(404);

      const missing = await get('/badge/999999/status.svg');
      expect(missing.statusCode).toBe(404);
      for (const name of ['Hidden admin', 'Unlisted cron']) {
        for (const file of ['status.svg', 'uptime.svg', 'response.json']) {
          const res = await get(`/badge/${ids[name]}/${file}`);
          expect(res.statusCode).toBe(404);
          expect(res.json<{ error: object }>().error).toMatchObject({
            code: 'not_found',
            message: missing.json<{ error: { message: string } }>().error.message,
          });
        }
      }
    });

    it('the password opens a private page (form and cookie, or HTTP Basic auth for feed readers); wrong ones are refused and limited', async () => {
      const form = (password: string) =>
        server.app.inject({
          method: 'POST',
          url: '/status/internal/login',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ password }).toString(),
        });
      expect((await form('not it')).statusCode).toBe(401);
      const ok = await form(PASSWORD);
      expect(ok.statusCode).toBe(303);
      const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
      expect(String(ok.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Lax/);
      const page = await get('/status/internal', { cookie });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Admin panel');
      expect(page.headers['cache-control']).toBe('private, no-store');
      expect((await get('/status/internal', { cookie: `${cookie.slice(0, -3)}abc` })).statusCode).toBe(401);
      const basic = `Basic ${Buffer.from(`reader:${PASSWORD}`).toString('base64')}`;
      const json = await get('/status/internal/summary.json', { authorization: basic });
      expect(json.json()).toMatchObject({ components: [{ name: 'Admin panel', status: 'major_outage' }], incidents: [{ name: 'Disruption: Admin panel' }] });
      for (let i = 0; i < 12; i++) await form('guess');
      expect((await form(PASSWORD)).statusCode).toBe(429);
    });

    it('badges for public monitors: SVG and shields.io JSON for status, uptime and response time', async () => {
      const svg = await get(`/badge/${ids.Home}/status.svg`);
      expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(svg.body).toMatch(/^<svg[^>]+role="img" aria-label="status: up"/);
      expect((await get(`/badge/${ids.Home}/uptime.json?period=24h`)).json()).toMatchObject({
        schemaVersion: 1,
        label: 'uptime',
        message: '100.00%',
        color: '2da44e',
      });
      expect((await get(`/badge/${ids.Home}/response.json`)).json<{ message: string }>().message).toMatch(/^\d+ ms$/);
      expect((await get(`/badge/${ids.Home}/status.json?label=<b>shop</b>`)).json()).toMatchObject({ label: '<b>shop</b>' });
      expect((await get(`/badge/${ids.Home}/status.svg?label=<b>shop</b>`)).body).toContain('&lt;b&gt;shop&lt;/b&gt;');
      expect((await get(`/badge/${ids.Home}/uptime.svg?period=soon`)).json()).toMatchObject({
        error: { code: 'invalid_input', message: expect.stringMatching(/^period: expected a duration/) as unknown },
      });
    });

    it('an IP list believes X-Forwarded-For only from the proxies in server.trustProxy', async () => {
      const behindProxy = await testRuntime(core, { ...parsed, server: { ...parsed.server, trustProxy: ['127.0.0.1'] } });
      try {
        const from = (forwarded: string) => behindProxy.app.inject({ url: '/status/office', headers: { 'x-forwarded-for': forwarded } });
        expect((await from('10.1.2.3')).statusCode).toBe(200);
        expect((await from('203.0.113.9')).statusCode).toBe(404);
        // A proxy that is not listed is not believed.
        expect(
          (await behindProxy.app.inject({ url: '/status/office', remoteAddress: '192.0.2.1', headers: { 'x-forwarded-for': '10.1.2.3' } })).statusCode,
        ).toBe(404);
      } finally {
        await behindProxy.close();
      }
    });

    it('a custom domain serves its page at "/" by the Host header', async () => {
      const page = await server.app.inject({ url: '/', headers: { host: 'status.acme.test' } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<title>Acme status</title>');
      expect(page.body).toContain('href="/page.css"');
      expect((await server.app.inject({ url: '/summary.json', headers: { host: 'status.acme.test' } })).json()).toMatchObject({
        page: { url: 'http://status.acme.test/' },
      });
      expect((await server.app.inject({ url: '/api/v1/sites', headers: { host: 'status.acme.test', ...auth } })).statusCode).toBe(404);
    });
  });

  describe.skipIf(skip)('feeds and the calendar, read by real parsers', () => {
    it('RSS and Atom carry incidents with their updates; iCalendar carries the maintenance; JSON has the Statuspage shape', async () => {
      const siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
      const incident = (
        await server.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: auth, payload: { siteId, title: 'Betalningar fungerar inte' } })
      ).json<{ id: number }>();
      await server.app.inject({
        method: 'POST',
        url: `/api/v1/incidents/${incident.id}/updates`,
        headers: auth,
        payload: { status: 'monitoring', body: 'En *rättning* är ute.', pages: ['acme'] },
      });
      const parser = new RssParser();
      const rss = await parser.parseString((await get('/status/acme/rss')).body);
      expect(rss.title).toBe('Acme status');
      const item = rss.items.find((i) => i.title?.startsWith('Betalningar fungerar inte'));
      expect(item).toMatchObject({ title: 'Betalningar fungerar inte (Bevakar)', contentSnippet: expect.stringContaining('En rättning är ute.') as unknown });
      expect(item!['content:encoded']).toContain('<em>rättning</em>');
      expect(rss.items.some((i) => i.title === 'Planerat underhåll: Router swap')).toBe(true);
      const atom = await parser.parseString((await get('/status/acme/atom')).body);
      expect(atom.items.map((i) => i.title)).toEqual(rss.items.map((i) => i.title));

      const calendar = new ICAL.Component(ICAL.parse((await get('/status/acme/maintenance.ics')).body));
      const events = calendar.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e));
      expect(events).toHaveLength(1);
      expect(events[0]!.summary).toBe('Planerat underhåll: Router swap');
      expect(events[0]!.endDate.toJSDate().getTime() - events[0]!.startDate.toJSDate().getTime()).toBe(3_600_000);
      expect(events[0]!.description).toContain('Påverkar: Webbutik');

      const summary = (await get('/status/acme/summary.json')).json<Record<string, unknown>>();
      expect(Object.keys(summary)).toEqual(['page', 'status', 'components', 'incidents', 'scheduled_maintenances']);
      expect(summary).toMatchObject({
        page: { id: 'acme', name: 'Acme status', time_zone: 'Europe/Stockholm' },
        components: [{ name: 'Webbutik', status: 'operational', position: 1 }],
        incidents: [{ name: 'Betalningar fungerar inte', status: 'monitoring', incident_updates: [{ status: 'monitoring', body: 'En rättning är ute.' }] }],
        scheduled_maintenances: [{ name: 'Router swap', status: 'scheduled' }],
      });
    });

    it('answers 304 for an unchanged page and renders again when something it shows changes', async () => {
      const first = await get('/status/acme');
      expect((await get('/status/acme', { 'if-none-match': String(first.headers.etag) })).statusCode).toBe(304);
      const siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
      await server.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: auth, payload: { siteId, title: 'Nytt fel' } });
      const changed = await until(
        'the page to show the new incident',
        async () => ((await get('/status/acme')).body.includes('Nytt fel') ? true : undefined),
        5_000,
      );
      expect(changed).toBe(true);
    });
  });

  describe.skipIf(skip)('the management API', () => {
    it('refuses pages of the config file with 409, never returns a password, and manages pages made in the API', async () => {
      const list = (await server.app.inject({ url: '/api/v1/status-pages', headers: auth })).json<{
        data: { id: number; slug: string; access?: { password: string } }[];
      }>().data;
      const internal = list.find((p) => p.slug === 'internal')!;
      expect(internal.access!.password).toBe('********');
      expect(JSON.stringify(list)).not.toContain(PASSWORD);
      const refused = await server.app.inject({ method: 'PATCH', url: `/api/v1/status-pages/${internal.id}`, headers: auth, payload: { title: 'x' } });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({
        error: { message: expect.stringContaining('defined in the config file; change it there and run "upkeep apply"') as unknown },
      });

      const page = { slug: 'client-b', title: 'Client B', access: { password: 'client b secret' }, components: [{ name: 'Shop', site: 'Shop' }] };
      const created = await server.app.inject({ method: 'POST', url: '/api/v1/status-pages', headers: auth, payload: page });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ slug: 'client-b', managedBy: 'api', access: { password: '********' } });
      const id = created.json<{ id: number }>().id;
      const patched = await server.app.inject({
        method: 'PATCH',
        url: `/api/v1/status-pages/${id}`,
        headers: auth,
        payload: { title: 'Client B status', access: { password: '********' } },
      });
      expect(patched.json()).toMatchObject({ title: 'Client B status' });
      const basic = `Basic ${Buffer.from('x:client b secret').toString('base64')}`;
      expect((await get('/status/client-b/summary.json', { authorization: basic })).json()).toMatchObject({ page: { name: 'Client B status' } });
      const clash = await server.app.inject({
        method: 'POST',
        url: '/api/v1/status-pages',
        headers: auth,
        payload: { ...page, components: [{ name: 'X', monitors: ['Shop/Nope'] }] },
      });
      expect(clash.json()).toMatchObject({ error: { code: 'conflict', message: 'a status page with the slug "client-b" already exists' } });
      const bad = await server.app.inject({
        method: 'POST',
        url: '/api/v1/status-pages',
        headers: auth,
        payload: { ...page, slug: 'c', components: [{ name: 'X', monitors: ['Shop/Nope'] }] },
      });
      expect(bad.json()).toMatchObject({
        error: { code: 'invalid_input', message: 'components[0].monitors: no monitor is named "Shop/Nope" (write "Site name/Monitor name")' },
      });
      expect((await server.app.inject({ method: 'DELETE', url: `/api/v1/status-pages/${id}`, headers: auth })).statusCode).toBe(204);
      expect((await get('/status/client-b')).statusCode).toBe(404);
      expect((await server.app.inject({ url: '/api/v1/status-pages' })).statusCode).toBe(401);
    });
  });
});
