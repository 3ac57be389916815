import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Core } from '../../src/app.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { xssPayloads } from '../fixtures/xss-payloads.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

/** Names of sites, monitors and maintenance windows cannot hold "/" (it separates them in references). */
const asName = (i: number, p: string) => `${i} ${p.replaceAll('/', '∕')}`.slice(0, 120);
const tags = new Set(
  'html head meta title link body header div img h1 main p section h2 h3 h4 h5 h6 article strong em del code pre blockquote hr br time ul ol li span footer a form input button label table thead tbody tr th td'.split(
    ' ',
  ),
);

/** Everything in the page that could run, load or navigate: elements we never write, handlers, script URLs, inline styles, images other than the logo. */
function dangers(logo: string): string[] {
  // Runs in the page; the few DOM members it uses are typed here rather than pulling the DOM library into the whole program.
  interface El {
    tagName: string;
    attributes: ArrayLike<{ name: string; value: string }>;
    getAttribute(name: string): string | null;
    hasAttribute(name: string): boolean;
  }
  const page = globalThis as unknown as { __tags: string[]; document: { querySelectorAll(selector: string): ArrayLike<El> } };
  const found: string[] = [];
  const allowed = new Set(page.__tags);
  for (const el of Array.from(page.document.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase();
    if (!allowed.has(tag)) found.push(`<${tag}>`);
    for (const attr of Array.from(el.attributes)) {
      if (/^on/i.test(attr.name) || attr.name === 'style' || attr.name === 'srcdoc' || attr.name === 'formaction' || attr.name === 'autofocus')
        found.push(`${tag}[${attr.name}]`);
      if (/^(href|src|action|data|xlink:href)$/i.test(attr.name) && /^\s*(javascript|data|vbscript):/i.test(attr.value))
        found.push(`${tag}[${attr.name}=${attr.value}]`);
    }
    if (tag === 'img' && el.getAttribute('src') !== logo) found.push(`img[src=${el.getAttribute('src')}]`);
    if (tag === 'meta' && !el.hasAttribute('charset') && el.getAttribute('name') !== 'viewport') found.push('meta');
  }
  return found;
}

describe.skipIf(chromiumSkipReason)(`${xssPayloads.length} XSS payloads in every field people write`, () => {
  let target: TestServer;
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let base = '';
  const dialogs: string[] = [];
  const outside: string[] = [];

  beforeAll(async () => {
    expect(xssPayloads.length).toBeGreaterThanOrEqual(50);
    target = await startHttpServer((req, res) => {
      const i = /^\/customer\/(\d+)$/.exec(req.url ?? '')?.[1];
      // A customer's own site with the status banner snippet on it.
      if (i)
        return res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<!doctype html><title>shop</title><p>Welcome</p><script src="${base}/status/xss-${i}/embed.js" async></script>`);
      return res.end('ok');
    });
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    const tomorrow = Date.now() + 86_400_000;
    const file = {
      sites: xssPayloads.map((p, i) => ({ name: asName(i, p), monitors: [{ name: asName(i, p), type: 'http', url: target.url(`/m${i}`), interval: '1h' }] })),
      maintenance: xssPayloads.map((p, i) => ({
        name: asName(i, p),
        description: p,
        sites: [asName(i, p)],
        start: new Date(tomorrow).toISOString(),
        end: new Date(tomorrow + 3_600_000).toISOString(),
      })),
      statusPages: xssPayloads.map((p, i) => ({
        slug: `xss-${i}`,
        title: p,
        description: p,
        customCss: p,
        logo: `https://logo.test/logo.png?${p}`,
        components: [
          { name: p, description: p, monitors: [`${asName(i, p)}/${asName(i, p)}`] },
          { name: `${p} (site)`, site: asName(i, p) },
        ],
      })),
    };
    const loaded = config(stringify(file), {});
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const auth = { authorization: `Bearer ${(await core.accounts.createToken({ name: 't', scope: 'write' })).token}` };
    const sites = (await core.sites.listSites({ limit: 500 })).items;
    for (const [i, p] of xssPayloads.entries()) {
      const siteId = sites.find((s) => s.spec.name === asName(i, p))!.id;
      const opened = await server.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: auth, payload: { siteId, title: p.slice(0, 200) } });
      const update = await server.app.inject({
        method: 'POST',
        url: `/api/v1/incidents/${opened.json<{ id: number }>().id}/updates`,
        headers: auth,
        payload: { status: 'identified', body: p },
      });
      expect(update.statusCode).toBe(201);
    }
    await server.statusPages.pages.refresh(true);
    browser = await launchChromium();
    // Without the CSP's help: escaping and sanitizing alone must keep every payload inert.
    context = await browser.newContext({ bypassCSP: true });
    await context.addInitScript(`globalThis.__tags = ${JSON.stringify([...tags])};`);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(base) || url.startsWith(target.origin)) return route.continue();
      if (!url.startsWith('https://logo.test/')) outside.push(url);
      return route.abort();
    });
    context.on('page', (page) => page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss())));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await target?.close();
  });

  it('renders each page with the payload shown as text, nothing runs, loads or navigates, and the stylesheet is inert', async () => {
    const page = await context.newPage();
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    for (const [i, p] of xssPayloads.entries()) {
      const response = await page.goto(`${base}/status/xss-${i}`);
      expect(response!.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toBe(p.trim());
      expect(await page.locator('.cs h3').first().textContent()).toBe(p.trim());
      expect(await page.locator('section[aria-labelledby="h-active"] h3').textContent()).toBe(p.slice(0, 200).trim());
      await page.mouse.move(200, 300);
      await page.keyboard.press('Tab');
      const logo = await page.locator('header img').getAttribute('src');
      expect(logo?.startsWith('https://logo.test/logo.png?')).toBe(true);
      expect({ payload: i, found: await page.evaluate(dangers, logo!) }).toEqual({ payload: i, found: [] });
      expect(page.url()).toBe(`${base}/status/xss-${i}`);
      const css = await (await fetch(`${base}/status/xss-${i}/page.css`)).text();
      expect(css).not.toMatch(/url\s*\(|@import|expression\s*\(|javascript:|(?<![\w-])behavior\s*:|-moz-binding|</i);
    }
    expect(dialogs).toEqual([]);
    expect(outside).toEqual([]);
  }, 120_000);

  it('shows the banner on a customer site with the payloads as text, running none of them', async () => {
    const page = await context.newPage();
    for (const i of [0, 2, 9, 16, 38, 53]) {
      await page.goto(target.url(`/customer/${i}`));
      const banner = page.locator('[data-upkeep-banner]');
      await banner.waitFor();
      expect(await banner.locator('span').textContent()).toContain(xssPayloads[i]!.slice(0, 200).trim());
      expect(await banner.locator('*').evaluateAll((all) => all.map((c) => (c as unknown as { tagName: string }).tagName))).toEqual(['BUTTON', 'SPAN', 'A']);
    }
    expect(dialogs).toEqual([]);
    expect(outside).toEqual([]);
  }, 60_000);
});
