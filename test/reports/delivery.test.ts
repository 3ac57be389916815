import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { ArchiveRepository } from '../../src/reports/archive.repository.js';
import { lastMonth } from '../../src/reports/reports.service.js';
import { chromiumSkipReason } from '../support/browser.js';
import { testClock } from '../support/clock.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { smtpReceiver, until } from '../support/receivers.js';

const MINUTE = 60_000;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the month before, in the time zone', () => {
  it('is the previous calendar month there, with the day of the month', () => {
    // 23:30 UTC on 30 November is 1 December in Stockholm: November's report, on day 1.
    expect(lastMonth(Date.parse('2026-11-30T23:30:00Z'), 'Europe/Stockholm')).toEqual({ month: '2026-11', day: 1 });
    expect(lastMonth(Date.parse('2026-11-30T23:30:00Z'), 'UTC')).toEqual({ month: '2026-10', day: 30 });
    expect(lastMonth(Date.parse('2027-01-03T08:00:00Z'), 'UTC')).toEqual({ month: '2026-12', day: 3 });
  });
});

/**
 * A team's report scheduled in upkeep.yaml for the 3rd, in Swedish: on the 3rd it is made, printed,
 * archived and emailed with the PDF attached to the contact's email channel through a real SMTP
 * server; once only; and the archive lists it to those who may see the site, and to nobody else.
 */
