import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

/**
 * Walks every route of the OpenAPI document as four callers: nobody, a viewer, a client limited to
 * team A, and the owner. Nobody gets 401 everywhere but the public routes; the viewer is refused
 * every change; the client of A gets 404 or 403 for every object of client B, and lists without them.
 */
let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
let routes: { method: string; path: string }[];
const ids: Record<string, number | string> = {};
const as = (token: string) => ({ authorization: `Bearer ${token}` });
let owner: string;
let viewer: string;
let clientA: string;

/** Routes anyone may call without credentials: the API description, logging in, first-run setup. */
const publicRoutes = ['GET /openapi.json', 'POST /session', 'POST /setup', 'GET /session/providers', 'GET /session/oidc', 'GET /session/oidc/callback'];
/** Routes about the caller's own account, open to every logged-in caller whatever their role. */
const ownRoutes = [
  'GET /session',
  'DELETE /session',
  'GET /session/all',
  'DELETE /session/all/{sessionId}',
  'POST /account/password',
  'POST /account/totp',
  'POST /account/totp/confirm',
  'POST /account/totp/disable',
  'POST /account/sso',
  'GET /tokens',
  'POST /tokens',
  'DELETE /tokens/{id}',
];

/** The path with B's objects (or the instance's) in place of its parameters. */
function concrete(path: string): string {
  const first = path.split('/')[1]!;
  return path
    .replace('{id}', String(ids[first] ?? 999_999))
    .replace('{name}', 'Client B')
    .replace('{sessionId}', 'no-such-session');
}

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  const loaded = config(`
sites:
  - name: Site A
    tags: [client-a]
    monitors: [{ name: Home A, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }]
  - name: Site B
    url: http://127.0.0.1:9/
    tags: [client-b]
    monitors: [{ name: Home B, type: tcp, host: 127.0.0.1, port: 9, interval: 1h }]
channels:
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-webhook-secret-of-some-length }
maintenance:
  - { name: Window B, cron: "0 2 * * 0", duration: 1h, sites: [Site B] }
`);
  await core.sync.apply(loaded, { dryRun: false });
  server = await testRuntime(core, loaded.config);
  app = server.app;
  const ownerUser = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
  owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: ownerUser.id })).token;
  await app.inject({ method: 'PUT', url: '/api/v1/teams/Client A', headers: as(owner), payload: { tags: ['client-a'] } });
  await app.inject({ method: 'PUT', url: '/api/v1/teams/Client B', headers: as(owner), payload: { tags: ['client-b'] } });
  const v = (
    await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as(owner),
      payload: { email: 'viewer@agency.test', password: 'viewer password 123', role: 'viewer' },
    })
  ).json();
  const a = (
    await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: as(owner),
      payload: { email: 'a@client-a.test', password: 'client password 123', role: 'viewer', teams: [{ team: 'Client A', role: 'editor' }] },
    })
  ).json();
  viewer = (await core.accounts.createToken({ name: 'v', scope: 'write', userId: v.id })).token;
  clientA = (await core.accounts.createToken({ name: 'a', scope: 'write', userId: a.id })).token;

  const siteB = (await core.sites.listSites({ limit: 10, search: 'Site B' })).items[0]!;
  const monitorB = (await core.sites.listMonitors({ limit: 10, siteId: siteB.id })).items[0]!;
  const incident = (
    await app.inject({ method: 'POST', url: '/api/v1/incidents', headers: as(owner), payload: { siteId: siteB.id, title: 'B is down' } })
  ).json();
  const audit = await core.audits.runAudit(siteB.id, { only: ['security'], allowPrivate: true });
  Object.assign(ids, {
    sites: siteB.id,
    monitors: monitorB.id,
    incidents: incident.id,
    audits: audit.id,
    channels: (await core.channels.list({ limit: 1 })).items[0]!.id,
    maintenance: (await server.incidents.maintenance.list())[0]!.id,
    users: ownerUser.id,
    teams: (await core.users.teams()).find((t) => t.name === 'Client B')!.id,
    tokens: 1,
  });
  const doc = (await app.inject('/api/v1/openapi.json')).json<{ paths: Record<string, Record<string, unknown>> }>();
  routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: path.replace(/^\/api\/v1/, '') })),
  );
}, 60_000);
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
});

