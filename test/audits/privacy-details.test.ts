import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDefectiveSite, type DefectiveSite } from '../fixtures/audit-sites/defective.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { chromiumSkip, useCore } from './support.js';

/** Pages that each differ from the defective shop in one privacy respect. */
describe.skipIf(chromiumSkip)('privacy audit details', () => {
  const ctx = useCore();
  let shop: DefectiveSite;
  let pages: TestServer;
  beforeAll(async () => {
    shop = await startDefectiveSite();
    const analytics = `https://www.google-analytics.com:${shop.analytics.port}/analytics.js`;
    pages = await startHttpServer((req, res) => {
      const banner = '<div style="position:fixed;bottom:0">We use cookies for statistics. <button>Accept</button> <button>Reject</button></div>';
      const body: Record<string, string> = {
        '/with-banner': `<a href="/privacy">Privacy</a><script src="${analytics}"></script>${banner}`,
        '/leaky-referrer': `<a href="/privacy">Privacy</a><img src="http://fonts.gstatic.com:${shop.fonts.port}/pixel.png" alt="">`,
        '/quiet': '<a href="/privacy">Privacy</a><p>Nothing else.</p>',
      };
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      if (req.url === '/leaky-referrer') headers['referrer-policy'] = 'unsafe-url';
      res.writeHead(body[req.url ?? ''] ? 200 : 404, headers);
      res.end(`<!doctype html><html lang="en"><title>t</title><body>${body[req.url ?? ''] ?? 'not found'}</body></html>`);
    });
  });
  afterAll(async () => {
    await Promise.all([shop?.close(), pages?.close()]);
  });

  const audit = (path: string) => ctx.core.audits.runAudit(pages.url(path), { only: ['privacy'], allowPrivate: true, resolve: shop.resolve, ca: [shop.ca] });
  const ids = async (path: string) => (await audit(path)).findings.map((f) => f.id);

  it('sees a cookie banner: tracking before consent is still reported, the missing banner is not', async () => {
    const found = await ids('/with-banner');
    expect(found).toContain('privacy.tracker-before-consent:google-analytics.com');
    expect(found).not.toContain('privacy.no-consent-banner');
    expect(found).not.toContain('privacy.no-privacy-policy-link');
  }, 60_000);

  it('reports a referrer policy that sends full addresses to third parties', async () => {
    const found = await ids('/leaky-referrer');
    expect(found).toContain('privacy.referrer-policy');
    expect(found).not.toContain('privacy.no-consent-banner');
  }, 60_000);

  it('finds nothing on a page that shares nothing', async () => {
    const quiet = await audit('/quiet');
    expect(quiet.findings).toEqual([]);
    expect(quiet.facts.thirdParties).toEqual([]);
  }, 60_000);
});
