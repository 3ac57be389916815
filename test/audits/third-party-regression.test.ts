import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCleanSite, type CleanSite } from '../fixtures/audit-sites/clean.js';
import { startDefectiveSite, type DefectiveSite } from '../fixtures/audit-sites/defective.js';
import { chromiumSkip, useCore } from './support.js';

describe.skipIf(chromiumSkip)('a new third party between two privacy audits', () => {
  const ctx = useCore();
  let clean: CleanSite;
  let defective: DefectiveSite;
  beforeAll(async () => {
    [clean, defective] = await Promise.all([startCleanSite(), startDefectiveSite()]);
  });
  afterAll(async () => {
    await Promise.all([clean?.close(), defective?.close()]);
  });

  it('raises new_third_party for each company the page starts talking to, and a privacy score drop', async () => {
    const site = await ctx.core.sites.createSite({ name: 'Bakery', url: clean.url });
    const options = { only: ['privacy' as const], allowPrivate: true, resolve: defective.resolve, ca: [clean.ca, defective.ca] };
    const before = await ctx.core.audits.runAudit(site.id, options);
    expect(before.facts.thirdParties).toEqual([]);
    // The site's page now embeds fonts and analytics (here: the site moved to the defective fixture).
    await ctx.core.sites.updateSite(site.id, { url: defective.url }, 'merge');
    const after = await ctx.core.audits.runAudit(site.id, options);
    const regressions = await ctx.core.audits.compareWithPrevious(after);
    const parties = regressions.flatMap((r) => (r.type === 'new_third_party' ? [`${r.domain} ${r.entity} ${r.categories.join(',')}`] : []));
    expect(parties.sort()).toEqual([
      'fonts.googleapis.com Google Fonts cdn',
      'google-analytics.com Google Analytics analytics',
      'gstatic.com Google Fonts cdn',
    ]);
    expect(regressions).toContainEqual(expect.objectContaining({ type: 'score_dropped', score: 'privacy', from: 100, previousAuditId: before.id }));
  }, 60_000);
});
