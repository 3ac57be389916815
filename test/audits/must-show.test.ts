import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAudit } from '../../src/audits/audit.service.js';
import { startCleanSite, type CleanSite } from '../fixtures/audit-sites/clean.js';
import { SOFT_404_DECOYS, startDefectiveSite, type DefectiveSite } from '../fixtures/audit-sites/defective.js';
import { chromiumSkip, useCore } from './support.js';

/** The must-show: every planted defect found, no decoy reported, the clean site clean. */
describe.skipIf(chromiumSkip)('audit of the fixture sites, security to links', () => {
  const ctx = useCore();
  let defective: DefectiveSite;
  let clean: CleanSite;
  let bad: StoredAudit;
  let good: StoredAudit;
  const only = ['security', 'privacy', 'accessibility', 'links'] as const;

  beforeAll(async () => {
    [defective, clean] = await Promise.all([startDefectiveSite(), startCleanSite()]);
    bad = await ctx.core.audits.runAudit(defective.url, { only, allowPrivate: true, resolve: defective.resolve, ca: [defective.ca] });
    good = await ctx.core.audits.runAudit(clean.url, { only, allowPrivate: true, ca: [clean.ca], ports: { http: clean.http.port } });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([defective?.close(), clean?.close()]);
  });

  const has = (id: string) => expect(bad.findings.map((f) => f.id)).toContain(id);

  it('ran every category', () => {
    expect(bad.errors).toEqual({});
    expect(bad.status).toBe('done');
  });
  it('finds the missing CSP and X-Frame-Options', () => {
    has('security.headers.csp-not-implemented');
    has('security.headers.x-frame-options-not-implemented');
  });
  it('finds the session cookie without HttpOnly, Secure and SameSite', () => has('security.cookie-flags:PHPSESSID'));
  it('finds the exposed .env and .git/config', () => {
    has('security.exposed-file:/.env');
    has('security.exposed-file:/.git/config');
  });
  it('finds the old jQuery', () => has('security.vulnerable-js:jquery@1.8.3'));
  it('finds Google Fonts and the analytics script loaded before consent', () => {
    has('privacy.third-party-font:fonts.googleapis.com');
    has('privacy.tracker-before-consent:google-analytics.com');
    has('privacy.tracking-cookies');
    expect(bad.facts.thirdParties?.map((t) => t.entity)).toEqual(expect.arrayContaining(['Google Fonts', 'Google Analytics']));
  });
  it('finds the login form posting over HTTP', () => {
    expect(bad.findings.find((f) => f.id === 'privacy.form-over-http:/login')?.severity).toBe('critical');
  });
  it('finds the image without alt text', () => has('accessibility.image-alt'));
  it('finds the broken link', () => has(`links.broken:${defective.site.url('/missing-page')}`));
  it('finds the server version banner', () => {
    expect(bad.findings.find((f) => f.id === 'security.version-disclosure:server')?.evidence).toContain('Apache/2.4.29');
  });
  it('does not report the soft-404 decoys', () => {
    for (const path of SOFT_404_DECOYS) expect(bad.findings.map((f) => f.id)).not.toContain(`security.exposed-file:${path}`);
  });
  it('keeps the privacy evidence: request log, cookie list, screenshot', async () => {
    const artifacts = await ctx.core.audits.artifacts(bad.id);
    const byName = Object.fromEntries(artifacts.map((a) => [a.name, a]));
    expect(JSON.parse(byName['privacy-requests.json']!.content).map((r: { url: string }) => new URL(r.url).hostname)).toEqual(
      expect.arrayContaining(['fonts.googleapis.com', 'fonts.gstatic.com', 'www.google-analytics.com']),
    );
    expect(JSON.parse(byName['privacy-cookies.json']!.content).cookies.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['PHPSESSID', '_ga']),
    );
    expect(Buffer.from(byName['screenshot.png']!.content, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });
  it('gives the clean site an A-range security grade and no findings at all', () => {
    expect(good.errors).toEqual({});
    expect(good.grades.security).toMatch(/^A/);
    expect(good.findings).toEqual([]);
    expect(good.scores).toMatchObject({ privacy: 100, accessibility: 100, links: 100 });
  });
});
