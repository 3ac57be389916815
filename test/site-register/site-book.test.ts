import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

describe.each(dialects)('site register, GDPR records and planned work on $dialect', ({ dialect, skip }) => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  const tokens: Record<string, string> = {};
  const site: Record<string, number> = {};
  const api = (who: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${tokens[who]}` }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    const loaded = config(`
sites:
  - name: Shop
    url: https://shop.example.com/
    tags: [client-a]
    monitors:
      - { name: Certificate, type: tls, host: shop.example.com, paused: true }
      - { name: Domain, type: domain, domain: shop.example.com, paused: true }
  - name: Api
    tags: [client-a]
  - name: Other
    tags: [client-b]
maintenance:
  - { name: Sunday night, cron: "0 2 * * 0", duration: 2h, sites: [Shop] }
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    const owner = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    tokens.owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: owner.id })).token;
    tokens.ownerRead = (await core.accounts.createToken({ name: 'r', scope: 'read', userId: owner.id })).token;
    await api('owner', 'PUT', '/teams/Client A', { tags: ['client-a'] });
    await api('owner', 'PUT', '/teams/Client B', { tags: ['client-b'] });
    const viewerA = (
      await api('owner', 'POST', '/users', {
        email: 'v@client-a.test',
        password: 'client password 123',
        role: 'viewer',
        teams: [{ team: 'Client A', role: 'viewer' }],
      })
    ).json();
    tokens.viewerA = (await core.accounts.createToken({ name: 'va', scope: 'write', userId: viewerA.id })).token;
    const editorA = (
      await api('owner', 'POST', '/users', {
        email: 'e@client-a.test',
        password: 'client password 123',
        role: 'viewer',
        teams: [{ team: 'Client A', role: 'editor' }],
      })
    ).json();
    tokens.editorA = (await core.accounts.createToken({ name: 'ea', scope: 'write', userId: editorA.id })).token;
    for (const s of (await core.sites.listSites({ limit: 10 })).items) site[s.spec.name] = s.id;
    // What the site's tls and domain checks last found (the engine writes these rows; the monitors are paused here).
    const monitors = (await core.sites.listMonitors({ limit: 10, siteId: site.Shop })).items;
    const at = Date.now();
    for (const [name, detail] of [
      ['Certificate', { validTo: '2027-02-03T12:00:00.000Z', daysLeft: 60 }],
      ['Domain', { expiresAt: '2028-05-06T00:00:00.000Z', daysLeft: 500 }],
    ] as const) {
      const monitor = monitors.find((m) => m.spec.name === name)!;
      await core.storage.db
        .insertInto('check_results')
        .values({
          monitor_id: monitor.id,
          at,
          status: 1,
          duration_ms: 5,
          dns_ms: null,
          connect_ms: null,
          tls_ms: null,
          ttfb_ms: null,
          transfer_ms: null,
          status_code: null,
          message: 'ok',
          detail: JSON.stringify(detail),
        })
        .execute();
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  it.skipIf(skip)('keeps the register, seals credential locations, fills expiry from checks, and gives incidents the contacts', async () => {
    const register = {
      vendors: [
        { role: 'hosting', name: 'Hetzner', support: { email: 'support@hetzner.example', phone: '+49 1' }, contractEnds: '2027-12-31' },
        { role: 'registrar', name: 'Gandi', renewsOn: '2028-05-01' },
      ],
      people: [
        { role: 'owner', name: 'Ann Owner', email: 'ann@agency.test' },
        { role: 'client', name: 'Carl Client', phone: '+46 70' },
      ],
      dependsOn: [site.Api],
      credentials: [{ label: 'Hosting panel', location: 'vault://kv/shop/hetzner-panel' }],
    };
    const put = await api('owner', 'PUT', `/sites/${site.Shop}/register`, register);
    expect(put.statusCode, put.body).toBe(200);
    const got = await api('owner', 'GET', `/sites/${site.Shop}/register`);
    expect(got.json()).toMatchObject({
      dependsOn: [{ id: site.Api, name: 'Api' }],
      credentials: [{ label: 'Hosting panel', location: '********' }],
      expiry: { certificate: { date: '2027-02-03', monitor: 'Certificate' }, domain: { date: '2028-05-06', monitor: 'Domain' } },
    });
    expect(got.body).not.toContain('vault://');
    const raw = await core.storage.db
      .selectFrom('site_registers' as 'sites')
      .selectAll()
      .execute();
    expect(JSON.stringify(raw)).not.toContain('vault://');
    // Writing back what was read keeps the sealed location; a new label needs its location.
    const back = got.json();
    const kept = await api('owner', 'PUT', `/sites/${site.Shop}/register`, { ...register, credentials: back.credentials });
    expect(kept.statusCode).toBe(200);
    const missing = await api('owner', 'PUT', `/sites/${site.Shop}/register`, { ...register, credentials: [{ label: 'FTP', location: '********' }] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details[0].path).toBe('credentials[0].location');
    const bad = await api('owner', 'PUT', `/sites/${site.Shop}/register`, { vendors: [{ role: 'hosting', name: 'X', support: { email: 'not-mail' } }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('vendors[0].support.email');

    const incident = (await api('owner', 'POST', '/incidents', { siteId: site.Shop, title: 'Shop is down' })).json();
    const contacts = await api('owner', 'GET', `/incidents/${incident.id}/contacts`);
    expect(contacts.json().people.map((p: { name: string }) => p.name)).toEqual(['Ann Owner', 'Carl Client']);
    expect(contacts.json().vendors[0]).toMatchObject({ name: 'Hetzner', support: { phone: '+49 1' } });
  });

  it.skipIf(skip)(
    'GDPR records: a processor outside the EU/EEA without an agreement opens one task, the export is escaped, and a yearly review routine is made',
    async () => {
      const records = {
        controller: { name: 'Shop AB', contact: 'privacy@shop.example.com' },
        purposes: [{ name: 'Orders <b>', legalBasis: 'contract', dataCategories: ['name', 'address'], subjects: ['customers'] }],
        processors: [
          { name: 'Mailer <script>x</script>', country: 'us', dpa: 'none' },
          { name: 'Host EU', country: 'DE', dpa: 'signed' },
        ],
      };
      const put = await api('owner', 'PUT', `/sites/${site.Shop}/privacy-records`, records);
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().tasks).toEqual([expect.objectContaining({ kind: 'processor-outside-eea', subject: 'Mailer <script>x</script>', state: 'open' })]);
      // The same records again open no second task.
      expect((await api('owner', 'PUT', `/sites/${site.Shop}/privacy-records`, records)).json().tasks).toHaveLength(1);
      const routines = (await api('owner', 'GET', `/sites/${site.Shop}/routines`)).json().data;
      expect(routines.map((r: { name: string }) => r.name)).toContain('GDPR records review');

      const doc = await api('owner', 'GET', `/sites/${site.Shop}/privacy-records/export`);
      expect(doc.headers['content-type']).toMatch(/^text\/html/);
      expect(doc.body).toContain('Records of processing activities');
      expect(doc.body).toContain('Mailer &lt;script&gt;x&lt;&#x2F;script&gt;');
      expect(doc.body).not.toContain('<script>');
      expect(doc.body).toContain('(outside the EU/EEA)');

      const task = put.json().tasks[0];
      const done = await api('owner', 'POST', `/privacy-tasks/${task.id}/done`);
      expect(done.json()).toMatchObject({ state: 'done', doneBy: expect.stringContaining('owner@agency.test') });
      expect((await api('owner', 'GET', `/sites/${site.Shop}/privacy-records`)).json().tasks).toEqual([]);
      const reviewed = await api('owner', 'POST', `/sites/${site.Shop}/privacy-records/review`);
      expect(reviewed.json().reviewedAt).not.toBeNull();
      expect(reviewed.json().processors).toHaveLength(2);
    },
  );

  it.skipIf(skip)('planned work per site, linked to a maintenance window', async () => {
    const window = (await api('owner', 'GET', '/maintenance')).json().data[0];
    const made = await api('owner', 'POST', `/sites/${site.Shop}/planned-work`, {
      title: 'PHP 8.4',
      kind: 'upgrade',
      targetDate: '2027-01-10',
      maintenanceId: window.id,
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ state: 'planned', maintenance: { id: window.id, name: 'Sunday night' } });
    await api('owner', 'POST', `/sites/${site.Shop}/planned-work`, { title: 'New theme', kind: 'redesign', targetDate: '2026-12-20' });
    const list = (await api('owner', 'GET', `/sites/${site.Shop}/planned-work`)).json().data;
    expect(list.map((p: { title: string }) => p.title)).toEqual(['New theme', 'PHP 8.4']);
    const moved = await api('owner', 'PUT', `/planned-work/${made.json().id}`, {
      title: 'PHP 8.4',
      kind: 'upgrade',
      targetDate: '2027-02-01',
      state: 'in-progress',
    });
    expect(moved.json()).toMatchObject({ state: 'in-progress', targetDate: '2027-02-01', maintenance: null });
    const noWindow = await api('owner', 'POST', `/sites/${site.Shop}/planned-work`, {
      title: 'X',
      kind: 'other',
      targetDate: '2027-01-01',
      maintenanceId: 999,
    });
    expect(noWindow.statusCode).toBe(400);
    expect(noWindow.json().error.details[0].path).toBe('maintenanceId');
    expect(
      (await api('owner', 'POST', `/sites/${site.Shop}/planned-work`, { title: 'X', kind: 'other', targetDate: '1 Jan' })).json().error.details[0].path,
    ).toBe('targetDate');
  });

  it.skipIf(skip)(
    'a client’s editor cannot name the instance’s maintenance windows in planned work (they cannot list them), only keep the one an item has',
    async () => {
      const made = await api('owner', 'POST', '/maintenance', { name: 'Client B relaunch', cron: '0 3 * * 6', duration: '2h', sites: ['Other'] });
      expect(made.statusCode, made.body).toBe(201);
      const theirs = await api('editorA', 'POST', `/sites/${site.Shop}/planned-work`, {
        title: 'Peek',
        kind: 'other',
        targetDate: '2027-03-01',
        maintenanceId: made.json().id,
      });
      expect(theirs.statusCode).toBe(400);
      expect(theirs.body).not.toContain('Client B relaunch');
      // The same answer as for a window that does not exist: ids tell nothing.
      const none = await api('editorA', 'POST', `/sites/${site.Shop}/planned-work`, {
        title: 'Peek',
        kind: 'other',
        targetDate: '2027-03-01',
        maintenanceId: 999,
      });
      expect(theirs.json().error.message.replace(String(made.json().id), 'N')).toBe(none.json().error.message.replace('999', 'N'));
      // An item the agency put in a window keeps it when the client's editor saves what they read.
      const window = (await api('owner', 'GET', '/maintenance')).json().data.find((w: { name: string }) => w.name === 'Sunday night');
      const placed = (
        await api('owner', 'POST', `/sites/${site.Shop}/planned-work`, { title: 'Cache', kind: 'upgrade', targetDate: '2027-03-02', maintenanceId: window.id })
      ).json();
      const kept = await api('editorA', 'PUT', `/planned-work/${placed.id}`, {
        title: 'Cache',
        kind: 'upgrade',
        targetDate: '2027-03-09',
        maintenanceId: window.id,
      });
      expect(kept.statusCode, kept.body).toBe(200);
      expect(kept.json().maintenance).toEqual({ id: window.id, name: 'Sunday night' });
      await api('owner', 'DELETE', `/maintenance/${made.json().id}`);
    },
  );

  it.skipIf(skip)('a client-team viewer sees only their sites’ register, records and planned work, and changes none; a read token writes nothing', async () => {
    await api('owner', 'PUT', `/sites/${site.Other}/register`, { people: [{ role: 'client', name: 'Bea of B' }] });
    await api('owner', 'PUT', `/sites/${site.Other}/privacy-records`, { processors: [{ name: 'B Mailer', country: 'US', dpa: 'none' }] });
    for (const path of ['register', 'privacy-records', 'privacy-records/export', 'planned-work']) {
      const own = await api('viewerA', 'GET', `/sites/${site.Shop}/${path}`);
      expect(own.statusCode, path).toBe(200);
      const other = await api('viewerA', 'GET', `/sites/${site.Other}/${path}`);
      expect(other.statusCode, path).toBe(404);
      expect(other.body).not.toContain('Bea of B');
    }
    expect((await api('viewerA', 'GET', `/sites/${site.Shop}/register`)).json().people[0].name).toBe('Ann Owner');
    expect((await api('viewerA', 'PUT', `/sites/${site.Shop}/register`, { people: [] })).statusCode).toBe(403);
    expect((await api('viewerA', 'PUT', `/sites/${site.Shop}/privacy-records`, {})).statusCode).toBe(403);
    expect((await api('ownerRead', 'PUT', `/sites/${site.Shop}/register`, { people: [] })).statusCode).toBe(403);
    // A client's editor saves what they read: the dependency on a site out of their reach (never shown to them) is kept.
    await api('owner', 'PUT', `/sites/${site.Api}/register`, { dependsOn: [site.Shop, site.Other], notes: 'agency' });
    const read = (await api('editorA', 'GET', `/sites/${site.Api}/register`)).json();
    expect(read.dependsOn).toEqual([{ id: site.Shop, name: 'Shop' }]);
    const saved = await api('editorA', 'PUT', `/sites/${site.Api}/register`, { dependsOn: read.dependsOn.map((d: { id: number }) => d.id), notes: 'client' });
    expect(saved.statusCode, saved.body).toBe(200);
    const afterwards = (await api('owner', 'GET', `/sites/${site.Api}/register`)).json();
    expect(afterwards).toMatchObject({ notes: 'client', dependsOn: [{ name: 'Shop' }, { name: 'Other' }] });
    // A register may name only sites its writer can see.
    const outside = await api('owner', 'PUT', `/sites/${site.Shop}/register`, { dependsOn: [999_999] });
    expect(outside.statusCode).toBe(404);
    const otherTask = (await api('owner', 'GET', `/sites/${site.Other}/privacy-records`)).json().tasks[0];
    expect([403, 404]).toContain((await api('viewerA', 'POST', `/privacy-tasks/${otherTask.id}/done`)).statusCode);
    expect((await api('owner', 'GET', `/sites/${site.Other}/privacy-records`)).json().tasks).toHaveLength(1);
  });
});
