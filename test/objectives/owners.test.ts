import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(dialects)('site owners on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let token: string;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    await core.accounts.createUser({ email: 'Ada@Agency.example', password: 'a-long-enough-password', role: 'editor' });
    // The file may name people before their accounts exist; the overview flags them.
    const loaded = config(`
sites:
  - { name: Owned, owner: ada@agency.example, deputy: ghost@agency.example }
  - { name: Orphan }
  - { name: Stranger, owner: nobody@agency.example }
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testServer(core);
    token = (await core.accounts.createToken({ name: 'w', scope: 'write' })).token;
  });
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  const get = async (url: string) => {
    const res = await server.app.inject({ url: `/api/v1${url}`, headers: as(token) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('shows every site’s owner on the overview and flags sites without one, or whose owner has no account', async () => {
    const portfolio = await get('/portfolio');
    const byName = Object.fromEntries(portfolio.data.map((s: { name: string }) => [s.name, s]));
    expect(byName.Owned).toMatchObject({ owner: 'ada@agency.example', deputy: 'ghost@agency.example', ownerFlag: null });
    expect(byName.Orphan).toMatchObject({ owner: null, deputy: null, ownerFlag: 'no_owner' });
    expect(byName.Stranger).toMatchObject({ owner: 'nobody@agency.example', ownerFlag: 'no_account' });
    expect(portfolio.totals.withoutOwner).toBe(1);
    const unowned = await get('/portfolio?show=unowned');
    expect(unowned.data.map((s: { name: string }) => s.name)).toEqual(['Orphan']);
  });

  it('takes an owner in the API only when it is an account, and names the field otherwise', async () => {
    const refused = await server.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: as(token),
      payload: { name: 'New', owner: 'who@agency.example' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toBe('owner: not an account you can assign');
    expect(refused.json().error.details).toEqual([{ path: 'owner', message: 'not an account you can assign' }]);
    const bad = await server.app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(token), payload: { name: 'New', owner: 'not an email' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('owner');

    const made = await server.app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(token), payload: { name: 'New', owner: 'ADA@agency.example' } });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().owner).toBe('ADA@agency.example');
    // A later change that keeps the owner is not checked again; a deputy without an account is refused.
    const id = made.json().id;
    const patched = await server.app.inject({ method: 'PATCH', url: `/api/v1/sites/${id}`, headers: as(token), payload: { description: 'x' } });
    expect(patched.statusCode).toBe(200);
    const deputy = await server.app.inject({ method: 'PATCH', url: `/api/v1/sites/${id}`, headers: as(token), payload: { deputy: 'who@agency.example' } });
    expect(deputy.statusCode).toBe(400);
    expect(deputy.json().error.details[0].path).toBe('deputy');
    const site = await get(`/portfolio?siteId=${id}`);
    expect(site.data[0]).toMatchObject({ owner: 'ADA@agency.example', ownerFlag: null });
  });

  it('assigns a new incident to the site’s owner', async () => {
    const sites = await get('/sites');
    const owned = sites.data.find((s: { name: string }) => s.name === 'Owned');
    const orphan = sites.data.find((s: { name: string }) => s.name === 'Orphan');
    const open = async (siteId: number) => {
      const res = await server.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: as(token), payload: { siteId, title: 'Checkout fails' } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    };
    expect((await open(owned.id)).owner).toBe('ada@agency.example');
    expect((await open(orphan.id)).owner).toBeNull();
  });
});
