import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { loadRepository } from '../../src/audits/security/retire.js';
import type { Observed } from '../../src/updates/component.js';
import { InventoryService } from '../../src/updates/inventory.service.js';
import { KnowledgeStore } from '../../src/updates/knowledge.js';
import { assess } from '../../src/updates/match.js';
import type { TestServer } from '../fixtures/servers.js';
import { testClock } from '../support/clock.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { documentedAnswer, recordedOsvAnswer } from './fixtures/services.js';
import { startService, type Recorded } from './support.js';

const HOUR = 3_600_000;
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const seen = [{ source: 'composer-lock', at: '/srv/shop/composer.lock' }];
/** What the site runs: nothing the shipped snapshot knows to be vulnerable or past its end of life. */
const observed: Observed[] = [
  { name: 'league/flysystem', ecosystem: 'packagist', version: '1.0.8', seen },
  { name: 'php', ecosystem: 'runtime:php', version: '7.4.33', seen: [{ source: 'php -v', at: 'php' }] },
  { name: 'akismet', ecosystem: 'wordpress-plugin', version: '5.3', seen: [{ source: 'wordpress-plugin', at: 'wp-content/plugins/akismet/akismet.php' }] },
  { name: 'minimist', ecosystem: 'npm', version: '1.2.5', seen: [{ source: 'package-lock', at: '/srv/shop/package-lock.json' }] },
];

const yaml = (sources: string) => `
sites:
  - { name: Shop, tags: [client] }
updates:
  policies:
    - { name: clients, tags: [client], incidents: { severity: high, endOfLife: true } }
  knowledge:
    refresh: 24h
    sources: ${sources}
`;

describe('updates.knowledge in upkeep.yaml', () => {
  const sources = '{ osv: false, endoflife: false, wordpress-org: false, npm: false, packagist: false }';
  it('is checked, with errors naming the path; wordfence (which wants a token) is left out unless set', () => {
    expect(config(yaml(sources)).config.updates.knowledge).toMatchObject({ refresh: 86_400_000, sources: { osv: false, wordfence: false } });
    expect(config('sites: []\n').config.updates.knowledge).toEqual({ refresh: 86_400_000, sources: { wordfence: false } });
    expect(config(yaml(sources).replace('refresh: 24h', 'refresh: "off"')).config.updates.knowledge.refresh).toBe('off');
    expect(() => config(yaml(sources).replace('refresh: 24h', 'refresh: 10m'))).toThrow(
      /updates\.knowledge\.refresh: expected "off" or a duration between 1h and 30d/,
    );
    expect(() => config(yaml('{ osv: { baseUrl: "not a url" } }'))).toThrow(/updates\.knowledge\.sources\.osv\.baseUrl/);
    expect(() => config(yaml('{ osv: true }'))).toThrow(/updates\.knowledge\.sources\.osv: expected false \(not asked\), or the source’s settings/);
    expect(() => config(yaml('{ snyk: false }'))).toThrow(/updates\.knowledge\.sources.*snyk/);
    expect(() => config(yaml('{ npm: { baseUrl: "https://registry.npmjs.org", mirror: true } }'))).toThrow(/updates\.knowledge\.sources\.npm.*mirror/);
  });
});

