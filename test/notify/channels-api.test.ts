import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { mockProvider, type MockProvider } from './mock-provider.js';

let db: TestDatabase;
let core: Core;
let app: FastifyInstance;
let server: TestApp;
let mock: MockProvider;
let headers: { authorization: string };
const SLACK_SECRET = 'T000/B000/very-secret-slack-path';
const all: string[] = [];

/** Every answer is kept, so the last test can show no secret was ever in one. */
async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  all.push(res.body);
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  server = await testServer(core);
  app = server.app;
  mock = await mockProvider();
  headers = { authorization: `Bearer ${(await core.accounts.createToken({ name: 'w', scope: 'write' })).token}` };
});
afterAll(async () => {
  await server?.close();
  await mock?.close();
  await core?.close();
  await db?.cleanup();
});

describe('the channels API', () => {
  let id: number;

  it('creates a channel and answers its secrets as ********', async () => {
    const res = await call('POST', '/channels', { type: 'slack', name: 'ops-slack', url: `${mock.url}/services/${SLACK_SECRET}` });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ type: 'slack', name: 'ops-slack', url: '********', managedBy: 'api' });
    id = res.body.id;
    expect((await call('GET', `/channels/${id}`)).body.url).toBe('********');
    const list = await call('GET', '/channels?type=slack');
    expect(list.body.data.map((c: { name: string }) => c.name)).toEqual(['ops-slack']);
    const raw = await core.storage.db.selectFrom('channels').selectAll().execute();
    expect(JSON.stringify(raw)).not.toContain(SLACK_SECRET);
  });

  it('keeps a secret written back as ******** and replaces one written anew', async () => {
    const put = await call('PUT', `/channels/${id}`, { type: 'slack', name: 'ops-slack', url: '********', allowPrivateTargets: true });
    expect(put.status).toBe(200);
    expect((await core.channels.get(id)).spec).toMatchObject({ url: `${mock.url}/services/${SLACK_SECRET}`, allowPrivateTargets: true });
    const patch = await call('PATCH', `/channels/${id}`, { templates: { test: { title: 'Hello from {{site.name}}' } } });
    expect(patch.body).toMatchObject({ url: '********', templates: { test: { title: 'Hello from {{site.name}}' } } });
    expect((await core.channels.get(id)).spec).toMatchObject({ url: `${mock.url}/services/${SLACK_SECRET}` });
  });

  it('refuses bad input with the field that is wrong, and duplicate names', async () => {
    const bad = await call('PATCH', `/channels/${id}`, { templates: { opened: { body: '{{{incident.title}}}' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^templates\.opened\.body: unescaped values/);
    const unknown = await call('POST', '/channels', { type: 'pigeon', name: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('type');
    const dup = await call('POST', '/channels', { type: 'slack', name: 'ops-slack', url: 'https://hooks.slack.com/services/x' });
    expect(dup.status).toBe(409);
  });

  it('sends a test now and answers the delivery, also when the provider fails', async () => {
    mock.answer(() => ({ status: 200, body: 'ok' }));
    const sent = await call('POST', `/channels/${id}/test`);
    expect(sent).toEqual({ status: 200, body: { ok: true, status: 200 } });
    const last = mock.requests.at(-1)!;
    expect(last.url).toBe(`/services/${SLACK_SECRET}`);
    expect(last.json().blocks[0].text.text).toBe('Hello from Example shop');
    mock.answer(() => ({ status: 410, body: 'channel_is_archived' }));
    expect((await call('POST', `/channels/${id}/test`)).body).toEqual({
      ok: false,
      retryable: false,
      status: 410,
      message: 'slack answered 410: channel_is_archived',
    });
    expect((await call('POST', '/channels/9999/test')).status).toBe(404);
  });

  it('previews templates for a kind or a channel, with sample or given data', async () => {
    const byType = await call('POST', '/templates/preview', { type: 'telegram', event: 'incident.resolved' });
    expect(byType.body).toMatchObject({ format: 'html', title: '✅ Resolved: Example shop is down' });
    const byChannel = await call('POST', '/templates/preview', { channelId: id, event: 'test', data: { site: { name: 'A & B' } } });
    expect(byChannel.body).toEqual({ format: 'slack', title: 'Hello from A &amp; B', body: expect.stringContaining('Nothing is wrong with A &amp; B') });
    const tried = await call('POST', '/templates/preview', {
      type: 'ntfy',
      event: 'incident.opened',
      templates: { opened: { title: '{{#monitors}}[{{name}}]{{/monitors}}' } },
      data: { monitors: [{ id: 1, name: 'DB', type: 'tcp', status: 'down', message: 'refused', since: '2025-01-01T00:00:00Z' }] },
    });
    expect(tried.body.title).toBe('[DB]');
    const webhook = await call('POST', '/templates/preview', { type: 'webhook', event: 'incident.opened' });
    expect(JSON.parse(webhook.body.body)).toMatchObject({ event: 'incident.opened', site: { name: 'Example shop' } });
    expect((await call('POST', '/templates/preview', { type: 'slack', channelId: id, event: 'test' })).status).toBe(400);
    const badTemplate = await call('POST', '/templates/preview', { type: 'slack', event: 'test', templates: { test: { body: '{{> x}}' } } });
    expect(badTemplate.body.error.message).toMatch(/^templates\.test\.body: partials/);
  });

  it('refuses to change or delete a channel the config file owns, and says where to change it', async () => {
    const yaml = `channels:\n  - name: from-file\n    type: ntfy\n    topic: upkeep-alerts\n    token: \${NTFY_TOKEN}\n`;
    await core.sync.apply(config(yaml, { NTFY_TOKEN: 'tk_from_env' }), { dryRun: false });
    const owned = (await call('GET', '/channels?q=from-file')).body.data[0];
    expect(owned).toMatchObject({ managedBy: 'config', token: '********' });
    for (const res of [await call('PATCH', `/channels/${owned.id}`, { topic: 'other' }), await call('DELETE', `/channels/${owned.id}`)]) {
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('upkeep apply');
    }
  });

  it('refuses to delete or rename a channel that sites or monitors notify, then deletes it once they do not', async () => {
    const site = await core.sites.createSite({ name: 'Shop', notify: ['ops-slack'] });
    const rename = await call('PATCH', `/channels/${id}`, { name: 'renamed' });
    expect(rename.status).toBe(409);
    expect(rename.body.error.message).toBe('cannot rename channel "ops-slack": site "Shop" notify it; change them first');
    expect((await call('DELETE', `/channels/${id}`)).status).toBe(409);
    await core.sites.deleteSite(site.id);
    expect((await call('DELETE', `/channels/${id}`)).status).toBe(204);
    expect((await call('GET', `/channels/${id}`)).status).toBe(404);
  });

  it('never answered a secret', () => {
    const answers = all.join('\n');
    expect(answers).not.toContain(SLACK_SECRET);
    expect(answers).not.toContain('tk_from_env');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await app.inject('/api/v1/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/channels', '/api/v1/channels/{id}', '/api/v1/channels/{id}/test', '/api/v1/templates/preview']),
    );
  });
});
