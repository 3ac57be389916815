import { chromium } from 'playwright-core';
import { BASE_FLAGS } from '../audits/browser/chromium.js';
import { launchChromium } from '../audits/browser/launch.js';

/**
 * Prints a report's HTML to PDF with Chromium's own printing. Chromium is started like audits'
 * (src/audits/browser/launch.ts: never as root, its own environment); the page runs no script and
 * loads nothing: the report is self-contained.
 */
export async function printPdf(html: string, options: { chromium: string; user: string }): Promise<Buffer> {
  // The audits' headless flags, and a resolver that finds nothing: the page has no business on the network.
  const launched = await launchChromium({ path: options.chromium, flags: [...BASE_FLAGS, '--host-resolver-rules=MAP * ~NOTFOUND'], user: options.user });
  try {
    const browser = await chromium.connectOverCDP(launched.wsEndpoint);
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
    await browser.close();
    return pdf;
  } finally {
    await launched.close();
  }
}