const call = (r: { method: string; path: string }, headers: Record<string, string> = {}) => {
  const body = r.method !== 'GET' && r.method !== 'DELETE';
  return app.inject({
    method: r.method as 'GET',
    url: `/api/v1${concrete(r.path)}`,
    headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(body ? { payload: '{}' } : {}),
  });
};
const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

describe('authorization over every route of the API', () => {
  it('knows the routes', () => {
    expect(routes.length).toBeGreaterThan(40);
  });

  it('nothing answers without credentials but the public routes', async () => {
    for (const r of routes.filter((r) => !publicRoutes.includes(key(r)))) {
      expect((await call(r)).statusCode, key(r)).toBe(401);
    }
  });

  it('a viewer can change nothing but their own account', async () => {
    for (const r of routes.filter((r) => r.method !== 'GET' && !publicRoutes.includes(key(r)) && !ownRoutes.includes(key(r)))) {
      const res = await call(r, as(viewer));
      expect(res.statusCode, `${key(r)}: ${res.body.slice(0, 200)}`).toBe(403);
    }
  });

  it('a client of team A gets 404 or 403 for every object of client B and for the instance’s own objects', async () => {
    for (const r of routes.filter((r) => r.path.includes('{') && !publicRoutes.includes(key(r)) && !ownRoutes.includes(key(r)))) {
      const res = await call(r, as(clientA));
      expect([403, 404], `${key(r)}: ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode);
    }
  });

  it('lists show a client of team A only A’s things', async () => {
    const lists = ['/sites', '/monitors', '/incidents', '/events', '/overview', '/portfolio', '/portfolio/monitors'];
    for (const path of lists) {
      const res = await app.inject({ url: `/api/v1${path}`, headers: as(clientA) });
      expect(res.statusCode, path).toBe(200);
      expect(res.body, `${path}: ${res.body.slice(0, 400)}`).not.toMatch(/Site B|Home B|B is down/);
    }
    expect((await app.inject({ url: '/api/v1/sites', headers: as(clientA) })).json().data.map((s: { name: string }) => s.name)).toEqual(['Site A']);
    for (const path of ['/channels', '/maintenance', '/users', '/teams', '/activity']) {
      expect((await app.inject({ url: `/api/v1${path}`, headers: as(clientA) })).statusCode, path).toBe(403);
    }
  });

  it('a client of team A may make sites only inside A', async () => {
    const outside = await app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(clientA), payload: { name: 'Sneaky', tags: ['client-b'] } });
    // Refused in words that say what to do, on the field to change (not "site 0 does not exist").
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error.details).toEqual([{ path: 'tags', message: 'a site of yours needs one of your team’s tags: "client-a"' }]);
    const inside = await app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(clientA), payload: { name: 'Site A2', tags: ['client-a'] } });
    expect(inside.statusCode).toBe(201);
    // Nor may a site be moved out of the team: the site exists, and the answer says so.
    const moved = await app.inject({ method: 'PATCH', url: `/api/v1/sites/${inside.json().id}`, headers: as(clientA), payload: { tags: ['client-b'] } });
    expect(moved.statusCode).toBe(403);
    expect(moved.json().error.message).toBe('a site of yours needs one of your team’s tags: "client-a"');
  });

  it('the owner reaches everything', async () => {
    for (const path of ['/sites', '/channels', '/users', '/teams', '/activity', `/incidents/${ids.incidents}`, `/audits/${ids.audits}`]) {
      expect((await app.inject({ url: `/api/v1${path}`, headers: as(owner) })).statusCode, path).toBe(200);
    }
  });
});
