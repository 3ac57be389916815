import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { createPrivacyRecords } from '../../src/privacy-records/index.js';
import { RoutinesService } from '../../src/routines/routines.service.js';
import { chromiumSkip } from '../audits/support.js';
import { startCleanSite, type CleanSite } from '../fixtures/audit-sites/clean.js';
import { startDefectiveSite, type DefectiveSite } from '../fixtures/audit-sites/defective.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

describe.skipIf(chromiumSkip).each(dialects)('GDPR records kept current by the privacy audits on $dialect', ({ dialect, skip }) => {
  let db: TestDatabase;
  let core: Core;
  let clean: CleanSite;
  let defective: DefectiveSite;
  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    [clean, defective] = await Promise.all([startCleanSite(), startDefectiveSite()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([clean?.close(), defective?.close()]);
    await core?.close();
    await db?.cleanup();
  });

  it.skipIf(skip)(
    'a privacy audit that finds a new third party adds it to the records and opens a task; one already documented opens none',
    async () => {
      const privacy = createPrivacyRecords(core, new RoutinesService(core.storage.db, core.clock, undefined), { wake: () => {} });
      const site = await core.sites.createSite({ name: 'Bakery', url: clean.url });
      // The records already name one processor by its domain: seeing it is no news.
      await privacy.service.put(site.id, { processors: [{ name: 'Google Fonts', country: 'US', dpa: 'signed', domain: 'fonts.googleapis.com' }] });
      const options = { only: ['privacy' as const], allowPrivate: true, resolve: defective.resolve, ca: [clean.ca, defective.ca] };
      // Storing the audit updates the records (the audit service's own step, for the scheduler and the CLI alike).
      await core.audits.runAudit(site.id, options);
      expect((await privacy.service.get(site.id)).thirdParties).toEqual([]);

      // The site's page now embeds fonts and analytics (here: the site moved to the defective fixture).
      await core.sites.updateSite(site.id, { url: defective.url }, 'merge');
      const audit = await core.audits.runAudit(site.id, options);
      const records = await privacy.service.get(site.id);
      expect(records.thirdParties.map((t) => `${t.name} ${t.seen.entity} ${t.documented}`).sort()).toEqual([
        'fonts.googleapis.com Google Fonts true',
        'google-analytics.com Google Analytics false',
        'gstatic.com Google Fonts false',
      ]);
      expect(records.thirdParties.every((t) => t.audit_id === audit.id)).toBe(true);
      // The cookies the page set before consent are recorded too.
      expect(records.cookies.map((c) => c.seen.name).sort()).toEqual(expect.arrayContaining(['PHPSESSID', '_ga']));
      const tasks = records.tasks.map((t) => `${t.kind} ${t.subject}`).sort();
      expect(tasks).toEqual(['new-third-party google-analytics.com', 'new-third-party gstatic.com']);
      expect(records.tasks.find((t) => t.subject === 'google-analytics.com')!.summary).toContain(`privacy audit (#${audit.id})`);

      // The next audit sees the same parties: they stay current (last seen moves), no task is opened twice.
      const again = await core.audits.runAudit(site.id, options);
      const later = await privacy.service.get(site.id);
      expect(later.tasks).toHaveLength(2);
      expect(later.thirdParties.every((t) => t.audit_id === again.id)).toBe(true);
    },
    120_000,
  );
});
