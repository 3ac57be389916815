import { chromium } from 'playwright-core';
import { launchChromium } from '../audits/browser/launch.js';

/**
 * Prints a report's HTML to PDF with Chromium's own printing. Chromium is started like audits'
 * (src/audits/browser/launch.ts: never as root, its own environment); the page runs no script and
 * loads nothing: the report is self-contained.
 */
export async function printPdf(html: string, options: { chromium: string; user: string }): Promise<Buffer> {
  const launched = await launchChromium({ path: options.chromium, flags: [], user: options.user });
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
