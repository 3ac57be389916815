import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBrowser } from '../../src/audits/browser/chromium.js';
import { defaultAuditsConfig } from '../../src/audits/config.js';
import type { AuditContext } from '../../src/audits/context.js';
import { createAuditNet } from '../../src/audits/net.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { chromiumSkip } from './support.js';

/** Chromium's traffic obeys the same address rules as our own requests, because it can only go through the guarded proxy. */
describe.skipIf(chromiumSkip)('Chromium behind the guarded proxy', () => {
  let site: TestServer;
  beforeAll(async () => {
    site = await startHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      // A page that tries to make the browser fetch the cloud metadata service and a name that does not exist.
      res.end('<img src="http://169.254.169.254/latest/meta-data/"><img src="http://metadata.google.internal/computeMetadata/v1/"><p>hi</p>');
    });
  });
  afterAll(() => site?.close());

  const context = (allowPrivate: boolean): AuditContext => ({
    url: new URL(site.url('/')),
    net: createAuditNet({ allowPrivate }),
    config: defaultAuditsConfig(),
    ports: {},

    step: () => undefined,
  });

  const load = (ctx: AuditContext) =>
    withBrowser(ctx, async (session) => {
      const { proxy } = session;
      const page = await (await session.newContext()).newPage();
      const response = await page.goto(ctx.url.href, { waitUntil: 'load' });
      await page.waitForTimeout(300);
      return { status: response?.status(), refused: proxy.refused.map((r) => r.target), forwarded: [...proxy.forwarded], text: await page.textContent('body') };
    });

  it('refuses loopback pages unless private targets are allowed', async () => {
    const blocked = await load(context(false));
    expect(blocked.status).toBe(403);
    expect(blocked.refused).toContain(site.url('/'));
    expect(site.connections).toBe(0);
  });

  it('never lets the page reach cloud metadata, even with private targets allowed', async () => {
    const loaded = await load(context(true));
    expect(loaded.text).toBe('hi');
    expect(loaded.refused).toEqual(expect.arrayContaining(['http://169.254.169.254/latest/meta-data/', 'http://metadata.google.internal/computeMetadata/v1/']));
    // Only what the page asked for left through the proxy: none of Chromium's own calls to Google.
    expect(loaded.forwarded.sort()).toEqual([`127.0.0.1:${site.port}`, '169.254.169.254:80', 'metadata.google.internal:80']);
  });
});
