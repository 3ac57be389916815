import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { startHttpServer, startRawServer, type TestServer } from '../fixtures/servers.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';

/**
 * A client's editor against internal services. Only owners and admins may let an object reach
 * private addresses; and whatever a target answers (here an "internal" service on loopback, reached
 * because the instance allows private targets), no answer of the API repeats more than a short quote of it.
 */
let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
let internalTcp: TestServer;
let internalHttp: TestServer;
let owner: string;
let clientEditor: string;
let instanceEditor: string;
let siteId: number;
const SECRET = 'SECRET-internal-7f3a9c';
/** Padding puts the secret past any short quote of the answer's start. */
const PADDING = 'x'.repeat(100);
const as = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  internalTcp = await startRawServer((socket) => socket.end(`${PADDING}${SECRET}\r\n`), { speakFirst: true });
  internalHttp = await startHttpServer((req, res) => {
    if (req.url === '/hook') return void res.writeHead(500, { 'content-type': 'text/plain' }).end(`${PADDING}${SECRET}`);
    res.writeHead(200, { 'content-type': 'application/json', 'x-token': `${PADDING}${SECRET}` }).end(JSON.stringify({ padding: PADDING, secret: SECRET }));
  });
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  const loaded = config(`
sites:
  - name: Client site
    tags: [client-a]
`);
  await core.sync.apply(loaded, { dryRun: false });
  server = await testRuntime(core, loaded.config);
  app = server.app;
  owner = (await core.accounts.createToken({ name: 'o', scope: 'write' })).token;
  await app.inject({ method: 'PUT', url: '/api/v1/teams/Client A', headers: as(owner), payload: { tags: ['client-a'] } });
  const user = async (email: string, body: object) => {
    const made = (
      await app.inject({ method: 'POST', url: '/api/v1/users', headers: as(owner), payload: { email, password: 'a password 12345', ...body } })
    ).json();
    return (await core.accounts.createToken({ name: email, scope: 'write', userId: made.id })).token;
  };
  clientEditor = await user('editor@client-a.test', { role: 'viewer', teams: [{ team: 'Client A', role: 'editor' }] });
  instanceEditor = await user('editor@agency.test', { role: 'editor' });
  siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
  await internalTcp?.close();
  await internalHttp?.close();
});

const tcpMonitor = (name: string, extra: object = {}) => ({
  name,
  type: 'tcp',
  host: '127.0.0.1',
  port: internalTcp.port,
  send: 'INFO\r\n',
  expect: 'never there',
  interval: '1h',
  ...extra,
});

