import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditsConfigSchema } from '../../src/audits/config.js';
import { countryDatabase } from '../fixtures/audit-sites/mmdb.js';
import { startDefectiveSite, type DefectiveSite } from '../fixtures/audit-sites/defective.js';
import { tempDir } from '../support/databases.js';
import { chromiumSkip, useCore } from './support.js';

describe.skipIf(chromiumSkip)('third-party host locations from a GeoIP database', () => {
  const ctx = useCore();
  let site: DefectiveSite;
  const dir = tempDir();
  beforeAll(async () => {
    site = await startDefectiveSite();
  });
  afterAll(async () => {
    await site?.close();
    dir.cleanup();
  });
  const options = () => ({ only: ['privacy' as const], allowPrivate: true, resolve: site.resolve, ca: [site.ca] });

  it('names the country of each third party and flags hosts outside the EU/EEA', async () => {
    const file = join(dir.path, 'countries.mmdb');
    // The "third parties" live on loopback here, so loopback is where the database places them.
    writeFileSync(file, countryDatabase({ '127.0.0.0/8': 'US' }));
    ctx.core.audits.useConfig(auditsConfigSchema.parse({ privacy: { geoipDatabase: file, settle: '1s' } }), false);
    const audit = await ctx.core.audits.runAudit(site.url, options());
    expect(audit.facts.thirdParties?.map((t) => `${t.domain} ${t.country}`)).toEqual(['fonts.googleapis.com US', 'google-analytics.com US', 'gstatic.com US']);
    expect(audit.findings.find((f) => f.id === 'privacy.transfer-outside-eea:google-analytics.com')?.title).toBe(
      'Google Analytics is hosted outside the EU/EEA (US)',
    );

    writeFileSync(file, countryDatabase({ '127.0.0.0/8': 'SE' }));
    const inside = await ctx.core.audits.runAudit(site.url, options());
    expect(inside.facts.thirdParties?.every((t) => t.country === 'SE')).toBe(true);
    expect(inside.findings.filter((f) => f.id.startsWith('privacy.transfer-outside-eea'))).toEqual([]);
  }, 60_000);

  it('says which setting is wrong when the database cannot be read', async () => {
    const file = join(dir.path, 'not-a-database.mmdb');
    writeFileSync(file, 'hello');
    ctx.core.audits.useConfig(auditsConfigSchema.parse({ privacy: { geoipDatabase: file, settle: '0s' } }), false);
    const audit = await ctx.core.audits.runAudit(site.url, options());
    expect(audit.errors.privacy).toMatch(/^audits\.privacy\.geoipDatabase: cannot read .*not-a-database\.mmdb as a MaxMind database/);
  }, 60_000);
});
