import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { ResultsRepository } from '../../src/monitoring/results.repository.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { config, openTestCore } from '../support/core.js';

const example = readFileSync(new URL('../../examples/upkeep.yaml', import.meta.url), 'utf8');

/**
 * The storage contract: written once, run against SQLite and PostgreSQL. Whatever one database
 * does, the other must do the same.
 */
describe.each(dialects)('storage contract on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    console.warn(skip);
    return;
  }
  let db: TestDatabase;
  let core: Core;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
  });
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });

  it('runs migrations once; a second run has nothing to do', async () => {
    expect(await core.storage.migrate()).toEqual([]);
    expect(await core.storage.integrityCheck()).toEqual([]);
  });

  // The engine and the status pages poll the newest `updated_at` of monitors and sites every second or two; on SQLite
  // that runs on the main thread, so it must be a look into an index, not a scan of every monitor (~90 ms at 100,000).
  it.skipIf(dialect !== 'sqlite')('finds the newest change of monitors and sites through an index, whatever the size of the fleet', async () => {
    for (const table of ['monitors', 'sites']) {
      const plan = await sql<{ detail: string }>`explain query plan select max(updated_at) from ${sql.table(table)}`.execute(core.storage.db);
      expect(plan.rows.map((r) => r.detail).join('; ')).toMatch(new RegExp(`^SEARCH ${table} USING COVERING INDEX ${table}_updated_at`));
    }
  });

  it('creates, reads, lists and deletes sites with unique names', async () => {
    const site = await core.sites.createSite({ name: 'Contract site', url: 'https://contract.test', tags: ['client-a', 'web'] });
    expect(site).toMatchObject({ spec: { name: 'Contract site', tags: ['client-a', 'web'] }, managedBy: 'api' });
    expect((await core.sites.getSite(site.id)).spec.url).toBe('https://contract.test');
    await expect(core.sites.createSite({ name: 'Contract site' })).rejects.toMatchObject({ code: 'conflict' });
    await core.sites.deleteSite(site.id);
    await expect(core.sites.getSite(site.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('filters by tag and name, and pages with a cursor and a total', async () => {
    for (let i = 0; i < 7; i++) await core.sites.createSite({ name: `Paged ${i}${i === 3 ? ' 100%_off' : ''}`, tags: i % 2 ? ['odd'] : ['even'] });
    const first = await core.sites.listSites({ limit: 3, search: 'paged' });
    expect(first.total).toBe(7);
    expect(first.items).toHaveLength(3);
    const second = await core.sites.listSites({ limit: 3, search: 'paged', afterId: Number(first.nextCursor) });
    const third = await core.sites.listSites({ limit: 3, search: 'paged', afterId: Number(second.nextCursor) });
    expect([...first.items, ...second.items, ...third.items].map((s) => s.spec.name)).toHaveLength(7);
    expect(third.nextCursor).toBeNull();
    expect((await core.sites.listSites({ limit: 50, tag: 'odd' })).items.map((s) => s.spec.name)).toEqual(['Paged 1', 'Paged 3 100%_off', 'Paged 5']);
    // LIKE wildcards in a search are literal text.
    expect((await core.sites.listSites({ limit: 50, search: '100%_' })).items.map((s) => s.spec.name)).toEqual(['Paged 3 100%_off']);
    expect((await core.sites.listSites({ limit: 50, search: '0%' })).total).toBe(1);
  });

  it('lists the newest events without a cursor, and pages back with one', async () => {
    const site = await core.sites.createSite({ name: 'Eventful' });
    const monitor = await core.sites.createMonitor(site.id, { name: 'Home', type: 'tcp', host: 'eventful.test', port: 443 });
    const events = new ResultsRepository(core.storage.db);
    const at = Date.now();
    for (const [i, to] of ['down', 'up', 'down'].entries())
      await core.storage.db
        .insertInto('monitor_events')
        .values({ monitor_id: monitor.id, at: at + i, kind: 'status', from_status: null, to_status: to, message: `went ${to}`, evidence: null })
        .execute();
    const newest = await events.listEvents({ monitorId: monitor.id, limit: 2 });
    expect(newest.map((e) => e.to_status)).toEqual(['down', 'up']);
    const older = await events.listEvents({ monitorId: monitor.id, limit: 2, before: newest[1]!.id });
    expect(older.map((e) => e.to_status)).toEqual(['down']);
    await core.sites.deleteSite(site.id);
  });

  it('keeps monitors with their site, seals their secrets, and deletes them with it', async () => {
    const site = await core.sites.createSite({ name: 'Monitored', tags: ['client-b'] });
    const monitor = await core.sites.createMonitor(site.id, {
      name: 'API',
      type: 'http',
      url: 'https://api.monitored.test/health',
      interval: '30s',
      auth: { type: 'bearer', token: 'very-secret-token' },
      tags: ['api'],
    });
    expect(monitor.spec).toMatchObject({ interval: 30_000, auth: { token: 'very-secret-token' } });
    const raw = await core.storage.db.selectFrom('monitors').selectAll().where('id', '=', monitor.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(raw)).not.toContain('very-secret-token');
    // A monitor is found by its own tags and by its site's.
    expect((await core.sites.listMonitors({ limit: 10, tag: 'client-b' })).items.map((m) => m.id)).toEqual([monitor.id]);
    expect((await core.sites.listMonitors({ limit: 10, tag: 'api' })).items.map((m) => m.id)).toEqual([monitor.id]);
    await expect(core.sites.createMonitor(site.id, { name: 'API', type: 'tcp', host: 'x.test', port: 22 })).rejects.toMatchObject({ code: 'conflict' });
    await core.sites.deleteSite(site.id);
    await expect(core.sites.getMonitor(monitor.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await core.storage.integrityCheck()).toEqual([]);
  });

  it('applies the example config idempotently, and an export of it applies with no changes', async () => {
    const first = await core.sync.apply(config(example), { dryRun: false });
    expect(first.items.map((i) => `${i.action} ${i.kind} ${i.key}`)).toEqual([
      'create channel ops-webhook',
      'create site Example shop',
      'create monitor Example shop/Home page',
      'create monitor Example shop/Certificate',
      'create monitor Example shop/Nightly backup job',
    ]);
    expect((await core.sync.apply(config(example), { dryRun: false })).items).toEqual([]);
    const exported = await core.exportConfig({ includeSecrets: false });
    expect(exported.yaml).toContain('${UPKEEP_WEBHOOK_SECRET}');
    const again = await core.sync.apply(config(exported.yaml), { dryRun: false });
    expect(again.items).toEqual([]);
    // Sites made in the API by earlier tests are in the export: the file now owns them, unchanged.
    expect(again.adopted).toContain('site "Paged 0"');
    expect((await core.sync.apply(config(exported.yaml), { dryRun: false })).adopted).toEqual([]);
  });

  it('plans updates and deletions, leaves objects made in the API alone, and writes nothing on a dry run', async () => {
    const apiSite = await core.sites.createSite({ name: 'Made in the API' });
    const changed = example.replace('warnDays: 21', 'warnDays: 14').replace(/      - name: Nightly backup job[\s\S]*?grace: 30m\n/, '');
    const dry = await core.sync.apply(config(changed), { dryRun: true });
    const plan = dry.items.map((i) => `${i.action} ${i.key}`);
    expect(plan.filter((line) => line.includes('Example shop'))).toEqual(['delete Example shop/Nightly backup job', 'update Example shop/Certificate']);
    // The sites adopted by the previous apply belong to the file now, so a file without them deletes them.
    expect(plan.filter((line) => line.startsWith('delete Paged'))).toHaveLength(7);
    expect(dry.items.find((i) => i.key === 'Example shop/Certificate')!.changes).toEqual(['warnDays: 21 → 14']);
    expect(dry.unmanaged).toEqual(['site "Made in the API"']);
    expect((await core.sync.apply(config(changed), { dryRun: true })).items).toHaveLength(9);
    await core.sync.apply(config(changed), { dryRun: false });
    expect((await core.sync.apply(config(changed), { dryRun: false })).items).toEqual([]);
    expect((await core.sites.getSite(apiSite.id)).spec.name).toBe('Made in the API');
  });

  it('syncs escalation policies, contacts, rotations and maintenance windows, and exports them back', async () => {
    const yaml = `${example}contacts:
  - name: Alice
    channels: [ops-webhook]
    quietHours: { from: "22:00", to: "07:00", timezone: Europe/Stockholm }
rotations:
  - { name: Primary, contacts: [Alice], every: 1w, startsAt: "2026-01-05T09:00:00+01:00" }
escalation:
  - name: Default
    steps:
      - notify: [Primary]
      - { after: 10m, notify: [ops-webhook] }
maintenance:
  - { name: Sunday patching, cron: "0 2 * * 0", duration: 1h, timezone: Europe/Stockholm, sites: [Example shop] }
`;
    const plan = await core.sync.apply(config(yaml), { dryRun: false });
    expect(
      plan.items.filter((i) => ['escalation', 'contact', 'rotation', 'maintenance'].includes(i.kind)).map((i) => `${i.action} ${i.kind} ${i.key}`),
    ).toEqual(['create escalation Default', 'create contact Alice', 'create rotation Primary', 'create maintenance Sunday patching']);
    const exported = await core.exportConfig({ includeSecrets: false });
    expect(exported.yaml).toContain('Sunday patching');
    expect((await core.sync.apply(config(exported.yaml), { dryRun: true })).items).toEqual([]);
    const changed = await core.sync.apply(config(yaml.replace('after: 10m', 'after: 15m')), { dryRun: true });
    expect(changed.items).toEqual([{ action: 'update', kind: 'escalation', key: 'Default', changes: ['steps.1.after: "10m" → "15m"'] }]);
  });

  it('refuses API changes to objects the config file owns', async () => {
    const site = (await core.sites.listSites({ limit: 10, search: 'Example shop' })).items[0]!;
    await expect(core.sites.updateSite(site.id, { description: 'x' }, 'merge')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('upkeep apply'),
    });
    await expect(core.sites.deleteSite(site.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('issues API tokens that authenticate, expire and can be revoked', async () => {
    const { id, token } = await core.accounts.createToken({ name: 'contract', scope: 'write' });
    expect(await core.accounts.authenticateToken(token)).toMatchObject({ tokenId: id, scope: 'write' });
    await expect(core.accounts.authenticateToken(`${token}x`)).rejects.toMatchObject({ code: 'unauthorized' });
    await core.accounts.revokeToken(id);
    await expect(core.accounts.authenticateToken(token)).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringContaining('revoked') });
    const raw = await core.storage.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(raw)).not.toContain(token);
  });

  it('keeps user emails unique, case-insensitively', async () => {
    await core.accounts.createUser({ email: 'Owner@Example.com', password: 'correct horse battery', role: 'owner' });
    await expect(core.accounts.createUser({ email: 'owner@example.com', password: 'correct horse battery' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(core.accounts.createUser({ email: 'short@example.com', password: 'short' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('12 characters'),
    });
  });
});
