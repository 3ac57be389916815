import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import { AppError } from '../../src/lib/errors.js';
import { Subscriptions } from '../../src/status-pages/subscriptions.js';
import { withStatusTables } from '../../src/status-pages/tables.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { smtpReceiver, until } from '../support/receivers.js';

const PASSWORD = 'staff only, please';
const PUBLIC_HOST = 'upkeep.agency.test';

/**
 * What an attacker tries against status pages: guessing a page's password through HTTP Basic auth
 * on its feeds and JSON, taking the instance's own host as a page's domain, subscribing with a
 * forged Host header, and reaching a page's confirm and unsubscribe links from outside its address list.
 */
let db: TestDatabase;
let core: Core;
let server: TestApp;
let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
let auth: { authorization: string };
let parsed: Config;

const privatePage = (slug: string) => `
  - slug: ${slug}
    title: ${slug}
    access: { password: "${PASSWORD}" }
    components: [{ name: Shop, site: Shop }]`;

beforeAll(async () => {
  smtp = await smtpReceiver();
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  const loaded = config(`
email:
  from: status@agency.test
  smtp: { host: 127.0.0.1, port: ${smtp.port}, security: none }
sites: [{ name: Shop }]
statusPages:${privatePage('guess-a')}${privatePage('guess-b')}${privatePage('guess-six')}${privatePage('guess-spread')}
  - slug: office
    title: Office
    access: { allowIps: ["10.0.0.0/8"] }
    components: [{ name: Shop, site: Shop }]
  - slug: open
    title: Open
    components: [{ name: Shop, site: Shop }]
`);
  await core.sync.apply(loaded, { dryRun: false });
  parsed = loaded.config;
  server = await testRuntime(core, parsed);
  auth = { authorization: `Bearer ${(await core.accounts.createToken({ name: 't', scope: 'write' })).token}` };
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
  await smtp?.close();
});

const basic = (password: string) => `Basic ${Buffer.from(`reader:${password}`).toString('base64')}`;
const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => server.app.inject({ url, headers, remoteAddress });
const login = (slug: string, password: string, remoteAddress = '127.0.0.1') =>
  server.app.inject({
    method: 'POST',
    url: `/status/${slug}/login`,
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ password }).toString(),
  });

describe('guessing a status page password', () => {
  it('throttles HTTP Basic auth on the JSON and feeds like the login form: 429 with Retry-After, the right password included', async () => {
    expect((await get('/status/guess-a/summary.json', { authorization: basic(PASSWORD) })).statusCode).toBe(200);
    for (let i = 0; i < 10; i++) {
      const path = ['/summary.json', '/rss', '/atom', '/maintenance.ics', '/embed.json'][i % 5]!;
      expect((await get(`/status/guess-a${path}`, { authorization: basic(`guess ${i}`) })).statusCode, path).toBe(401);
    }
    const refused = await get('/status/guess-a/summary.json', { authorization: basic(PASSWORD) });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/too many wrong passwords/) as unknown } });
    expect((await get('/status/guess-a/rss', { authorization: basic(PASSWORD) })).statusCode).toBe(429);
    // One throttle, whichever way the password comes: the form is refused too, and shows the prompt again.
    const form = await login('guess-a', PASSWORD);
    expect(form.statusCode).toBe(429);
    expect(form.headers['retry-after']).toBeDefined();
    // Another page, and another client of this page, are not held up.
    expect((await get('/status/guess-b/summary.json', { authorization: basic(PASSWORD) })).statusCode).toBe(200);
    expect((await get('/status/guess-a/summary.json', { authorization: basic(PASSWORD) }, '192.0.2.7')).statusCode).toBe(200);
  });

  it('counts the form and Basic auth together, and an IPv6 client by its /64', async () => {
    for (let i = 0; i < 5; i++) expect((await login('guess-six', `guess ${i}`, `2001:db8:1:2::${i + 1}`)).statusCode).toBe(401);
    for (let i = 5; i < 10; i++)
      expect((await get('/status/guess-six/atom', { authorization: basic(`guess ${i}`) }, `2001:db8:1:2::${i + 1}`)).statusCode).toBe(401);
    expect((await get('/status/guess-six/atom', { authorization: basic(PASSWORD) }, '2001:db8:1:2:ffff::1')).statusCode).toBe(429);
    expect((await get('/status/guess-six/atom', { authorization: basic(PASSWORD) }, '2001:db8:1:3::1')).statusCode).toBe(200);
  });

  it('has a ceiling per page for guesses spread over many addresses; a visitor already logged in is not held up', async () => {
    const ok = await login('guess-spread', PASSWORD, '198.51.100.250');
    const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
    for (let i = 0; i < 100; i++)
      expect((await get('/status/guess-spread/summary.json', { authorization: basic(`guess ${i}`) }, `203.0.113.${i}`)).statusCode).toBe(401);
    expect((await get('/status/guess-spread/summary.json', { authorization: basic(PASSWORD) }, '198.51.100.1')).statusCode).toBe(429);
    expect((await get('/status/guess-spread/summary.json', { cookie }, '198.51.100.1')).statusCode).toBe(200);
  });
});

