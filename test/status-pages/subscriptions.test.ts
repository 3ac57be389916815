import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { smtpReceiver, until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-subscriber-webhook-secret';
describe.each(dialects)('subscriptions ($dialect)', ({ dialect, skip }) => {
  let target: TestServer;
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let base: string;
  let auth: { authorization: string };

  beforeAll(async () => {
    if (skip) return;
    target = await startHttpServer((_req, res) => res.end('ok'));
    smtp = await smtpReceiver();
    hook = await webhookReceiver(SECRET);
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    const loaded = config(`
email:
  from: status@acme.test
  smtp: { host: 127.0.0.1, port: ${smtp.port}, security: none }
sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: "${target.url('/')}", interval: 60s }
      - { name: Search, type: http, url: "${target.url('/search')}", interval: 60s }
  - name: Blog
    monitors:
      - { name: Front, type: http, url: "${target.url('/blog')}", interval: 60s }
statusPages:
  - slug: acme
    title: Acme status
    components:
      - { name: Web shop, monitors: ["Shop/Home"] }
      - { name: Search, monitors: ["Shop/Search"] }
      - { name: Blog, site: Blog }
messageTemplates:
  - { name: Fixed, status: resolved, body: "A fix is in place and **everything works** again." }
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    auth = { authorization: `Bearer ${(await core.accounts.createToken({ name: 't', scope: 'write' })).token}` };
  });
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await smtp?.close();
    await hook?.close();
    await target?.close();
  });

  const form = (body: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  const linkIn = (text: string, path: string) => new RegExp(`(http://[^\\s"<>]+/status/acme/${path}\\?token=[\\w.-]+)`).exec(text)?.[1];
  /** Links in messages name server.publicUrl (here the default address); the test server listens elsewhere. */
  const local = (link: string | undefined) => (link ? `${base}${new URL(link).pathname}${new URL(link).search}` : undefined);

  describe.skipIf(skip)('email subscriptions against a real SMTP server', () => {
    it('subscribe → confirm → an incident update arrives by email → one-click unsubscribe → no more mail', async () => {
      const page = await (await fetch(`${base}/status/acme`)).text();
      expect(page).toContain('<input type="checkbox" name="components" value="Search"> Search');
      const picky = new URLSearchParams([
        ['email', 'picky@example.test'],
        ['components', 'Search'],
        ['components', 'Blog'],
      ]);
      expect(
        (
          await fetch(`${base}/status/acme/subscribe`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: picky.toString(),
          })
        ).status,
      ).toBe(200);
      const subscribers = (await server.app.inject({ url: '/api/v1/status-pages/1/subscribers', headers: auth })).json<{ data: object[] }>().data;
      expect(subscribers).toMatchObject([{ type: 'email', address: 'picky@example.test', components: ['Search', 'Blog'], confirmed: false }]);
      await until('the first confirmation email', () => smtp.mails[0], 10_000);
      smtp.mails.length = 0;

      const typo = await fetch(`${base}/status/acme/subscribe`, form({ email: 'reader at example' }));
      expect(typo.status).toBe(400);
      expect(await typo.text()).toContain('<p role="status">email: expected an email address like &quot;name@example.com&quot;</p>');
      const subscribed = await fetch(`${base}/status/acme/subscribe`, form({ email: 'Reader@Example.test' }));
      expect(subscribed.status).toBe(200);
      expect(await subscribed.text()).toContain('Check your inbox');

      const confirmMail = await simpleParser((await until('the confirmation email', () => smtp.mails[0], 10_000)).raw);
      expect(confirmMail.to).toMatchObject({ text: 'reader@example.test' });
      expect(confirmMail.subject).toBe('Confirm your subscription to Acme status');
      const confirmUrl = local(linkIn(confirmMail.text!, 'confirm'))!;
      expect(confirmUrl).toBeDefined();

      // Opening the link (as a mail scanner would) confirms nothing; the button does.
      const opened = await fetch(confirmUrl);
      expect(opened.status).toBe(200);
      expect(await opened.text()).toContain('<button type="submit">Confirm</button>');
      const token = new URL(confirmUrl).searchParams.get('token')!;
      expect((await fetch(`${base}/status/acme/confirm`, form({ token: `${token.slice(0, -2)}xx` }))).status).toBe(404);
      const confirmed = await fetch(`${base}/status/acme/confirm`, form({ token }));
      expect(await confirmed.text()).toContain('You are subscribed');

      const siteId = (await core.sites.listSites({ limit: 10 })).items.find((s) => s.spec.name === 'Shop')!.id;
      const incident = await server.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: auth, payload: { siteId, title: 'Checkout errors' } });
      const update = await server.app.inject({
        method: 'POST',
        url: `/api/v1/incidents/${incident.json<{ id: number }>().id}/updates`,
        headers: auth,
        payload: { status: 'identified', body: 'The payment provider is **down**; we <script>alert(1)</script> switch over.' },
      });
      expect(update.statusCode).toBe(201);
      expect(update.json()).toMatchObject({ status: 'identified', notified: 1 });

      const news = await simpleParser((await until('the incident email', () => smtp.mails[1], 10_000)).raw);
      expect(news.subject).toBe('[Acme status] Checkout errors: Identified');
      expect(news.text).toContain('The payment provider is down; we switch over.');
      expect(news.html).toContain('<strong>down</strong>');
      expect(news.html).not.toContain('<script>');
      const header = (name: string) => news.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n\s*/g, ' ');
      expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      const unsubscribeUrl = local(/<([^>]+)>/.exec(header('list-unsubscribe') ?? '')?.[1]);
      expect(unsubscribeUrl).toMatch(/\/status\/acme\/unsubscribe\?token=/);

      // What a mail client's "Unsubscribe" button sends (RFC 8058).
      const gone = await fetch(unsubscribeUrl!, form({ 'List-Unsubscribe': 'One-Click' }));
      expect(gone.status).toBe(200);
      expect(await gone.text()).toContain('You are unsubscribed');
      expect((await fetch(unsubscribeUrl!, form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(404);

      const again = await server.app.inject({
        method: 'POST',
        url: `/api/v1/incidents/${incident.json<{ id: number }>().id}/updates`,
        headers: auth,
        payload: { template: 'Fixed' },
      });
      expect(again.json()).toMatchObject({ status: 'resolved', notified: 0, body: 'A fix is in place and **everything works** again.' });
      expect((await core.storage.db.selectFrom('incidents').select('status').executeTakeFirstOrThrow()).status).toBe('resolved');
      await new Promise((r) => setTimeout(r, 1_500));
      expect(smtp.mails).toHaveLength(2);
    });

    it('sends signed webhooks to webhook subscribers of the components an update affects, and only those', async () => {
      const page = (await server.app.inject({ url: '/api/v1/status-pages', headers: auth })).json<{ data: { id: number }[] }>().data[0]!;
      const add = (payload: object) => server.app.inject({ method: 'POST', url: `/api/v1/status-pages/${page.id}/subscribers`, headers: auth, payload });
      expect((await add({ type: 'webhook', url: hook.url, secret: SECRET, components: ['Web shop'] })).statusCode).toBe(201);
      expect((await add({ type: 'webhook', url: `${hook.url}/search`, secret: SECRET, components: ['Search'] })).statusCode).toBe(201);
      expect((await add({ type: 'webhook', url: `${hook.url}/blog`, secret: SECRET, components: ['Blog'] })).statusCode).toBe(201);
      expect((await add({ type: 'webhook', url: hook.url, secret: 'short' })).json()).toMatchObject({
        error: { message: 'secret: a webhook secret is at least 16 characters' },
      });

      const siteId = (await core.sites.listSites({ limit: 10 })).items.find((s) => s.spec.name === 'Shop')!.id;
      const incident = (await server.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: auth, payload: { siteId, title: 'Slow pages' } })).json<{
        id: number;
      }>();
      // A manual incident touches every component of its site; this update is for the page "acme".
      const posted = await server.app.inject({
        method: 'POST',
        url: `/api/v1/incidents/${incident.id}/updates`,
        headers: auth,
        payload: { status: 'investigating', body: 'Looking into it.', pages: ['acme'] },
      });
      expect(posted.json()).toMatchObject({ notified: 2 });
      const messages = await until('both webhooks', () => (hook.messages.length >= 2 ? hook.messages : undefined), 10_000);
      expect(messages.every((m) => m.signed)).toBe(true);
      expect(messages.map((m) => m.body.event)).toEqual(['status.incident.updated', 'status.incident.updated']);
      expect(messages[0]!.body).toMatchObject({ page: { slug: 'acme' }, update: { status: 'investigating', body: 'Looking into it.' } });
      await new Promise((r) => setTimeout(r, 1_500));
      expect(hook.messages.map((m) => m.headers['x-upkeep-event'])).toHaveLength(2);
      expect(
        (
          await server.app.inject({
            method: 'POST',
            url: `/api/v1/incidents/${incident.id}/updates`,
            headers: auth,
            payload: { status: 'monitoring', body: 'x', pages: ['nope'] },
          })
        ).json(),
      ).toMatchObject({
        error: { message: 'pages: no status page has the slug "nope"' },
      });
    });

    it('announces scheduled maintenance to subscribers ahead of time, then reminds them, each once', async () => {
      const before = hook.messages.length;
      const at = (ms: number) => new Date(Date.now() + ms).toISOString();
      const window = (name: string, startsIn: number) => ({ name, start: at(startsIn), end: at(startsIn + 3_600_000), monitors: ['Shop/Home'] });
      expect((await server.app.inject({ method: 'POST', url: '/api/v1/maintenance', headers: auth, payload: window('Far', 2 * 86_400_000) })).statusCode).toBe(
        201,
      );
      expect((await server.app.inject({ method: 'POST', url: '/api/v1/maintenance', headers: auth, payload: window('Soon', 30 * 60_000) })).statusCode).toBe(
        201,
      );
      const events = await until(
        'the announcement and the reminder',
        async () => {
          await server.statusPages.announcer.tick();
          const mine = hook.messages.slice(before).map((m) => `${m.body.event} ${(m.body as { maintenance?: { name: string } }).maintenance?.name}`);
          return mine.length >= 2 ? mine : undefined;
        },
        10_000,
      );
      // Only the "Web shop" subscriber hears of it: the maintenance covers its component alone.
      expect(events.sort()).toEqual(['status.maintenance.reminder Soon', 'status.maintenance.scheduled Far']);
      await server.statusPages.announcer.tick();
      await new Promise((r) => setTimeout(r, 1_500));
      expect(hook.messages.length - before).toBe(2);
    });
  });
});
