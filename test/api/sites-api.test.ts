import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

let db: TestDatabase;
let core: Core;
let app: FastifyInstance;
let server: TestApp;
let write: string;
let read: string;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  server = await testServer(core);
  app = server.app;
  write = (await core.accounts.createToken({ name: 'w', scope: 'write' })).token;
  read = (await core.accounts.createToken({ name: 'r', scope: 'read' })).token;
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
});

describe('the API', () => {
  it('answers health without credentials and everything under /api/v1 only with them', async () => {
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    for (const url of ['/api/v1/sites', '/api/v1/monitors', '/api/v1/sites/1', '/api/v1/nothing-here']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'unauthorized', requestId: expect.any(String) });
    }
    expect((await app.inject({ url: '/api/v1/sites', headers: as('upk_not-a-real-token') })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/sites', headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
  });

  it('describes itself as OpenAPI 3.1 with browsable docs', async () => {
    const doc = (await app.inject('/api/v1/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/sites', '/api/v1/sites/{id}', '/api/v1/monitors/{id}', '/api/v1/sites/{id}/monitors']),
    );
    expect(doc.paths['/api/v1/sites'].post.requestBody.content['application/json'].schema.properties.name).toBeDefined();
    const docs = await app.inject('/api/v1/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('lets a read token read but not write', async () => {
    expect((await app.inject({ url: '/api/v1/sites', headers: as(read) })).statusCode).toBe(200);
    const res = await app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(read), payload: { name: 'Nope' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('creates, reads, patches, replaces and deletes sites and monitors', async () => {
    const site = await app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: as(write),
      payload: { name: 'Shop', url: 'https://shop.test', tags: ['acme'] },
    });
    expect(site.statusCode).toBe(201);
    const siteId = site.json().id;
    expect(site.json()).toMatchObject({ name: 'Shop', managedBy: 'api', tags: ['acme'], createdAt: expect.stringMatching(/^\d{4}-/) });

    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/${siteId}/monitors`,
      headers: as(write),
      payload: { name: 'Home', type: 'http', url: 'https://shop.test/', interval: '30s', auth: { type: 'basic', username: 'u', password: 'pw-secret' } },
    });
    expect(created.statusCode).toBe(201);
    const monitor = created.json();
    expect(monitor).toMatchObject({ site: 'Shop', siteId, interval: '30s', timeout: '10s', auth: { username: 'u', password: '********' } });
    expect(created.body).not.toContain('pw-secret');

    const patched = await app.inject({
      method: 'PATCH',
      url: `/api/v1/monitors/${monitor.id}`,
      headers: as(write),
      payload: { interval: '2m', expect: { contains: 'Welcome' } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ interval: '2m', expect: { contains: 'Welcome' }, auth: { password: '********' } });
    // The redacted secret written back keeps the stored one.
    expect((await core.sites.getMonitor(monitor.id)).spec).toMatchObject({ auth: { password: 'pw-secret' } });

    const listed = await app.inject({ url: '/api/v1/monitors?tag=acme&limit=10', headers: as(read) });
    expect(listed.json()).toMatchObject({ data: [{ id: monitor.id }], page: { total: 1, limit: 10, nextCursor: null } });

    const replaced = await app.inject({ method: 'PUT', url: `/api/v1/sites/${siteId}`, headers: as(write), payload: { name: 'Shop renamed' } });
    expect(replaced.json()).toMatchObject({ name: 'Shop renamed', tags: [] });
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/sites/${siteId}`, headers: as(write) })).statusCode).toBe(204);
    expect((await app.inject({ url: `/api/v1/monitors/${monitor.id}`, headers: as(read) })).statusCode).toBe(404);
  });

  it('explains bad input field by field, with the config file’s words', async () => {
    const site = await app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(write), payload: { name: 'Validation' } });
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/sites/${site.json().id}/monitors`,
      headers: as(write),
      payload: { name: 'Bad', type: 'http', url: 'ftp://x', interval: 'fast', colour: 'red' },
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('invalid_input');
    expect(error.details).toEqual(
      expect.arrayContaining([
        { path: 'interval', message: 'expected a duration like "30s" or "5m", got "fast"' },
        { path: 'url', message: 'expected an http(s) URL like "https://example.com/", got "ftp://x"' },
        { path: '', message: 'unknown field "colour"' },
      ]),
    );
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/sites', headers: { ...as(write), 'content-type': 'application/json' }, payload: '{"name":' })).json()
        .error.code,
    ).toBe('invalid_input');
    expect((await app.inject({ url: '/api/v1/sites/abc', headers: as(read) })).json().error).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('id'),
    });
    expect((await app.inject({ url: '/api/v1/sites?limit=100000', headers: as(read) })).statusCode).toBe(400);
  });

  it('refuses to change what the config file owns, and says where to change it', async () => {
    await core.sync.apply(config('sites:\n  - name: From file\n    monitors:\n      - { name: Ping, type: tcp, host: db.test, port: 5432 }\n'), {
      dryRun: false,
    });
    const site = (await app.inject({ url: '/api/v1/sites?q=from%20file', headers: as(read) })).json().data[0];
    expect(site.managedBy).toBe('config');
    const res = await app.inject({ method: 'PATCH', url: `/api/v1/sites/${site.id}`, headers: as(write), payload: { description: 'x' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toContain('upkeep apply');
  });

  it('never shows a stack trace', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/sites', headers: { ...as(write), 'content-type': 'application/xml' }, payload: '<site/>' });
    expect(res.statusCode).toBe(415);
    expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(res.json().error.code).toBe('invalid_input');
  });
});
