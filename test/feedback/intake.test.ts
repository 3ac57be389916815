import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { FeedbackInbox } from '../../src/feedback/inbox.service.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-test-secret-long-enough';
const SHOP = 'https://shop.example';

describe.each(dialects)('feedback intake and inbox on $dialect', ({ dialect, skip }) => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let owner: string;
  let siteId: number;
  let key: string;
  const clock = {
    offset: 0,
    now() {
      return Date.now() + this.offset;
    },
  };
  const as = () => ({ authorization: `Bearer ${owner}` });
  const token = async () => (await server.app.inject({ url: `/feedback/${key}/token`, headers: { origin: SHOP } })).json<{ token: string }>().token;
  const send = (body: object, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'POST', url: `/feedback/${key}`, headers: { origin: SHOP, 'user-agent': 'TestBrowser/1.0', ...headers }, payload: body });
  /** A report sent as a person would: the form shown, read for a few seconds (the clock moves), then sent. */
  const report = async (body: object, ip?: string) => {
    const t = await token();
    clock.offset += 4_000;
    return server.app.inject({
      method: 'POST',
      url: `/feedback/${key}`,
      headers: { origin: SHOP },
      payload: { token: t, ...body },
      ...(ip ? { remoteAddress: ip } : {}),
    });
  };

  beforeAll(async () => {
    if (skip) return;
    hook = await webhookReceiver(SECRET);
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    const loaded = config(`
incidents: { groupWait: 0s }
sites:
  - { name: Shop, url: "${SHOP}/" }
channels:
  - { name: ops, type: webhook, url: "${hook.url}", secret: ${SECRET} }
feedback:
  minFillTime: 3s
  limits: { perAddress: 1000 }
  spike: { reports: 5, window: 10m }
  channels: [ops]
statusPages:
  - { slug: shop, title: Shop status, components: [{ name: Shop, site: Shop }], reportProblem: "https://upkeep.example/feedback/abcdefghijklmnop/form" }
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config, { baseDelayMs: 50 });
    const user = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: user.id })).token;
    siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
    const widget = await server.app.inject({ method: 'PUT', url: `/api/v1/sites/${siteId}/feedback-widget`, headers: as(), payload: { origins: [SHOP] } });
    expect(widget.statusCode).toBe(200);
    key = widget.json().siteKey;
    expect(widget.json().snippet).toContain(`/feedback/${key}.js" async></script>`);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await hook?.close();
  });

  it.skipIf(skip)('takes a report with a signed token after the minimum fill time, and keeps no address', async () => {
    const t = await token();
    const early = await send({ token: t, comment: 'too fast' });
    expect(early.statusCode).toBe(400);
    expect(early.json().error.message).toMatch(/too quickly/);
    clock.offset += 4_000;
    const sent = await send({ token: t, wrong: true, rating: 2, comment: 'The checkout button does nothing', email: 'ann@visitor.test', url: `${SHOP}/cart` });
    expect(sent.statusCode).toBe(201);
    expect(sent.headers['access-control-allow-origin']).toBe(SHOP);
    expect(sent.headers['set-cookie']).toBeUndefined();
    // The same token twice is refused: each form sends once.
    expect((await send({ token: t, comment: 'again' })).json().error.message).toMatch(/sent already/);
    const forged = await send({ token: `${t.slice(0, -3)}AAA`, comment: 'forged' });
    expect(forged.json().error.details[0]).toEqual({ path: 'token', message: 'forged' });

    const inbox = (await server.app.inject({ url: `/api/v1/sites/${siteId}/feedback`, headers: as() })).json();
    expect(inbox.data).toHaveLength(1);
    expect(inbox.data[0]).toMatchObject({
      state: 'new',
      wentWrong: true,
      rating: 2,
      comment: 'The checkout button does nothing',
      email: 'ann@visitor.test',
      pageUrl: `${SHOP}/cart`,
      userAgent: 'TestBrowser/1.0',
    });
    const row = await core.storage.db
      .selectFrom('feedback' as never)
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('127.0.0.1');
  });

  it.skipIf(skip)('refuses the honeypot, foreign origins, and answers CORS only for declared ones', async () => {
    const bot = await report({ comment: 'cheap pills', website: 'http://spam.test' });
    expect(bot.statusCode).toBe(400);
    expect(bot.json().error.details[0].path).toBe('website');
    const foreign = await server.app.inject({ url: `/feedback/${key}/token`, headers: { origin: 'https://evil.test' } });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await server.app.inject({
      method: 'OPTIONS',
      url: `/feedback/${key}`,
      headers: { origin: SHOP, 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(SHOP);
    expect((await server.app.inject({ url: '/feedback/nosuchkeynosuchkey.js' })).statusCode).toBe(404);
    const inbox = (await server.app.inject({ url: `/api/v1/sites/${siteId}/feedback`, headers: as() })).json();
    expect(inbox.data.map((r: { comment: string }) => r.comment)).not.toContain('cheap pills');
  });

  it.skipIf(skip)('the plain form works without JavaScript and sets no cookie', async () => {
    const form = await server.app.inject({ url: `/feedback/${key}/form?url=${encodeURIComponent(`${SHOP}/about`)}` });
    expect(form.statusCode).toBe(200);
    expect(form.headers['content-security-policy']).toContain("default-src 'none'");
    const t = /name="token" value="([^"]+)"/.exec(form.body)![1]!;
    clock.offset += 4_000;
    const posted = await server.app.inject({
      method: 'POST',
      url: `/feedback/${key}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: t, rating: '4', comment: 'Fine, but slow', url: `${SHOP}/about`, website: '' }).toString(),
    });
    expect(posted.statusCode).toBe(201);
    expect(posted.body).toContain('Your report was sent.');
    expect(posted.headers['set-cookie']).toBeUndefined();
  });

  it.skipIf(skip)('a status page links to the form as "Report a problem"', async () => {
    const page = await server.app.inject({ url: '/status/shop' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="https://upkeep.example/feedback/abcdefghijklmnop/form">Report a problem</a>');
  });

  it.skipIf(skip)('triage: states, tags, a link to an incident of the site, filters and search', async () => {
    const list = async (query = '') => (await server.app.inject({ url: `/api/v1/sites/${siteId}/feedback${query}`, headers: as() })).json().data;
    const [slow, checkout] = await list();
    const patch = (id: number, payload: object) => server.app.inject({ method: 'PATCH', url: `/api/v1/feedback/${id}`, headers: as(), payload });
    expect((await patch(slow.id, { state: 'triaged', tags: ['performance'] })).json()).toMatchObject({ state: 'triaged', tags: ['performance'] });
    const incident = (
      await server.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: as(), payload: { siteId, title: 'Checkout broken' } })
    ).json();
    expect((await patch(checkout.id, { incidentId: incident.id })).json()).toMatchObject({ state: 'linked', incidentId: incident.id });
    expect((await patch(checkout.id, { incidentId: 999_999 })).json().error.details[0].path).toBe('incidentId');
    expect((await patch(checkout.id, { state: 'done' })).json()).toMatchObject({ state: 'done', incidentId: incident.id });
    expect((await patch(checkout.id, { state: 'bogus' })).statusCode).toBe(400);
    expect((await list('?state=triaged')).map((r: { id: number }) => r.id)).toEqual([slow.id]);
    expect((await list('?tag=performance')).map((r: { id: number }) => r.id)).toEqual([slow.id]);
    expect((await list('?q=CHECKOUT')).map((r: { id: number }) => r.id)).toEqual([checkout.id]);
    const ratings = (await server.app.inject({ url: `/api/v1/sites/${siteId}/feedback-ratings?days=7`, headers: as() })).json().data;
    expect(ratings).toHaveLength(7);
    expect(ratings.at(-1)).toMatchObject({ reports: 2, rated: 2, average: 3, wentWrong: 1 });
  });

  it.skipIf(skip)('a spike of reports suggests an incident through the channels once per window', async () => {
    for (let i = 0; i < 8; i++) expect((await report({ comment: `blank page ${i}` })).statusCode).toBe(201);
    const notice = await until('the spike notice', () => hook.messages.find((m) => m.body.event === 'notice'), 20_000);
    expect(notice.signed).toBe(true);
    expect(notice.body.incident.title).toBe('Feedback spike on Shop: maybe an incident');
    // 8 reports (and 2 before) are one spike: told once.
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.messages.filter((m) => m.body.event === 'notice')).toHaveLength(1);
    clock.offset += 11 * 60_000;
    for (let i = 0; i < 5; i++) await report({ comment: `again ${i}` });
    await until('a second notice after the window', () => hook.messages.filter((m) => m.body.event === 'notice').length === 2 || undefined, 20_000);
  });

  it.skipIf(skip)('reports past their retention are deleted', async () => {
    const inbox = new FeedbackInbox(core.storage.db, clock);
    expect(await inbox.purge(180 * 86_400_000)).toBe(0);
    clock.offset += 181 * 86_400_000;
    expect(await inbox.purge(180 * 86_400_000)).toBeGreaterThanOrEqual(15);
    expect((await server.app.inject({ url: `/api/v1/sites/${siteId}/feedback`, headers: as() })).json().data).toEqual([]);
  });
});
