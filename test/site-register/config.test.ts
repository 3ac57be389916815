import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { formatPlan } from '../../src/config/apply.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

const env = { UPKEEP_WEBHOOK_SECRET: 'a-test-secret-long-enough', HOSTING_VAULT: 'vault://kv/shop/hetzner' };
const FILE = `
sites:
  - { name: Shop, url: "https://shop.example/" }
  - { name: Payments }
maintenance:
  - { name: Night, cron: "0 2 * * 0", duration: 1h, sites: [Shop] }
registers:
  - site: Shop
    vendors:
      - { role: hosting, name: Hetzner, support: { email: support@hetzner.example }, contractEnds: "2027-12-31" }
    people: [{ role: owner, name: Ann, email: ann@agency.example }]
    dependsOn: [Payments]
    credentials:
      - { label: Hosting panel, location: "\${HOSTING_VAULT}" }
      - { label: DNS, location: "vault://kv/shop/dns" }
privacyRecords:
  - site: Shop
    controller: { name: Shop AB }
    purposes: [{ name: Orders, legalBasis: contract, dataCategories: [email address] }]
    processors: [{ name: Mailer, country: US, dpa: none }]
plannedWork:
  - { site: Shop, title: Move to PHP 8.4, kind: upgrade, targetDate: "2027-03-01", maintenance: Night }
feedbackWidgets:
  - { site: Shop, origins: ["https://shop.example/"] }
`;
const paperwork = ['register', 'privacy-records', 'planned-work', 'feedback-widget'];

