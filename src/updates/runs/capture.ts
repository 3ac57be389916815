import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withBrowser } from '../../audits/browser/chromium.js';
import type { AuditsConfig } from '../../audits/config.js';
import type { AuditNet } from '../../audits/net.js';
import { describeError } from '../../lib/errors.js';
import type { SamplePage } from './spec.js';

/** What one sampled page showed: the smoke checks' facts and where its screenshot is. */
export interface PageCapture {
  url: string;
  /** The status of the page itself (after redirects); null when it could not be loaded. */
  status: number | null;
  /** Why the page could not be loaded at all. */
  error?: string;
  /** Text of an error page the server or the CMS printed (a PHP fatal error, WordPress's "critical error"). */
  fatal?: string;
  /** The page's `contains` text, when it was not found. */
  missing?: string;
  consoleErrors: string[];
  /** Uncaught JavaScript exceptions. */
  pageErrors: string[];
  /** File name of the PNG screenshot in the run's folder. */
  screenshot?: string;
}

const VIEWPORT = { width: 1280, height: 800 };
/** Long pages are compared over their first 6,000 CSS pixels: enough for a layout, bounded in memory. */
const MAX_HEIGHT = 6_000;
const NAV_TIMEOUT_MS = 45_000;
const MAX_MESSAGES = 20;
/** Painted over masked elements in both screenshots, so they always match. */
export const MASK_COLOR = '#FF00FF';

/** What PHP and the CMSs print when code fails: text no working page shows. */
const FATAL_TEXT = [
  /\b(?:PHP )?(?:Fatal error|Parse error|Recoverable fatal error)\b\s*:/i,
  /There has been a critical error on (?:this|your) website/i,
  /\bUncaught (?:Error|Exception|TypeError|ArgumentCountError|ParseError)\b/,
  /Error establishing a database connection/i,
  /The website encountered an unexpected error/i,
];

export function fatalTextIn(text: string): string | undefined {
  for (const pattern of FATAL_TEXT) {
    const m = pattern.exec(text);
    if (m)
      return text
        .slice(Math.max(0, m.index - 40), m.index + 160)
        .replace(/\s+/g, ' ')
        .trim();
  }
  return undefined;
}

/** Whether a capture passes the smoke checks on its own: loaded, a success status, no error text, the expected text. */
export const smokeProblems = (c: PageCapture): string[] => [
  ...(c.error ? [`could not be loaded: ${c.error}`] : []),
  ...(c.status !== null && c.status >= 400 ? [`answered ${c.status}`] : []),
  ...(c.fatal ? [`shows an error: "${c.fatal}"`] : []),
  ...(c.missing ? [`does not contain "${c.missing}"`] : []),
];

const pageFile = (index: number, label: string) => `page-${index + 1}-${label}.png`;

/**
 * Loads each sampled page in Chromium (confined, its traffic through the guarded proxy), waits
 * for it to settle, and records its status, error text, console errors and a screenshot with the
 * page's masked elements painted over. Screenshots go to `dir` as page-<n>-<label>.png.
 */
export async function capturePages(
  pages: readonly SamplePage[],
  ctx: { net: AuditNet; audits: AuditsConfig; dir: string; label: string },
): Promise<PageCapture[]> {
  await mkdir(ctx.dir, { recursive: true });
  return withBrowser({ net: ctx.net, config: ctx.audits }, async (session) => {
    const out: PageCapture[] = [];
    for (const [index, spec] of pages.entries()) {
      const context = await session.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, reducedMotion: 'reduce', serviceWorkers: 'block' });
      const capture: PageCapture = { url: spec.url, status: null, consoleErrors: [], pageErrors: [] };
      try {
        const page = await context.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error' && capture.consoleErrors.length < MAX_MESSAGES) capture.consoleErrors.push(m.text().slice(0, 500));
        });
        page.on('pageerror', (e) => {
          if (capture.pageErrors.length < MAX_MESSAGES) capture.pageErrors.push(e.message.slice(0, 500));
        });
        const response = await page.goto(spec.url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
        capture.status = response?.status() ?? null;
        await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined);
        await page.evaluate('document.fonts.ready.then(() => undefined)');
        const text = await page.evaluate<string>('document.body ? document.body.innerText : ""');
        const fatal = fatalTextIn(text);
        if (fatal) capture.fatal = fatal;
        if (spec.contains !== undefined && !text.includes(spec.contains)) capture.missing = spec.contains;
        const height = Math.min(MAX_HEIGHT, await page.evaluate<number>('Math.max(document.documentElement.scrollHeight, window.innerHeight)'));
        const png = await page.screenshot({
          fullPage: true,
          clip: { x: 0, y: 0, width: VIEWPORT.width, height },
          animations: 'disabled',
          caret: 'hide',
          mask: spec.maskSelectors.map((s) => page.locator(s)),
          maskColor: MASK_COLOR,
        });
        capture.screenshot = pageFile(index, ctx.label);
        await writeFile(join(ctx.dir, capture.screenshot), png);
      } catch (err) {
        capture.error = describeError(err).split('\n')[0]!.slice(0, 300);
      } finally {
        await context.close().catch(() => undefined);
      }
      out.push(capture);
    }
    return out;
  });
}
