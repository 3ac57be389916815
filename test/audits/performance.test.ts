import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditsConfigSchema } from '../../src/audits/config.js';
import { startCleanSite, type CleanSite } from '../fixtures/audit-sites/clean.js';
import { chromiumSkip, useCore } from './support.js';

describe.skipIf(chromiumSkip)('Lighthouse 12.2.3 in Debian Chromium on a loopback page', () => {
  const ctx = useCore();
  let clean: CleanSite;
  beforeAll(async () => {
    clean = await startCleanSite();
  });
  afterAll(() => clean?.close());

  it('runs mobile and desktop, stores the median scores and metrics, and checks budgets', async () => {
    // Budgets no page can meet, so the assertions must fire; one run per form factor keeps CI quick.
    const config = auditsConfigSchema.parse({
      performance: { runs: 1, budgets: { metrics: { 'first-contentful-paint': 1 }, resourceCounts: { total: 1 }, resourceSizes: { stylesheet: 0.1 } } },
    });
    ctx.core.audits.useConfig(config, false);
    const run = await ctx.core.audits.runAudit(clean.url, { only: ['performance'], allowPrivate: true, ca: [clean.ca] });
    const stored = await ctx.core.audits.getAudit(run.id);
    expect(stored.errors).toEqual({});
    expect(stored.scores.performance).toBeGreaterThanOrEqual(90);
    expect(stored.scores['performance-desktop']).toBeGreaterThanOrEqual(90);
    const mobile = stored.facts.performance?.mobile;
    expect(mobile?.runs).toBe(1);
    expect(mobile?.metrics['largest-contentful-paint']).toBeGreaterThan(0);
    expect(mobile?.vitals['cumulative-layout-shift']).toBe('good');
    // The clean page: a document, a stylesheet and an image.
    expect(mobile?.resources.total?.requests).toBe(3);
    expect(mobile?.resources.stylesheet?.requests).toBe(1);
    const ids = stored.findings.map((f) => f.id);
    for (const ff of ['mobile', 'desktop'])
      expect(ids).toEqual(
        expect.arrayContaining([
          `performance.budget:first-contentful-paint:${ff}`,
          `performance.budget:count-total:${ff}`,
          `performance.budget:size-stylesheet:${ff}`,
        ]),
      );
  }, 180_000);
});
