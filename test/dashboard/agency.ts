import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Core } from '../../src/app.js';
import { launchChromium } from '../support/browser.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { ensureWebBuilt, loginPage } from './support.js';

/** The accounts of the agency: an owner, an instance-wide viewer, a viewer of client A's team, an editor of client B's team. */
export const accounts = {
  owner: ['owner@agency.test', 'owner password 123'],
  viewer: ['viewer@agency.test', 'viewer password 123'],
  viewerA: ['viewer@client-a.test', 'client password 123'],
  editorB: ['editor@client-b.test', 'client password 123'],
} as const;

export interface Agency {
  url: string;
  core: Core;
  server: TestApp;
  browser: Browser;
  /** Site ids by name: Shop and Blog (client A), Other (client B). */
  site: Record<'Shop' | 'Blog' | 'Other', number>;
  /** The API as the owner (a write token). */
  api: <T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: object) => Promise<{ status: number; body: T }>;
  login: (who: keyof typeof accounts, options?: { bypassCSP?: boolean }) => Promise<Page>;
  close: () => Promise<void>;
}

/**
 * A running Upkeep (real server, SQLite file) with three sites of two clients, a channel, a maintenance
 * window, a routine of the file and the four accounts, and Debian's Chromium to drive the built dashboard.
 */
export async function startAgency(edit: (yaml: string) => string = (yaml) => yaml): Promise<Agency> {
  ensureWebBuilt();
  const db: TestDatabase = await createTestDatabase('sqlite');
  const core = await openTestCore(db);
  const loaded = config(
    edit(`
sites:
  - name: Shop
    url: http://127.0.0.1:9/
    tags: [client-a]
    monitors:
      - { name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, paused: true }
  - name: Blog
    tags: [client-a]
  - name: Other
    tags: [client-b]
channels:
  - { name: ops-hook, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-webhook-secret-of-some-length }
maintenance:
  - { name: Sunday night, cron: "0 2 * * 0", duration: 2h, sites: [Shop] }
routines:
  - { site: Blog, name: Yearly review, template: starter, rrule: "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0", timezone: UTC }
`),
  );
  await core.sync.apply(loaded, { dryRun: false });
  const server = await testRuntime(core, loaded.config);
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const owner = await core.accounts.createUser({ email: accounts.owner[0], password: accounts.owner[1], role: 'owner' });
  await core.accounts.createUser({ email: accounts.viewer[0], password: accounts.viewer[1], role: 'viewer' });
  const token = (await core.accounts.createToken({ name: 'test', scope: 'write', userId: owner.id })).token;
  const api: Agency['api'] = async (method, path, body) => {
    const res = await server.app.inject({ method, url: `/api/v1${path}`, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) });
    return { status: res.statusCode, body: (res.body ? res.json() : undefined) as never };
  };
  await api('PUT', '/teams/Client A', { tags: ['client-a'] });
  await api('PUT', '/teams/Client B', { tags: ['client-b'] });
  for (const [who, team, role] of [
    ['viewerA', 'Client A', 'viewer'],
    ['editorB', 'Client B', 'editor'],
  ] as const) {
    const made = await api('POST', '/users', { email: accounts[who][0], password: accounts[who][1], role, teams: [{ team, role }] });
    if (made.status !== 201) throw new Error(`could not make ${who}: ${JSON.stringify(made.body)}`);
  }
  const site = {} as Agency['site'];
  for (const s of (await core.sites.listSites({ limit: 10 })).items) site[s.spec.name as keyof Agency['site']] = s.id;
  const browser = await launchChromium();
  return {
    url,
    core,
    server,
    browser,
    site,
    api,
    login: (who, options = {}) => loginPage(browser, url, accounts[who][0], accounts[who][1], options),
    close: async () => {
      await browser.close();
      await server.close();
      await core.close();
      await db.cleanup();
    },
  };
}

/** What the server answers a change sent from the page with the session's own CSRF token (the UI hides the button; the server must refuse anyway). */
export function changeFromPage(page: Page, method: string, path: string, body: object = {}): Promise<number> {
  return page.evaluate(
    async ([m, p, b]) => {
      const { csrfToken } = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const res = await fetch(`/api/v1${p}`, {
        method: m,
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: JSON.stringify(b),
      });
      return res.status;
    },
    [method, path, body] as const,
  );
}

/**
 * The agency for a describe block: started before its tests, closed after; read it inside a test.
 * `edit` changes its upkeep.yaml first (a file whose tests need more in it).
 */
export function useAgency(edit?: (yaml: string) => string): () => Agency {
  let agency: Agency | undefined;
  beforeAll(async () => {
    agency = await startAgency(edit);
  }, 120_000);
  afterAll(async () => {
    await agency?.close();
  });
  return () => agency!;
}