describe.each(dialects)('scheduled reports on $dialect', ({ dialect, skip }) => {
  if (skip || chromiumSkipReason) {
    it.skip(skip ?? chromiumSkipReason!, () => {});
    return;
  }
  const clock = testClock(Date.parse('2026-12-02T12:00:00Z'));
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
  let owner: string;
  let clientB: string;

  beforeAll(async () => {
    smtp = await smtpReceiver();
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    const loaded = config(`
sites:
  - name: Shop
    tags: [client-a]
    monitors: [{ name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }]
  - name: Other
    tags: [client-b]
channels:
  - { name: Client A mail, type: email, to: [boss@client-a.test, it@client-a.test], from: reports@agency.test, smtp: { host: 127.0.0.1, port: ${smtp.port}, security: none } }
contacts:
  - { name: Client A contacts, channels: [Client A mail] }
reports:
  - name: Client A monthly
    team: Client A
    day: 3
    timezone: Europe/Stockholm
    language: sv
    to: [Client A contacts]
    brand: { agency: Acme Web, accent: "#1d4ed8" }
`);
    await core.sync.apply(loaded, { dryRun: false });
    await core.users.putTeam('Client A', { tags: ['client-a'] });
    await core.users.putTeam('Client B', { tags: ['client-b'] });
    const site = (await core.sites.listSites({ limit: 10, search: 'Shop' })).items[0]!;
    const monitor = (await core.sites.listMonitors({ limit: 10, siteId: site.id })).items[0]!;
    // Some of November's checks, one in ten down.
    const store = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 90 * 86_400_000, rollupGraceMs: 0 });
    await store.start();
    const from = Date.parse('2026-11-10T00:00:00Z');
    for (let i = 0; i < 200; i++)
      store.record({ monitorId: monitor.id, at: from + i * 10 * MINUTE, status: i % 10 === 0 ? 'down' : 'up', message: 'x' }, undefined, []);
    await store.stop();
    server = await testRuntime(core, loaded.config, { baseDelayMs: 200 });
    const ownerUser = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: ownerUser.id })).token;
    const b = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as(owner),
      payload: { email: 'b@client-b.test', password: 'client password 123', role: 'viewer', teams: [{ team: 'Client B', role: 'editor' }] },
    });
    clientB = (await core.accounts.createToken({ name: 'b', scope: 'write', userId: b.json().id })).token;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await smtp?.close();
  });

  it('sends on its day the PDF by email to the contacts, once, and keeps it in the archive', { timeout: 180_000 }, async () => {
    // The 2nd: not yet.
    expect(await server.reports.service.sendDue()).toEqual([]);
    // 3 December, 00:30 in Stockholm (23:30 UTC on the 2nd): November's report is due.
    clock.t = Date.parse('2026-12-02T23:30:00Z');
    const [id] = await server.reports.service.sendDue();
    expect(id).toBeGreaterThan(0);
    const mail = await until('the report email', () => smtp.mails[0], 30_000);
    expect(mail.to.sort()).toEqual(['boss@client-a.test', 'it@client-a.test']);
    expect(mail.from).toBe('reports@agency.test');
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toBe('Client A: månadsrapport för november 2026');
    expect(parsed.text).toContain('Månadsrapporten för Client A för november 2026 finns bifogad (PDF).');
    expect(parsed.attachments).toHaveLength(1);
    const [pdf] = parsed.attachments;
    expect(pdf!.contentType).toBe('application/pdf');
    expect(pdf!.filename).toBe('Client-A-2026-11.pdf');
    expect(pdf!.content.subarray(0, 5).toString()).toBe('%PDF-');

    // Once: a later look that day sends nothing more.
    clock.t += 3_600_000;
    expect(await server.reports.service.sendDue()).toEqual([]);
    expect(smtp.mails).toHaveLength(1);

    // The archive: the owner lists and downloads it as it went out; client B's member neither sees nor downloads it.
    const list = await server.app.inject({ url: '/api/v1/reports', headers: as(owner) });
    expect(list.json().data).toEqual([
      expect.objectContaining({
        id,
        schedule: 'Client A monthly',
        title: 'Client A',
        month: '2026-11',
        language: 'sv',
        recipients: 'boss@client-a.test, it@client-a.test',
      }),
    ]);
    const download = await server.app.inject({ url: `/api/v1/reports/${id}/pdf`, headers: as(owner) });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.rawPayload.equals(pdf!.content)).toBe(true);
    const html = await server.app.inject({ url: `/api/v1/reports/${id}/html`, headers: as(owner) });
    expect(html.body).toContain('Månadsrapport: Client A');
    expect(html.body).toContain('Framtagen av Acme Web');
    expect(html.body).not.toContain('Other');
    expect((await server.app.inject({ url: '/api/v1/reports', headers: as(clientB) })).json().data).toEqual([]);
    expect((await server.app.inject({ url: `/api/v1/reports/${id}/pdf`, headers: as(clientB) })).statusCode).toBe(404);
  });

  it('shows a report that covers no site (a team without sites yet) to instance-wide accounts only', async () => {
    const row = { schedule: null, title: 'Client C', month: '2026-11', language: 'en', html: '<p>Client C</p>', pdf: '', recipients: 'boss@client-c.test' };
    const id = await new ArchiveRepository(core.storage.db).insert({ ...row, created_at: clock.now() }, []);
    const ids = async (token: string) => (await server.app.inject({ url: '/api/v1/reports', headers: as(token) })).json().data.map((r: { id: number }) => r.id);
    expect(await ids(owner)).toContain(id);
    expect(await ids(clientB)).toEqual([]);
    expect((await server.app.inject({ url: `/api/v1/reports/${id}/html`, headers: as(clientB) })).statusCode).toBe(404);
  });

  it('takes schedules in the API too, refusing what is wrong by name', async () => {
    const bad = await server.app.inject({
      method: 'POST',
      url: '/api/v1/report-schedules',
      headers: as(owner),
      payload: { name: 'Shop', site: 'Shop', day: 31, language: 'fi', to: [], brand: { agency: 'Acme', accent: '#ffff00' } },
    });
    expect(bad.statusCode).toBe(400);
    const messages = (bad.json().error.details as { path: string; message: string }[]).map((d) => `${d.path}: ${d.message}`).join('\n');
    expect(messages).toMatch(/day/);
    expect(messages).toMatch(/language/);
    expect(messages).toContain('a report needs at least one recipient in "to"');
    expect(messages).toContain('colour #ffff00 is too light to read on white');
    const made = await server.app.inject({
      method: 'POST',
      url: '/api/v1/report-schedules',
      headers: as(owner),
      payload: { name: 'Shop', site: 'Shop', day: 5, to: ['Client A mail'] },
    });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ name: 'Shop', site: 'Shop', day: 5, language: 'en', timezone: 'UTC', managedBy: 'api' });
    expect((await server.app.inject({ url: '/api/v1/report-schedules', headers: as(clientB) })).statusCode).toBe(403);
  });
});