describe.each(dialects)('the scheduled knowledge refresh on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  const clock = testClock(Date.parse('2026-12-07T10:00:00Z'));
  let service: TestServer & { requests: Recorded[] };
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let viewer: string;
  let shopId: number;
  let otherNode: string;

  beforeAll(async () => {
    // OSV (as recorded), endoflife.date, WordPress.org and npm on loopback, answering as each documents.
    service = await startService((req) => documentedAnswer(req) ?? recordedOsvAnswer(req));
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    const loaded = config(
      yaml(
        `{ osv: { baseUrl: "${service.url()}" }, endoflife: { baseUrl: "${service.url('/eol')}" }, wordpress-org: { baseUrl: "${service.url('/wporg')}" }, npm: { baseUrl: "${service.url('/npm')}" }, packagist: false }`,
      ),
    );
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    // The runtime started the job (its first look found no inventory: nothing asked); the test drives its ticks on the test clock.
    await server.updateFaces.knowledge.stop();
    expect(service.requests).toEqual([]);
    viewer = (
      await core.accounts.createToken({
        name: 'viewer',
        scope: 'read',
        userId: (await core.accounts.createUser({ email: 'viewer@agency.test', password: 'a password 12345', role: 'viewer' })).id,
      })
    ).token;
    shopId = (await core.sites.listSites({ limit: 5, search: 'Shop' })).items[0]!.id;
    otherNode = await mkdtemp(join(tmpdir(), 'upkeep-other-node-'));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await service?.close();
    if (otherNode) await rm(otherNode, { recursive: true, force: true });
  });

  const inventory = async () => {
    const res = await server.app.inject({ url: `/api/v1/sites/${shopId}/updates/inventory`, headers: as(viewer) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  type Answered = { name: string; endOfLife: boolean; vulnerabilities: { id: string; severity: string }[] };
  const component = (answer: { data: { components: Answered[] }[] }, name: string) => answer.data[0]!.components.find((c) => c.name === name)!;
  const titles = async () => (await server.incidents.service.list({ siteId: shopId, limit: 50 })).map((i) => i.title).sort();

  it('one scheduled refresh asks the sources about the inventories’ components, keeps the data for every node and opens the component incidents', async () => {
    const taken = clock.t;
    const store = new KnowledgeStore(core.storage.db, core.dataDir);
    const before = await store.load(new Date(clock.t));
    await new InventoryService(core.storage.db, core.clock).record(
      shopId,
      'ssh',
      'deploy@web1:/srv/shop',
      assess(observed, before.knowledge, loadRepository(), new Date(clock.t)),
      before.builtAt,
    );
    // Before: the shipped snapshot knows nothing against these versions.
    const first = await inventory();
    expect(component(first, 'league/flysystem').vulnerabilities).toEqual([]);
    expect(component(first, 'php').endOfLife).toBe(false);
    expect(first.knowledge).toMatchObject({ builtAt: before.builtAt, checkedAt: null, refresh: '1d' });
    expect(await titles()).toEqual([]);

    clock.t += HOUR;
    const results = await server.updateFaces.knowledge.tick();
    expect(results).toEqual([
      { kind: 'endoflife', ok: true, message: 'refreshed' },
      { kind: 'osv', ok: true, message: 'refreshed' },
      { kind: 'wordpress-org', ok: true, message: 'refreshed' },
      { kind: 'npm', ok: true, message: 'refreshed' },
    ]);
    // OSV was asked about exactly the components the site's inventory holds.
    const batch = JSON.parse(service.requests.find((r) => r.path === '/v1/querybatch')!.body) as { queries: { package: { name: string } }[] };
    expect(batch.queries.map((q) => q.package.name).sort()).toEqual(['league/flysystem', 'minimist']);

    const after = await inventory();
    expect(component(after, 'league/flysystem').vulnerabilities.map((v) => [v.id, v.severity])).toEqual([['GHSA-9f46-5r25-5wfm', 'critical']]);
    expect(component(after, 'php')).toMatchObject({ endOfLife: true, eolDate: '2022-11-28', latest: '8.4.1' });
    expect(component(after, 'akismet')).toMatchObject({ latest: '5.3.5' });
    expect(component(after, 'minimist')).toMatchObject({ latest: '1.2.8' });
    // Assessed again, not read again: the inventory keeps the time it was read (the scheduled SSH reading is not put off).
    expect(after.data[0]).toMatchObject({ takenAt: new Date(taken).toISOString(), checkedAt: new Date(taken).toISOString() });
    const refreshedAt = new Date(clock.t).toISOString();
    expect(after.knowledge).toMatchObject({ builtAt: refreshedAt, ageDays: 0, checkedAt: refreshedAt });
    expect(after.knowledge.sources.find((s: { kind: string }) => s.kind === 'osv')).toEqual({
      kind: 'osv',
      name: 'OSV',
      enabled: true,
      asOf: refreshedAt,
      ageDays: 0,
      lastAttempt: { at: refreshedAt, ok: true, message: 'refreshed' },
    });
    expect(after.knowledge.sources.find((s: { kind: string }) => s.kind === 'wordfence')).toMatchObject({ enabled: false, lastAttempt: null });
    expect(await titles()).toEqual(['End of life: php 7.4.33 on Shop', 'Vulnerable league/flysystem 1.0.8 on Shop']);

    // Another node, with its own empty data directory (no shared disk), matches with the refreshed data from the database.
    const elsewhere = await new KnowledgeStore(core.storage.db, otherNode).load(new Date(clock.t));
    expect(elsewhere.builtAt).toBe(refreshedAt);
    const there = assess(observed, elsewhere.knowledge, loadRepository(), new Date(clock.t));
    expect(there.find((c) => c.name === 'league/flysystem')!.vulnerabilities.map((v) => v.id)).toEqual(['GHSA-9f46-5r25-5wfm']);

    // An hour later nothing is due: the sources are not asked again.
    const asked = service.requests.length;
    clock.t += HOUR;
    expect(await server.updateFaces.knowledge.tick()).toBeNull();
    expect(service.requests.length).toBe(asked);
  }, 60_000);

  it('sources that cannot be reached keep the old data, the age and the failure are reported, and it tries again an hour later', async () => {
    await service.close();
    const refreshedAt = (await inventory()).knowledge.builtAt as string;
    clock.t += 24 * HOUR;
    const results = await server.updateFaces.knowledge.tick();
    expect(results!.map((r) => [r.kind, r.ok])).toEqual([
      ['endoflife', false],
      ['osv', false],
      ['wordpress-org', false],
      ['npm', false],
    ]);
    const answer = await inventory();
    // The old data stays: still vulnerable, still past its end of life; one incident each, not a second.
    expect(component(answer, 'league/flysystem').vulnerabilities.map((v) => v.id)).toEqual(['GHSA-9f46-5r25-5wfm']);
    expect(component(answer, 'php').endOfLife).toBe(true);
    expect(await titles()).toEqual(['End of life: php 7.4.33 on Shop', 'Vulnerable league/flysystem 1.0.8 on Shop']);
    expect(answer.knowledge).toMatchObject({ builtAt: refreshedAt, ageDays: 1, checkedAt: new Date(clock.t).toISOString() });
    const osv = answer.knowledge.sources.find((s: { kind: string }) => s.kind === 'osv');
    expect(osv).toMatchObject({ asOf: refreshedAt, ageDays: 1, lastAttempt: { at: new Date(clock.t).toISOString(), ok: false } });
    expect(osv.lastAttempt.message).toMatch(/refused|ECONNREFUSED|connect/i);
    // A refresh where every source failed is tried again after an hour, not a day.
    clock.t += HOUR - 1;
    expect(await server.updateFaces.knowledge.tick()).toBeNull();
    clock.t += 1;
    expect((await server.updateFaces.knowledge.tick())!.every((r) => !r.ok)).toBe(true);
  }, 60_000);
});
