import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { AppError } from '../../lib/errors.js';
import type { AuditContext } from '../context.js';
import { startGuardedProxy, type GuardedProxy } from './proxy.js';

/** Flags for Debian's Chromium in a server: no sandbox (root in containers), nothing phoning home. */
export const BASE_FLAGS = [
  '--headless=new',
  '--no-sandbox',
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

/**
 * Runs `fn` with a Chromium whose traffic goes through the guarded proxy, and always closes both.
 * Each call starts a new browser; callers make a new context per page for a fresh profile.
 */
export async function withBrowser<T>(ctx: AuditContext, fn: (browser: Browser, proxy: GuardedProxy) => Promise<T>): Promise<T> {
  requireChromium(ctx.config.chromium);
  const proxy = await startGuardedProxy(ctx.net);
  try {
    const browser = await chromium.launch({
      executablePath: ctx.config.chromium,
      headless: true,
      args: [...BASE_FLAGS, ...proxiedFlags(proxy.port, ctx.net.ca)],
      timeout: 30_000,
    });
    try {
      return await fn(browser, proxy);
    } finally {
      await browser.close();
    }
  } finally {
    await proxy.close();
  }
}
