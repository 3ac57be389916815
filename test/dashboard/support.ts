import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Core } from '../../src/app.js';
import type { Clock } from '../../src/lib/clock.js';
import { launchChromium } from '../support/browser.js';
import { projectRoot } from '../support/cli.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

/** A new page logged in through the login form, on the overview (`bypassCSP` only for axe-core). */
export async function loginPage(
  browser: Browser,
  url: string,
  email: string,
  password: string,
  options: { dark?: boolean; width?: number; bypassCSP?: boolean } = {},
): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1360, height: 900 },
    colorScheme: options.dark ? 'dark' : 'light',
    // Only to run axe-core in the page (the app's CSP allows no injected script).
    bypassCSP: options.bypassCSP ?? false,
  });
  await page.goto(url);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return page;
}

const newest = (dir: string): number =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));

/**
 * The suites drive the built app (web/dist) as the server serves it. `npm ci` builds it; after an
 * edit under web/ the build here is older than its sources, and is made again so no suite tests a stale app.
 */
export function ensureWebBuilt(): void {
  const index = join(projectRoot, 'web/dist/index.html');
  const sources = Math.max(newest(join(projectRoot, 'web/src')), statSync(join(projectRoot, 'web/index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync(process.execPath, [join(projectRoot, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], {
    cwd: projectRoot,
    stdio: 'inherit',
    // Vitest sets NODE_ENV=test, which would make a development build (React's dev runtime): build what users get.
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** A web page on loopback that a test can break and mend: 200 with "Add to cart", or 500. */
export async function startShop(): Promise<{ url: string; setHealthy(ok: boolean): void; close(): Promise<void> }> {
  let healthy = true;
  const server: Server = createServer((_req, res) => {
    if (healthy) res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Shop</h1><button>Add to cart</button>');
    else res.writeHead(500, { 'content-type': 'text/plain' }).end('database connection refused');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    setHealthy: (ok) => (healthy = ok),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A running Upkeep (SQLite) with ada@agency.example as owner, the given upkeep.yaml applied, and Debian's Chromium. */
export interface OwnedWorld {
  db: TestDatabase;
  core: Core;
  server: TestApp;
  browser: Browser;
  url: string;
  /** Site and monitor ids by name. */
  site: (name: string) => Promise<{ siteId: number; monitorId: number | undefined }>;
  close(): Promise<void>;
}

/**
 * Starts the world the objectives and trends pages are seen in. `seed` writes results before the
 * runtime's clock catches up: `clock` lags while it runs, then is set to now.
 */
export async function startOwnedWorld(yaml: string, clock: Clock & { behind: number }, seed: (world: OwnedWorld) => Promise<void>): Promise<OwnedWorld> {
  ensureWebBuilt();
  const db = await createTestDatabase('sqlite');
  const core = await openTestCore(db, clock);
  await core.accounts.createUser({ email: 'ada@agency.example', password: 'owner password 123', role: 'owner' });
  const loaded = config(yaml);
  await core.sync.apply(loaded, { dryRun: false });
  const server = await testRuntime(core, loaded.config);
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await launchChromium();
  const world: OwnedWorld = {
    db,
    core,
    server,
    url,
    browser,
    site: async (name) => {
      const siteId = (await core.sites.listSites({ limit: 1, search: name })).items[0]!.id;
      return { siteId, monitorId: (await core.sites.listMonitors({ limit: 1, siteId })).items[0]?.id };
    },
    async close() {
      await browser.close();
      await server.close();
      await core.close();
      await db.cleanup();
    },
  };
  await seed(world);
  await server.engine.results.flush();
  clock.behind = 0;
  return world;
}