describe("the instance's own host as a page's domain", () => {
  const create = (domains: string[], headers: Record<string, string> = {}) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/status-pages',
      headers: { ...auth, ...headers },
      payload: { slug: `p-${Math.random().toString(36).slice(2, 8)}`, title: 'P', domains, components: [{ name: 'Shop', site: 'Shop' }] },
    });

  it('refuses the public URL’s host, the host the dashboard is used at and loopback names with 409, in the API', async () => {
    // Made before the instance had a public URL: a page claiming what is now the instance's own host.
    expect((await create([PUBLIC_HOST])).statusCode).toBe(201);
    const withPublicUrl = await testRuntime(core, { ...parsed, server: { ...parsed.server, publicUrl: `https://${PUBLIC_HOST}` } });
    try {
      const inject = (domains: string[], headers: Record<string, string> = {}) =>
        withPublicUrl.app.inject({
          method: 'POST',
          url: '/api/v1/status-pages',
          headers: { ...auth, ...headers },
          payload: {
            slug: `p-${domains.join('-').replace(/[^a-z0-9]/gi, '')}`.toLowerCase().slice(0, 60),
            title: 'P',
            domains,
            components: [{ name: 'Shop', site: 'Shop' }],
          },
        });
      for (const domain of [PUBLIC_HOST, 'UPKEEP.Agency.test.']) {
        const res = await inject(['status.client.test', domain]);
        expect(res.statusCode, domain).toBe(409);
        expect(res.json(), domain).toMatchObject({
          error: {
            code: 'conflict',
            message: `domains[1]: the domain "${domain}" is this Upkeep server's own address (server.publicUrl): a status page there would hide the dashboard, the API, heartbeat pings (/ping) and acknowledge links (/ack)`,
          },
        });
      }
      // PATCH cannot sneak it in either.
      const made = await inject(['status.client.test']);
      expect(made.statusCode).toBe(201);
      const patched = await withPublicUrl.app.inject({
        method: 'PATCH',
        url: `/api/v1/status-pages/${made.json<{ id: number }>().id}`,
        headers: auth,
        payload: { domains: ['status.client.test', PUBLIC_HOST] },
      });
      expect(patched.statusCode).toBe(409);
      // The stored squatter does not shadow the instance: its API and heartbeat pings answer on the public host.
      expect((await withPublicUrl.app.inject({ url: '/api/v1/session/providers', headers: { host: PUBLIC_HOST } })).statusCode).toBe(200);
      expect((await withPublicUrl.app.inject({ url: '/ping/no-such-key', headers: { host: PUBLIC_HOST } })).body).toBe(
        'not found: no heartbeat has this ping key\n',
      );
    } finally {
      await withPublicUrl.close();
    }
    for (const domain of ['localhost', 'app.localhost', '127.0.0.1', '0.0.0.0']) expect((await create([domain])).statusCode, domain).toBe(409);
    const here = await create(['dash.agency.internal'], { host: 'dash.agency.internal:8080' });
    expect(here.statusCode).toBe(409);
    expect(here.json<{ error: { message: string } }>().error.message).toContain('is the address this Upkeep server is being used at');
    expect((await create(['status.other-client.test'], { host: 'dash.agency.internal:8080' })).statusCode).toBe(201);
  });

  it('refuses it in upkeep.yaml with the field that is wrong', () => {
    let error: unknown;
    try {
      config(`
server: { publicUrl: "https://${PUBLIC_HOST}/" }
sites: [{ name: Shop }]
statusPages:
  - { slug: a, title: A, domains: [status.a.test, "${PUBLIC_HOST}"], components: [{ name: Shop, site: Shop }] }
  - { slug: b, title: B, domains: [localhost], components: [{ name: Shop, site: Shop }] }
`);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    const text = (error as AppError).details.map((d) => `${d.path} ${d.message}`).join('\n');
    expect(text).toMatch(/statusPages\[0\]\.domains\[1\].*the domain "upkeep\.agency\.test" is this Upkeep server's own address \(server\.publicUrl\)/);
    expect(text).toMatch(/statusPages\[1\]\.domains\[0\].*the domain "localhost" is this machine itself/);
  });
});

