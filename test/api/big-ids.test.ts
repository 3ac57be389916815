import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';

/** Ids are 32-bit on PostgreSQL: an id past 2^31-1 anywhere a client may write one is bad input (400), never a database error (500). */
const tooBig = '2147483648';

describe.each(dialects)('ids beyond the 32-bit range on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let headers: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    server = await testServer(core);
    headers = { authorization: `Bearer ${(await core.accounts.createToken({ name: 'w', scope: 'write' })).token}` };
  });
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  it('are refused in every path id and every cursor, naming the field', async () => {
    const doc = (await server.app.inject('/api/v1/openapi.json')).json<{
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    }>();
    const urls: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      const get = ops.get;
      if (!get) continue;
      const params = get.parameters ?? [];
      const inPath = params.filter((p) => p.in === 'path');
      if (inPath.length === 1 && inPath[0]!.name === 'id') urls.push(path.replace('{id}', tooBig));
      if (inPath.length === 0 && params.some((p) => p.in === 'query' && p.name === 'cursor')) urls.push(`${path}?cursor=${tooBig}`);
    }
    expect(urls.length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const url of urls) {
      const res = await server.app.inject({ url, headers });
      if (res.statusCode !== 400 || !/id|cursor/.test(JSON.stringify(res.json().error))) wrong.push(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('are refused in request bodies', async () => {
    const site = await core.sites.createSite({ name: 'Big ids' });
    const bodies: [string, string, object][] = [
      ['POST', '/api/v1/incidents', { siteId: Number(tooBig), title: 'x', severity: 'minor' }],
      ['POST', `/api/v1/sites/${site.id}/planned-work`, { title: 'x', kind: 'other', maintenanceId: Number(tooBig) }],
      ['POST', `/api/v1/sites/${site.id}/runbooks`, { title: 'x', body: 'y', monitorId: Number(tooBig) }],
      ['PUT', `/api/v1/sites/${site.id}/register`, { dependsOn: [Number(tooBig)] }],
    ];
    for (const [method, url, payload] of bodies) {
      const res = await server.app.inject({ method: method as 'POST', url, headers, payload });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(400);
    }
  });
});