describe.each(dialects)('a site’s paperwork in upkeep.yaml on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let token: string;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    server = await testServer(core);
    token = (await core.accounts.createToken({ name: 'w', scope: 'write' })).token;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });
  const api = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

  it('applies the register, GDPR records, planned work and widget with a plan, owns them, and applies again as no change', async () => {
    const loaded = config(FILE, env);
    const dry = await core.sync.apply(loaded, { dryRun: true });
    const printed = formatPlan(dry, true);
    expect(printed).toContain('+ register "Shop"');
    expect(printed).toContain('+ privacy-records "Shop"');
    expect(printed).toContain('+ planned-work "Shop/Move to PHP 8.4"');
    expect(printed).toContain('+ feedback-widget "Shop"');
    await core.sync.apply(loaded, { dryRun: false });
    const again = await core.sync.apply(loaded, { dryRun: true });
    expect(again.items.filter((i) => paperwork.includes(i.kind))).toEqual([]);

    const shop = (await core.sites.listSites({ limit: 10, search: 'Shop' })).items[0]!;
    const register = (await api('GET', `/sites/${shop.id}/register`)).json();
    expect(register).toMatchObject({ managedBy: 'config', dependsOn: [{ name: 'Payments' }] });
    expect(register.credentials).toEqual([
      { label: 'Hosting panel', location: '********' },
      { label: 'DNS', location: '********' },
    ]);
    expect(JSON.stringify(register)).not.toContain('vault://');
    const records = (await api('GET', `/sites/${shop.id}/privacy-records`)).json();
    expect(records).toMatchObject({ managedBy: 'config', controller: { name: 'Shop AB' } });
    // A processor outside the EU/EEA without an agreement opens its task from the file as from the API.
    expect(records.tasks.map((t: { kind: string; subject: string }) => `${t.kind} ${t.subject}`)).toEqual(['processor-outside-eea Mailer']);
    const planned = (await api('GET', `/sites/${shop.id}/planned-work`)).json().data;
    expect(planned).toMatchObject([{ title: 'Move to PHP 8.4', managedBy: 'config', maintenance: { name: 'Night' } }]);
    const widget = (await api('GET', `/sites/${shop.id}/feedback-widget`)).json();
    expect(widget).toMatchObject({ origins: ['https://shop.example'], managedBy: 'config' });

    // What the file owns changes only there.
    expect((await api('PUT', `/sites/${shop.id}/register`, { notes: 'x' })).statusCode).toBe(409);
    expect((await api('PUT', `/sites/${shop.id}/privacy-records`, {})).statusCode).toBe(409);
    expect((await api('DELETE', `/planned-work/${planned[0].id}`)).statusCode).toBe(409);
    expect((await api('PUT', `/sites/${shop.id}/feedback-widget`, { origins: [] })).statusCode).toBe(409);

    // A changed origin keeps the widget's key (the snippet on the pages stays good) and is shown in the plan.
    const moved = config(FILE.replace('origins: ["https://shop.example/"]', 'origins: ["https://www.shop.example"]'), env);
    expect(formatPlan(await core.sync.apply(moved, { dryRun: false }), false)).toMatch(
      /~ feedback-widget "Shop"\n {6}origins\.0: "https:\/\/shop\.example" → "https:\/\/www\.shop\.example"/,
    );
    expect((await api('GET', `/sites/${shop.id}/feedback-widget`)).json().siteKey).toBe(widget.siteKey);
    await core.sync.apply(loaded, { dryRun: false });
  });

  it('exports them (credential locations as ${VAR}), and the export applied on an empty database exports the same', async () => {
    const first = await core.exportConfig({ includeSecrets: false });
    expect(first.yaml).toContain('location: ${HOSTING_VAULT}');
    expect(first.yaml).not.toContain('vault://');
    const dnsVariable = first.secretVariables.find((v) => v.holds.includes('credentials.1.location'))!;
    expect(dnsVariable.name).toBe('UPKEEP_SECRET_SHOP_REGISTER_CREDENTIALS_1_LOCATION');
    // Asked for, the sealed location is written out in clear; one written as \${VAR} stays a reference.
    const clear = await core.exportConfig({ includeSecrets: true });
    expect(clear.yaml).toContain('location: vault://kv/shop/dns');
    expect(clear.yaml).toContain('location: ${HOSTING_VAULT}');
    for (const key of ['registers:', 'privacyRecords:', 'plannedWork:', 'feedbackWidgets:', 'maintenance: Night', 'dependsOn:\n      - Payments'])
      expect(first.yaml).toContain(key);

    const empty = await createTestDatabase(dialect);
    const other = await openTestCore(empty);
    try {
      const loaded = config(first.yaml, { ...env, [dnsVariable.name]: 'vault://kv/shop/dns' });
      await other.sync.apply(loaded, { dryRun: false });
      const second = await other.exportConfig({ includeSecrets: false });
      expect(second.yaml).toBe(first.yaml);
      expect((await other.sync.apply(loaded, { dryRun: true })).items).toEqual([]);
    } finally {
      await other.close();
      await empty.cleanup();
    }
  });

  it('deletes what the file wrote when the file drops it', async () => {
    const plan = await core.sync.apply(config(FILE.slice(0, FILE.indexOf('registers:')), env), { dryRun: false });
    expect(plan.items.filter((i) => paperwork.includes(i.kind)).map((i) => `${i.action} ${i.kind}`)).toEqual([
      'delete register',
      'delete privacy-records',
      'delete planned-work',
      'delete feedback-widget',
    ]);
    const shop = (await core.sites.listSites({ limit: 10, search: 'Shop' })).items[0]!;
    expect((await api('GET', `/sites/${shop.id}/register`)).json()).toMatchObject({ managedBy: 'api', vendors: [], updatedAt: null });
  });

  it.each([
    ['registers:\n  - { site: Nowhere }', /registers\[0\]\.site: no site is named "Nowhere"/],
    ['registers:\n  - { site: Shop, dependsOn: [Shop] }', /registers\[0\]\.dependsOn\[0\]: no other site is named "Shop"/],
    ['registers:\n  - { site: Shop, credentials: [{ label: A, location: "" }] }', /registers\[0\]\.credentials\[0\]\.location: a location cannot be empty/],
    [
      'privacyRecords:\n  - { site: Shop, processors: [{ name: M, country: USA, dpa: none }] }',
      /privacyRecords\[0\]\.processors\[0\]\.country: a country is an ISO/,
    ],
    ['privacyRecords:\n  - { site: Shop }\n  - { site: Shop }', /privacyRecords\[1\]\.site: site "Shop" has another entry in privacyRecords already/],
    [
      'plannedWork:\n  - { site: Shop, title: T, kind: upgrade, targetDate: "2027-03-01", maintenance: Day }',
      /plannedWork\[0\]\.maintenance: no maintenance window is named "Day"/,
    ],
    ['plannedWork:\n  - { site: Shop, title: T, kind: upgrade, targetDate: "soon" }', /plannedWork\[0\]\.targetDate: a target date is a calendar date/],
    ['feedbackWidgets:\n  - { site: Shop, origins: ["https://shop.example/cart"] }', /feedbackWidgets\[0\]\.origins\[0\]: expected an origin/],
  ])('refuses %j naming the path of the bad field', (section, message) => {
    expect(() => config(`sites:\n  - { name: Shop }\n${section}\n`, env)).toThrow(message);
  });
});