describe('links in subscriber emails and the links themselves', () => {
  const subscribe = (slug: string, email: string, host: string, remoteAddress = '127.0.0.1') =>
    server.app.inject({
      method: 'POST',
      url: `/status/${slug}/subscribe`,
      remoteAddress,
      headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email }).toString(),
    });
  const mailTo = async (address: string) =>
    simpleParser((await until(`mail to ${address}`, () => smtp.mails.find((m) => m.raw.includes(address)), 10_000)).raw);

  it('never take their host from the request: a forged Host header gets the configured address', async () => {
    expect((await subscribe('open', 'victim@example.test', 'evil.example')).statusCode).toBe(200);
    const mail = await mailTo('victim@example.test');
    expect(mail.text).not.toContain('evil.example');
    expect(mail.html).not.toContain('evil.example');
    expect(mail.text).toMatch(/http:\/\/127\.0\.0\.1:3000\/status\/open\/confirm\?token=\d+\.[\w-]+/);
  });

  it("check confirm and unsubscribe links against the page's address list; a genuine unsubscribe link works from anywhere", async () => {
    const linkRequest = (slug: string, path: string, method: 'GET' | 'POST', token: string) =>
      method === 'GET'
        ? server.app.inject({ url: `/status/${slug}${path}?token=${token}` })
        : server.app.inject({
            method,
            url: `/status/${slug}${path}`,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({ token }).toString(),
          });
    const madeUp = `1.${'A'.repeat(43)}`;
    const nowhere = async (path: string, method: 'GET' | 'POST') =>
      (await linkRequest('nowhere', path, method, madeUp)).json<{ error: { message: string } }>().error.message;
    const outside = (path: string, method: 'GET' | 'POST' = 'GET', token = madeUp) => linkRequest('office', path, method, token);
    // Made-up links from outside the list learn nothing: the answer is that of a page that does not exist.
    for (const path of ['/confirm', '/unsubscribe']) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await outside(path, method);
        expect(res.statusCode, `${method} ${path}`).toBe(404);
        expect(res.json<{ error: { message: string } }>().error.message, `${method} ${path}`).toBe(await nowhere(path, method));
        expect(res.body).not.toContain('Office');
      }
    }

    expect((await subscribe('office', 'staff@example.test', 'localhost', '10.1.2.3')).statusCode).toBe(200);
    const confirmToken = /\/status\/office\/confirm\?token=([\w.-]+)/.exec((await mailTo('staff@example.test')).text!)![1]!;
    // Confirming starts mail about the page: only from inside the list.
    expect((await outside('/confirm', 'POST', confirmToken)).statusCode).toBe(404);
    const inside = await server.app.inject({
      method: 'POST',
      url: '/status/office/confirm',
      remoteAddress: '10.1.2.3',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: confirmToken }).toString(),
    });
    expect(inside.statusCode).toBe(200);
    // Unsubscribing only ends the subscription its token names: it works from wherever mail is read.
    const sub = await withStatusTables(core.storage.db)
      .selectFrom('status_subscribers')
      .selectAll()
      .where('address', '=', 'staff@example.test')
      .executeTakeFirstOrThrow();
    const unsubscribeToken = new Subscriptions(core.storage.db, core.secrets, core.clock, () => undefined).token('unsubscribe', sub);
    expect((await outside('/unsubscribe', 'GET', unsubscribeToken)).statusCode).toBe(200);
    const gone = await outside('/unsubscribe', 'POST', unsubscribeToken);
    expect(gone.statusCode).toBe(200);
    expect(gone.body).toContain('You are unsubscribed');
    expect(await withStatusTables(core.storage.db).selectFrom('status_subscribers').select('id').where('id', '=', sub.id).executeTakeFirst()).toBeUndefined();
  });
});
