import { it } from 'vitest';
import { withBrowser } from '../../src/audits/browser/chromium.js';
import { createAuditNet } from '../../src/audits/net.js';
import { defaultAuditsConfig } from '../../src/audits/config.js';
import { startDefectiveSite } from '../fixtures/audit-sites/defective.js';
import { startCleanSite } from '../fixtures/audit-sites/clean.js';
it('x', async () => {
  const d = await startDefectiveSite(); const c = await startCleanSite();
  for (const [url, resolve, ca, allow] of [[d.url, d.resolve, [d.ca], true], [c.url, {}, [c.ca], true], [d.url, d.resolve, [], false]] as const) {
    const net = createAuditNet({ allowPrivate: allow, resolve: { ...resolve }, ca: [...ca] });
    const ctx = { url: new URL(url), net, config: defaultAuditsConfig(), ports: {}, resolve, step: () => undefined };
    const t = performance.now();
    await withBrowser(ctx, async (browser, proxy) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const reqs: string[] = [];
      page.on('requestfinished', (r) => reqs.push(r.url()));
      page.on('requestfailed', (r) => reqs.push('FAILED ' + r.url() + ' ' + r.failure()?.errorText));
      try { const resp = await page.goto(url, { waitUntil: 'load', timeout: 15000 }); console.log('status', resp?.status()); } catch (e) { console.log('goto error', (e as Error).message.slice(0, 200)); }
      await page.waitForTimeout(1000);
      console.log(reqs, await context.cookies(), proxy.refused);
    });
    console.log('ms', performance.now() - t);
  }
  await d.close(); await c.close();
}, 60000);