describe('the private-address guard', () => {
  it('only owners and admins may lift it: a client’s editor and an instance editor get 403 on allowPrivateTargets', async () => {
    for (const token of [clientEditor, instanceEditor]) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/sites/${siteId}/monitors`,
        headers: as(token),
        payload: tcpMonitor('Lifted', { allowPrivateTargets: true }),
      });
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.details[0].path).toBe('allowPrivateTargets');
    }
    const plain = await app.inject({ method: 'POST', url: `/api/v1/sites/${siteId}/monitors`, headers: as(clientEditor), payload: tcpMonitor('Plain') });
    expect(plain.statusCode).toBe(201);
    const lifted = await app.inject({
      method: 'PATCH',
      url: `/api/v1/monitors/${plain.json().id}`,
      headers: as(clientEditor),
      payload: { allowPrivateTargets: true },
    });
    expect(lifted.statusCode).toBe(403);
    const byOwner = await app.inject({
      method: 'PATCH',
      url: `/api/v1/monitors/${plain.json().id}`,
      headers: as(owner),
      payload: { allowPrivateTargets: true },
    });
    expect(byOwner.statusCode).toBe(200);
    // On an object that has it, the editor may rename and reschedule, not re-point or change what it asks.
    for (const [field, value] of [
      ['host', 'localhost'],
      ['port', 6379],
      ['send', 'CONFIG GET *\r\n'],
      // Another place to check from is another network's private addresses.
      ['locations', ['local']],
    ] as const) {
      const moved = await app.inject({ method: 'PATCH', url: `/api/v1/monitors/${plain.json().id}`, headers: as(clientEditor), payload: { [field]: value } });
      expect(moved.statusCode, field).toBe(403);
      expect(moved.json().error.details[0].path).toBe(field);
    }
    const renamed = await app.inject({
      method: 'PATCH',
      url: `/api/v1/monitors/${plain.json().id}`,
      headers: as(clientEditor),
      payload: { name: 'Renamed', interval: '2h' },
    });
    expect(renamed.statusCode).toBe(200);
  });

  it('holds for channels too: an instance editor may not lift it, nor re-point a channel that has it', async () => {
    const hook = { type: 'webhook', name: 'internal-hook', url: internalHttp.url('/hook'), secret: 'a-webhook-secret-of-some-length' };
    const lifted = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: as(instanceEditor), payload: { ...hook, allowPrivateTargets: true } });
    expect(lifted.statusCode).toBe(403);
    expect(lifted.json().error.details[0].path).toBe('allowPrivateTargets');
    const made = await app.inject({ method: 'POST', url: '/api/v1/channels', headers: as(owner), payload: { ...hook, allowPrivateTargets: true } });
    expect(made.statusCode).toBe(201);
    const moved = await app.inject({
      method: 'PATCH',
      url: `/api/v1/channels/${made.json().id}`,
      headers: as(instanceEditor),
      payload: { url: internalHttp.url('/admin'), secret: 'another-webhook-secret-long' },
    });
    expect(moved.statusCode).toBe(403);
    expect(moved.json().error.details[0].path).toBe('url');
    // "Send test": the status is told, never the body of the answer.
    const test = await app.inject({ method: 'POST', url: `/api/v1/channels/${made.json().id}/test`, headers: as(instanceEditor) });
    expect(test.json()).toMatchObject({ ok: false, status: 500, message: 'webhook answered 500' });
    expect(test.body).not.toContain(SECRET);
  });
});

describe('evidence kept from a target', () => {
  it('is short and never a body: no answer of the API repeats the internal service’s secret', async () => {
    const made = [
      await app.inject({ method: 'POST', url: `/api/v1/sites/${siteId}/monitors`, headers: as(clientEditor), payload: tcpMonitor('Internal TCP') }),
      await app.inject({
        method: 'POST',
        url: `/api/v1/sites/${siteId}/monitors`,
        headers: as(clientEditor),
        payload: {
          name: 'Internal JSON',
          type: 'http',
          url: internalHttp.url('/api'),
          interval: '1h',
          expect: { json: [{ path: '$', op: 'equals', value: 'x' }] },
        },
      }),
      await app.inject({
        method: 'POST',
        url: `/api/v1/sites/${siteId}/monitors`,
        headers: as(clientEditor),
        payload: {
          name: 'Internal header',
          type: 'http',
          url: internalHttp.url('/api'),
          interval: '1h',
          expect: { headers: [{ name: 'x-token', op: 'equals', value: 'x' }] },
        },
      }),
    ].map((res) => {
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    });
    const answers: string[] = [];
    const results: Record<number, { message: string; detail?: Record<string, unknown> }> = {};
    for (const id of made) {
      await app.inject({ method: 'POST', url: `/api/v1/monitors/${id}/check`, headers: as(clientEditor) });
      const page = await until(
        `a result of monitor ${id}`,
        async () => {
          const res = await app.inject({ url: `/api/v1/monitors/${id}/results`, headers: as(clientEditor) });
          return res.json().data.length ? res : undefined;
        },
        20_000,
      );
      answers.push(page.body);
      results[id] = page.json().data[0];
      for (const path of [`/monitors/${id}/status`, `/monitors/${id}/events`, `/monitors/${id}/summary`])
        answers.push((await app.inject({ url: `/api/v1${path}`, headers: as(clientEditor) })).body);
    }
    for (const path of ['/overview', '/portfolio', '/portfolio/monitors', '/events', '/incidents'])
      answers.push((await app.inject({ url: `/api/v1${path}`, headers: as(owner) })).body);
    for (const body of answers) expect(body).not.toContain(SECRET);
    // The TCP check says whether the answer matched and how much came, not what came.
    expect(results[made[0]!]).toMatchObject({ detail: { matched: false, receivedBytes: PADDING.length + SECRET.length + 2 } });
    expect(results[made[0]!]!.message).toContain(`(${PADDING.length + SECRET.length + 2} bytes came)`);
    // Assertions quote at most 64 characters of what they found.
    for (const id of made.slice(1)) {
      const quoted = /is (.*), expected/.exec(results[id]!.message)?.[1];
      expect(quoted, results[id]!.message).toBeDefined();
      expect(quoted!.length).toBeLessThanOrEqual(64);
    }
  }, 60_000);
});
