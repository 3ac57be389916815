import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { RunbooksService } from '../../src/runbooks/runbooks.service.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

describe.each(dialects)('runbooks on $dialect', ({ dialect, skip }) => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let owner: string;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${owner}` }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    if (skip) return;
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    const loaded = config(`
sites:
  - name: Shop
    monitors: [{ name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }, { name: Checkout, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }]
  - name: Blog
    monitors: [{ name: Front, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }]
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    const user = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: user.id })).token;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  it.skipIf(skip)('keeps every version, renders Markdown sanitized, and an incident finds the runbooks of its site and monitors', async () => {
    const monitors = (await core.sites.listMonitors({ limit: 10 })).items;
    const [home, checkout, front] = ['Home', 'Checkout', 'Front'].map((n) => monitors.find((m) => m.spec.name === n)!);
    const shop = home!.siteId;
    const site = await api('POST', `/sites/${shop}/runbooks`, { title: 'Shop is down', body: '1. Check the **host**\n<script>alert(1)</script>' });
    expect(site.statusCode).toBe(201);
    expect(site.json()).toMatchObject({ version: 1, monitorId: null, author: 'owner@agency.test (API token #1)' });
    expect(site.json().html).toContain('<strong>host</strong>');
    expect(site.json().html).not.toContain('<script');
    const edited = await api('PUT', `/runbooks/${site.json().id}`, { title: 'Shop is down', body: '1. Check the **host** and the database' });
    expect(edited.json().version).toBe(2);
    expect((await api('PUT', `/runbooks/${site.json().id}`, { title: 'Shop is down', body: '1. Check the **host** and the database' })).json().version).toBe(2);
    const versions = (await api('GET', `/runbooks/${site.json().id}/versions`)).json().data;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions[1].body).toContain('<script>alert(1)</script>');

    await api('POST', `/sites/${shop}/runbooks`, { title: 'Checkout fails', monitorId: checkout!.id, body: 'Restart the payment worker' });
    const wrong = await api('POST', `/sites/${shop}/runbooks`, { title: 'Not ours', monitorId: front!.id, body: 'x' });
    expect(wrong.json().error.details[0].path).toBe('monitorId');

    const homeDown = (await api('POST', '/incidents', { siteId: shop, title: 'Home down' })).json();
    const titles = (await api('GET', `/incidents/${homeDown.id}/runbooks`)).json().data.map((r: { title: string }) => r.title);
    expect(titles).toEqual(['Shop is down']);
    // An incident of the checkout monitor gets its runbook too.
    const service = new RunbooksService(core.storage.db, core.clock);
    expect((await service.forIncident(shop, [checkout!.id])).map((r) => r.row.title).sort()).toEqual(['Checkout fails', 'Shop is down']);
    expect((await api('DELETE', `/runbooks/${site.json().id}`)).statusCode).toBe(204);
    expect((await api('GET', `/runbooks/${site.json().id}`)).statusCode).toBe(404);
  });
});
