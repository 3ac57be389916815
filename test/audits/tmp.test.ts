import { it } from 'vitest';
import { openTestCore } from '../support/core.js';
import { createTestDatabase } from '../support/databases.js';
import { startCleanSite } from '../fixtures/audit-sites/clean.js';
import { startDefectiveSite } from '../fixtures/audit-sites/defective.js';
it('x', async () => {
  const db = await createTestDatabase('sqlite'); const core = await openTestCore(db); const clean = await startCleanSite(); const d = await startDefectiveSite();
  const t = performance.now();
  const b = await core.audits.runAudit(d.url, { only: ['links'], allowPrivate: true, resolve: d.resolve, ca: [d.ca] });
  console.log(performance.now() - t, b.errors, b.scores, b.findings.map(f => `${f.severity} ${f.id} | ${f.title} | ${f.evidence.slice(0,140)}`).join('\n'));
  const a = await core.audits.runAudit(clean.url, { only: ['links'], allowPrivate: true, ca: [clean.ca] });
  console.log(a.errors, a.scores, a.findings.map(f => `${f.severity} ${f.id} | ${f.title} | ${f.evidence.slice(0,140)}`).join('\n'));
  console.log((await core.audits.artifacts(a.id))[0]?.content.slice(0, 600));
  await clean.close(); await d.close(); await core.close();
}, 120000);
