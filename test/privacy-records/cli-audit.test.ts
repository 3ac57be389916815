import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivacyRecordsService } from '../../src/privacy-records/records.service.js';
import { chromiumSkip } from '../audits/support.js';
import { startDefectiveSite, type DefectiveSite } from '../fixtures/audit-sites/defective.js';
import { runCli } from '../support/cli.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/**
 * `upkeep audit` of a site keeps its GDPR records current like a scheduled audit: the audit service
 * stores the audit and the records follow it on the same path, and the task it opens is queued for
 * the site's channels (the server's outbox sender delivers it).
 */
describe.skipIf(chromiumSkip)('upkeep audit (privacy) of a site', () => {
  let db: TestDatabase;
  let site: DefectiveSite;
  beforeAll(async () => {
    site = await startDefectiveSite();
    db = await createTestDatabase('sqlite');
    const core = await openTestCore(db);
    const loaded = config(`
channels:
  - { name: privacy-team, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-test-secret-long-enough }
sites:
  - { name: Bakery, url: "${site.url}", notify: [privacy-team] }
`);
    await core.sync.apply(loaded, { dryRun: false });
    await core.close();
  }, 60_000);
  afterAll(async () => {
    await site?.close();
    await db?.cleanup();
  });

  it('adds the third parties it saw to the records and opens a task for each new one', async () => {
    const ca = join(db.dataDir, 'ca.pem');
    writeFileSync(ca, site.ca);
    const resolve = Object.entries(site.resolve).flatMap(([host, ip]) => ['--resolve', `${host}:${ip}`]);
    const res = await runCli(['audit', 'Bakery', '--only', 'privacy', '--allow-private', '--ca', ca, '-d', db.dataDir, ...resolve], {
      env: { UPKEEP_WEBHOOK_SECRET: 'a-test-secret-long-enough' },
    });
    expect(res.code, res.stderr).toBe(0);

    const core = await openTestCore(db);
    try {
      const siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
      const records = await new PrivacyRecordsService(core.storage.db, core.clock, async () => {}).get(siteId);
      expect(records.thirdParties.map((t) => t.name)).toEqual(expect.arrayContaining(['google-analytics.com', 'gstatic.com']));
      expect(records.tasks.map((t) => `${t.kind} ${t.subject}`)).toEqual(expect.arrayContaining(['new-third-party google-analytics.com']));
      const queued = await core.storage.db.selectFrom('notifications').select(['event', 'channel_name']).execute();
      expect(queued.length).toBe(records.tasks.length);
      expect(new Set(queued.map((q) => `${q.event} ${q.channel_name}`))).toEqual(new Set(['privacy.task.opened privacy-team']));
    } finally {
      await core.close();
    }
  }, 180_000);
});
