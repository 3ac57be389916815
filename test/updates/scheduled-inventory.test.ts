import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { InventoryService } from '../../src/updates/inventory.service.js';
import { startSshd, sshNeeds, sshReady, type Sshd } from '../backups/support/sshd.js';
import { describeWhen } from '../backups/support/tools.js';
import { learnFlysystemAdvisory } from './fixtures/services.js';
import { testClock } from '../support/clock.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

const HOUR = 3_600_000;

describeWhen(sshReady, sshNeeds, 'the scheduled inventory over real sshd', () => {
  for (const { dialect, skip } of dialects) {
    if (skip) {
      it.skip(`${dialect}: ${skip}`, () => {});
      continue;
    }
    const clock = testClock(Date.parse('2026-12-07T10:00:00Z'));
    let dir: string;
    let sshd: Sshd;
    let db: TestDatabase;
    let core: Core;
    let server: TestApp;
    let shopId: number;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'upkeep-inventory-'));
      sshd = await startSshd(join(dir, 'sshd'));
      // The site's folder holds a composer.lock (league/flysystem 1.0.8, among others).
      await copyFile(new URL('./fixtures/site-files/composer.lock', import.meta.url), join(dir, 'composer.lock'));
      db = await createTestDatabase(dialect);
      core = await openTestCore(db, clock);
      const loaded = config(`
sites:
  - { name: Shop, tags: [client] }
  - { name: Quiet }
updates:
  sites:
    - site: Shop
      ssh: { host: 127.0.0.1, port: ${sshd.port}, username: ${sshd.user}, privateKeyPath: "${sshd.key}", hostKeySha256: "${sshd.hostKeySha256}", root: "${dir}" }
      pages: [{ url: "http://127.0.0.1:9/" }]
      rollback: { kind: command, command: "true" }
    - site: Quiet
      ssh: { host: 127.0.0.1, port: ${sshd.port}, username: ${sshd.user}, privateKeyPath: "${sshd.key}", hostKeySha256: "${sshd.hostKeySha256}", root: "${dir}" }
      pages: [{ url: "http://127.0.0.1:9/" }]
      rollback: { kind: command, command: "true" }
      inventory: "off"
  policies:
    - { name: clients, tags: [client], inventory: 24h, incidents: { severity: high, endOfLife: false } }
`);
      await core.sync.apply(loaded, { dryRun: false });
      server = await testRuntime(core, loaded.config);
      shopId = (await core.sites.listSites({ limit: 5, search: 'Shop' })).items[0]!.id;
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await core?.close();
      await db?.cleanup();
      sshd?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it(`${dialect}: reads the inventory when due (not before, never when off), keeps its history, and opens an incident for a newly vulnerable component once`, async () => {
      const schedule = server.updateFaces.inventory;
      const titles = async () =>
        (await server.incidents.service.list({ siteId: shopId, limit: 50 })).map((i) => i.title).filter((t) => t.includes('league/flysystem'));
      // The runtime's own loop may have read it at start: either way the site has one inventory now, and nothing is vulnerable yet.
      await schedule.tick();
      const history = new InventoryService(core.storage.db, core.clock);
      expect((await history.history(shopId)).length).toBe(1);
      expect((await history.current(shopId)).find((c) => c.name === 'league/flysystem')).toMatchObject({ version: '1.0.8' });
      expect(await titles()).toEqual([]);
      const quietId = (await core.sites.listSites({ limit: 5, search: 'Quiet' })).items[0]!.id;
      expect(await history.history(quietId)).toEqual([]);

      // The knowledge learns of a critical advisory for that version (a refresh from OSV would bring it).
      learnFlysystemAdvisory(core.dataDir, new Date(clock.t), '2026-12-07T11:00:00.000Z');
      // An hour later it is not due: nothing read, no incident.
      clock.t += HOUR;
      expect(await schedule.tick()).toEqual([]);
      expect(await titles()).toEqual([]);
      // A day after the first reading it is: the incident opens.
      clock.t += 23 * HOUR;
      expect(await schedule.tick()).toEqual(['Shop']);
      expect(await titles()).toEqual(['Vulnerable league/flysystem 1.0.8 on Shop']);
      // The next day's reading finds it still there: no second incident.
      clock.t += 24 * HOUR;
      expect(await schedule.tick()).toEqual(['Shop']);
      expect(await titles()).toEqual(['Vulnerable league/flysystem 1.0.8 on Shop']);
      // Unchanged readings are one history entry whose last check moved.
      const [latest] = await history.history(shopId);
      expect(latest!.checkedAt).toBe(clock.t);
    }, 60_000);
  }
});
