// The demo check type registers itself on import: first, before anything reads the monitor kinds.
import { demoKind } from '../fixtures/demo-check/index.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { configJsonSchema } from '../../src/config-file.js';
import { monitorKinds } from '../../src/monitoring/monitor.schema.js';
import { channelKinds } from '../../src/notify/channel.schema.js';
import { chromiumSkipReason, launchChromium } from '../support/browser.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { ensureWebBuilt, loginPage } from '../dashboard/support.js';

type Json = Record<string, unknown>;
interface KindInfo {
  kind: string;
  label: string;
  schema: { properties: Record<string, Json>; required?: string[] };
  secretFields: { path: string; note?: string }[];
}

/** The members of a union in a JSON Schema, whichever keyword it uses. */
const variants = (node: Json): Json[] => (node.oneOf ?? node.anyOf ?? [node]) as Json[];
/** A variant's kind: its `type` as a const (zod) or a one-value enum (as the OpenAPI document writes it). */
const typeOf = (variant: Json) => {
  const type = (variant.properties as Record<string, { const?: string; enum?: string[] }> | undefined)?.type;
  return type?.const ?? type?.enum?.[0] ?? '';
};
const demoOf = (node: Json) => variants(node).find((v) => typeOf(v) === 'demo') as { properties: Record<string, Json> } | undefined;

/**
 * One registry per plugin family: a check type registered by a test fixture (test/fixtures/demo-check,
 * one folder, no other edit) is in upkeep.yaml's JSON Schema, the OpenAPI document, GET /api/v1/kinds,
 * the engine and the dashboard's monitor form.
 */
describe('a check type added in one folder', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let owner: string;
  let reader: string;
  let siteId: number;
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    server = await testServer(core);
    const user = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: user.id })).token;
    const viewer = await core.accounts.createUser({ email: 'viewer@agency.test', password: 'viewer password 123', role: 'viewer' });
    reader = (await core.accounts.createToken({ name: 'r', scope: 'read', userId: viewer.id })).token;
    siteId = (await core.sites.createSite({ name: 'Shop', tags: [] })).id;
  });
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  it('is in the JSON Schema of upkeep.yaml', () => {
    const text = JSON.stringify(configJsonSchema());
    const schema = JSON.parse(text) as Json;
    const sites = (schema.properties as Record<string, Json>).sites as { items: { properties: { monitors: { items: Json } } } };
    const demo = demoOf(sites.items.properties.monitors.items);
    expect(demo?.properties).toMatchObject({ word: { type: 'string' }, mood: { enum: ['calm', 'loud'] }, interval: {} });
  });

  it('is in the OpenAPI document: bodies take it, answers show its secret as ********', async () => {
    const doc = (await server.app.inject('/api/v1/openapi.json')).json<{ paths: Record<string, Record<string, Json>> }>();
    const create = doc.paths['/api/v1/sites/{id}/monitors']!.post! as { requestBody: { content: { 'application/json': { schema: Json } } } };
    expect(demoOf(create.requestBody.content['application/json'].schema)?.properties.word).toMatchObject({ type: 'string' });
    const get = doc.paths['/api/v1/monitors/{id}']!.get! as { responses: { 200: { content: { 'application/json': { schema: Json } } } } };
    expect(demoOf(get.responses[200].content['application/json'].schema)?.properties.token).toMatchObject({ enum: ['********'] });
    const list = doc.paths['/api/v1/monitors']!.get! as { parameters: { name: string; schema: Json }[] };
    expect(JSON.stringify(list.parameters.find((p) => p.name === 'type')?.schema)).toContain('"demo"');
  });

  it('is listed by GET /api/v1/kinds with its label, schema and secret fields, to every logged-in caller and nobody else', async () => {
    expect((await server.app.inject('/api/v1/kinds')).statusCode).toBe(401);
    const res = await server.app.inject({ url: '/api/v1/kinds', headers: as(reader) });
    expect(res.statusCode).toBe(200);
    const kinds = res.json<Record<string, KindInfo[]>>();
    expect(kinds.monitors!.map((k) => k.kind)).toEqual(['http', 'tcp', 'dns', 'tls', 'domain', 'heartbeat', 'demo']);
    const demo = kinds.monitors!.find((k) => k.kind === 'demo')!;
    expect(demo).toMatchObject({ label: 'Demo word check', secretFields: [{ path: 'token' }] });
    expect(demo.schema.required).toContain('word');
    expect(kinds.monitors!.find((k) => k.kind === 'http')!.secretFields.map((f) => f.path)).toEqual(['auth.password', 'auth.token', 'headers.*']);
    expect(kinds.channels!.map((k) => k.kind)).toEqual(channelKinds.names());
    expect(kinds.channels!.find((k) => k.kind === 'email')!.secretFields).toEqual([{ path: 'smtp.password' }]);
  });

  it('is stored with its secret sealed, kept on ******** and bound to its host, and run by the engine', async () => {
    const made = await server.app.inject({
      method: 'POST',
      url: `/api/v1/sites/${siteId}/monitors`,
      headers: as(owner),
      payload: { type: 'demo', name: 'Word', host: 'example.test', word: 'up', token: 'a-demo-secret', interval: '1s' },
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ type: 'demo', word: 'up', token: '********', mood: 'calm' });
    const row = await core.storage.db.selectFrom('monitors').select(['spec', 'secrets']).where('id', '=', made.json().id).executeTakeFirstOrThrow();
    expect(`${row.spec} ${row.secrets}`).not.toContain('a-demo-secret');
    const moved = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/monitors/${made.json().id}`,
      headers: as(owner),
      payload: { host: 'elsewhere.test' },
    });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().error.message).toContain('changing host needs the secret again');
    await expect
      .poll(async () => (await server.app.inject({ url: `/api/v1/monitors/${made.json().id}/status`, headers: as(owner) })).json().status, { timeout: 20_000 })
      .toBe('up');
  });

  it('can be registered only before the kinds are read', () => {
    expect(() => monitorKinds.register({ ...demoKind, kind: 'late' })).toThrow(/came after the monitor kinds were read/);
  });

  describe.skipIf(chromiumSkipReason)('in the dashboard', () => {
    let browser: Browser;
    let url: string;
    beforeAll(async () => {
      ensureWebBuilt();
      url = await server.app.listen({ port: 0, host: '127.0.0.1' });
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('is offered by the monitor form with inputs made from its schema', { timeout: 90_000 }, async () => {
      const page = await loginPage(browser, url, 'owner@agency.test', 'owner password 123');
      page.setDefaultTimeout(10_000);
      await page.goto(`${url}/sites/${siteId}`);
      await page.getByRole('button', { name: 'Add monitor' }).click();
      const form = page.getByRole('form', { name: 'New monitor' });
      await form.getByLabel('Type').selectOption({ label: 'Demo word check' });
      await form.getByLabel('Name').fill('Word from the dashboard');
      await form.getByLabel('Host').fill('example.test');
      await form.getByLabel('Word').fill('up');
      expect(await form.getByLabel('Token').getAttribute('type')).toBe('password');
      await form.getByLabel('Token').fill('typed-in-the-form');
      await form.getByLabel('Mood').selectOption('loud');
      await form.getByRole('button', { name: 'Add monitor' }).click();
      await page.getByRole('heading', { name: 'Word from the dashboard' }).waitFor();
      const id = Number(new URL(page.url()).pathname.split('/').pop());
      expect((await core.sites.getMonitor(id)).spec).toMatchObject({
        type: 'demo',
        host: 'example.test',
        word: 'up',
        token: 'typed-in-the-form',
        mood: 'loud',
      });
      await page.close();
    });
  });
});
