import type { Page } from 'playwright-core';
import type { BrowserSession } from '../browser/chromium.js';

/**
 * What a page does when it is opened in a fresh profile and left alone: no click, no scroll, so
 * nothing here has been consented to.
 */
export interface PageEvidence {
  finalUrl: string;
  status: number;
  requests: { url: string; method: string; type: string; status: number | null; failed?: string }[];
  cookies: { name: string; domain: string; path: string; expires: number; httpOnly: boolean; secure: boolean; sameSite: string; setBy: string }[];
  storage: { local: string[]; session: string[] };
  dom: DomFacts;
  /** PNG of the first screen, base64. */
  screenshot: string;
  /** Referrer-Policy of the document (header), if sent. */
  referrerPolicyHeader: string | null;
}

export interface DomFacts {
  forms: { action: string; method: string; hasPassword: boolean }[];
  privacyLinks: string[];
  /** Names of consent managers seen (by their globals or DOM), or "banner" for a generic cookie notice. */
  consent: string[];
  metaReferrer: string | null;
}

/**
 * Runs in the page (as source text: this project compiles without DOM types) and reads what a visitor
 * could see, without touching anything: forms, privacy links, consent managers, a cookie notice.
 */
const READ_DOM = `(() => {
  const forms = [...document.forms].map((f) => ({ action: f.action, method: (f.getAttribute('method') || 'get').toLowerCase(), hasPassword: Boolean(f.querySelector('input[type=password]')) }));
  const words = /privacy|datenschutz|privacidad|confidentialit|integritet|dataskydd|privacybeleid|personuppgift|tietosuoja|personvern|protezione dei dati|ochrona danych/i;
  const privacyLinks = [...document.querySelectorAll('a[href]')].filter((a) => words.test(a.textContent || '') || words.test(a.getAttribute('href') || '')).map((a) => a.href);
  const globals = [['__tcfapi', 'IAB TCF'], ['Cookiebot', 'Cookiebot'], ['OneTrust', 'OneTrust'], ['Didomi', 'Didomi'], ['UC_UI', 'Usercentrics'], ['klaro', 'Klaro'],
    ['cookieconsent', 'Cookie Consent'], ['_iub', 'iubenda'], ['CookieYes', 'CookieYes'], ['borlabsCookieConfig', 'Borlabs Cookie'], ['complianz', 'Complianz']];
  const consent = globals.filter(([name]) => window[name] !== undefined).map(([, label]) => label);
  const banner = [...document.querySelectorAll('body *')].some((el) => {
    const style = getComputedStyle(el);
    const floating = style.position === 'fixed' || style.position === 'sticky' || el.getAttribute('role') === 'dialog' || el.tagName === 'DIALOG';
    return floating && style.display !== 'none' && style.visibility !== 'hidden' && /cookie|consent|einwillig|samtycke|tracking/i.test(el.textContent || '');
  });
  if (banner) consent.push('banner');
  const meta = document.querySelector('meta[name=referrer]');
  return { forms, privacyLinks, consent, metaReferrer: meta ? meta.getAttribute('content') : null };
})()`;

const STORAGE_KEYS = '({ local: Object.keys(localStorage), session: Object.keys(sessionStorage) })';

async function storageKeys(page: Page): Promise<{ local: string[]; session: string[] }> {
  try {
    return await page.evaluate<{ local: string[]; session: string[] }>(STORAGE_KEYS);
  } catch {
    // Storage can be refused (opaque origins, sandboxed documents): then nothing was stored.
    return { local: [], session: [] };
  }
}

/** Opens `url` in a new, empty browser context and records everything it does in `settleMs` after load. */
export async function scanPage(session: BrowserSession, url: string, settleMs: number): Promise<PageEvidence> {
  const context = await session.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  try {
    const page = await context.newPage();
    const requests: PageEvidence['requests'] = [];
    const cookieSources = new Map<string, string>();
    page.on('requestfinished', (req) => {
      void req.response().then(async (res) => {
        requests.push({ url: req.url(), method: req.method(), type: req.resourceType(), status: res?.status() ?? null });
        const setCookie = await res?.headerValue('set-cookie').catch(() => null);
        for (const line of setCookie?.split('\n') ?? []) cookieSources.set(line.split('=', 1)[0]!.trim(), req.url());
      });
    });
    page.on('requestfailed', (req) =>
      requests.push({ url: req.url(), method: req.method(), type: req.resourceType(), status: null, failed: req.failure()?.errorText ?? 'failed' }),
    );
    const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    await page.waitForTimeout(settleMs);
    const dom = await page.evaluate<DomFacts>(READ_DOM);
    const cookies = (await context.cookies()).map((c) => ({
      name: c.name,
      domain: c.domain.replace(/^\./, ''),
      path: c.path,
      expires: c.expires,
      httpOnly: c.httpOnly,
      secure: c.secure,
      sameSite: c.sameSite,
      setBy: cookieSources.get(c.name) ?? 'a script on the page',
    }));
    const storage = await storageKeys(page);
    const screenshot = (await page.screenshot({ type: 'png' })).toString('base64');
    return {
      finalUrl: page.url(),
      status: response?.status() ?? 0,
      requests,
      cookies,
      storage,
      dom,
      screenshot,
      referrerPolicyHeader: (await response?.headerValue('referrer-policy')) ?? null,
    };
  } finally {
    await context.close();
  }
}
