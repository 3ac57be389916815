import { it } from 'vitest';
import { openTestCore } from '../support/core.js';
import { createTestDatabase } from '../support/databases.js';
import { startCleanSite } from '../fixtures/audit-sites/clean.js';
it('x', async () => {
  const db = await createTestDatabase('sqlite'); const core = await openTestCore(db); const clean = await startCleanSite();
  const t = performance.now();
  const a = await core.audits.runAudit(clean.url, { only: ['performance'], allowPrivate: true, ca: [clean.ca], onProgress: (e) => console.log(JSON.stringify(e)) });
  console.log(performance.now() - t, a.errors, a.scores, JSON.stringify(a.facts.performance), a.findings.map(f => `${f.severity} ${f.id} | ${f.title} | ${f.evidence.slice(0,140)}`).join('\n'));
  await clean.close(); await core.close();
}, 300000);
