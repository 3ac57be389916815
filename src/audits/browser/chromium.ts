import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { AppError } from '../../lib/errors.js';
import type { AuditContext } from '../context.js';
import { launchChromium, type LaunchedChromium } from './launch.js';
import { hostPortOf, startGuardedProxy, type GuardedProxy } from './proxy.js';

/** Flags for Debian's Chromium in a server: headless, nothing phoning home. Audits add the sandbox decision (launch.ts). */
export const BASE_FLAGS = [
  '--headless=new',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/**
 * Flags that send all of Chromium's traffic through the guarded proxy: loopback too (Chromium skips
 * proxies for it by default), with Chromium's own resolver answering nothing, so a request that
 * somehow bypassed the proxy would fail instead of reaching the network. Sites behind a private CA
 * are accepted by the CA's key, as our own client accepts them.
 */
export function proxiedFlags(proxyPort: number, ca: readonly string[]): string[] {
  const flags = [
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
    '--proxy-bypass-list=<-loopback>',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  ];
  if (ca.length) flags.push(`--ignore-certificate-errors-spki-list=${ca.map(spkiHash).join(',')}`);
  return flags;
}

function spkiHash(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

export function requireChromium(path: string): void {
  if (!existsSync(path))
    throw new AppError('unavailable', `Chromium was not found at ${path}; install Debian's package (apt-get install chromium) or set audits.chromium`);
}

/** Chromium's own services, which it calls whatever flags it gets; never the audited page's content. */
const BROWSER_SERVICES = new Set([
  'update.googleapis.com:443',
  'update.googleapis.com:80',
  'clients1.google.com:80',
  'clients2.google.com:80',
  'clients2.google.com:443',
  'accounts.google.com:443',
  'optimizationguide-pa.googleapis.com:443',
  'content-autofill.googleapis.com:443',
  'safebrowsing.googleapis.com:443',
  'safebrowsingohttpgateway.googleapis.com:443',
  'redirector.gvt1.com:443',
  'edgedl.me.gvt1.com:443',
  'dl.google.com:443',
]);

/** For Lighthouse, which drives Chromium without Playwright: everything but Chromium's own services. */
export const notBrowserServices = (hostPort: string) => !BROWSER_SERVICES.has(hostPort);

export interface BrowserSession {
  browser: Browser;
  proxy: GuardedProxy;
  /** The browser process and how it is confined. */
  chromium: Pick<LaunchedChromium, 'pid' | 'confinement'>;
  /**
   * A fresh context (an empty profile) whose pages' requests are announced to the proxy before they
   * leave: the proxy forwards only those, so nothing Chromium sends for itself gets out, and a site
   * that uses accounts.google.com is still seen doing so.
   */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

/**
 * Runs `fn` with a Chromium whose traffic goes through the guarded proxy, and always closes both.
 * Each call starts a new browser (confined: see launch.ts), which Playwright drives over its
 * DevTools endpoint.
 */
export async function withBrowser<T>(ctx: Pick<AuditContext, 'config' | 'net'>, fn: (session: BrowserSession) => Promise<T>): Promise<T> {
  requireChromium(ctx.config.chromium);
  const announced = new Set<string>();
  const proxy = await startGuardedProxy(ctx.net, (hostPort) => announced.has(hostPort));
  try {
    const launched = await launchChromium({
      path: ctx.config.chromium,
      flags: [...BASE_FLAGS, ...proxiedFlags(proxy.port, ctx.net.ca)],
      user: ctx.config.chromiumUser,
    });
    try {
      const browser = await chromium.connectOverCDP(launched.wsEndpoint, { timeout: 30_000 });
      const newContext = async (options?: BrowserContextOptions) => {
        const context = await browser.newContext(options);
        await context.route('**/*', (route) => {
          const url = new URL(route.request().url());
          if (url.protocol === 'http:' || url.protocol === 'https:') announced.add(hostPortOf(url));
          return route.continue();
        });
        await context.routeWebSocket(/.*/, (ws) => {
          announced.add(hostPortOf(new URL(ws.url())));
          ws.connectToServer();
        });
        return context;
      };
      try {
        return await fn({ browser, proxy, chromium: { pid: launched.pid, confinement: launched.confinement }, newContext });
      } finally {
        await browser.close().catch(() => undefined);
      }
    } finally {
      await launched.close();
    }
  } finally {
    await proxy.close();
  }
}
