import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';

let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
let auth: { authorization: string };
let siteId: number;

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  const loaded = config(`
sites:
  - name: Shop
maintenance:
  - { name: Patching, cron: "0 2 * * 0", duration: 1h, timezone: Europe/Stockholm, sites: [Shop] }
`);
  await core.sync.apply(loaded, { dryRun: false });
  server = await testRuntime(core, loaded.config);
  app = server.app;
  auth = { authorization: `Bearer ${(await core.accounts.createToken({ name: 't', scope: 'write' })).token}` };
  siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
});

describe('the incidents API', () => {
  it('opens an incident by hand, assigns it, takes notes and a postmortem, acknowledges and resolves it with durations', async () => {
    const opened = await app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: auth,
      payload: { siteId, title: 'Checkout slow for EU customers', severity: 'minor' },
    });
    expect(opened.statusCode).toBe(201);
    const id = opened.json().id;
    expect(opened.json()).toMatchObject({ status: 'open', origin: 'manual', severity: 'minor' });
    expect(
      (await app.inject({ method: 'PATCH', url: `/api/v1/incidents/${id}`, headers: auth, payload: { owner: 'alice@shop.test', severity: 'major' } })).json(),
    ).toMatchObject({ owner: 'alice@shop.test', severity: 'major' });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/api/v1/incidents/${id}/notes`,
          headers: auth,
          payload: { message: 'CDN provider confirms a regional issue' },
        })
      ).statusCode,
    ).toBe(204);
    expect((await app.inject({ method: 'POST', url: `/api/v1/incidents/${id}/acknowledge`, headers: auth })).json()).toMatchObject({
      status: 'acknowledged',
      durations: { toAcknowledge: expect.any(Number) },
    });
    const resolved = (await app.inject({ method: 'POST', url: `/api/v1/incidents/${id}/resolve`, headers: auth })).json();
    expect(resolved).toMatchObject({ status: 'resolved', durations: { toResolve: expect.any(Number) } });
    const postmortem = { impact: 'EU checkout 3x slower for 40 min', rootCause: 'CDN POP degradation', followUps: ['add a second CDN'] };
    expect((await app.inject({ method: 'PATCH', url: `/api/v1/incidents/${id}`, headers: auth, payload: { postmortem } })).json().postmortem).toEqual(
      postmortem,
    );
    const details = (await app.inject({ url: `/api/v1/incidents/${id}`, headers: auth })).json();
    expect(details.timeline.map((t: { kind: string }) => t.kind)).toEqual(['opened', 'assigned', 'severity', 'note', 'acknowledged', 'resolved', 'postmortem']);
    expect(details.timeline[3]).toMatchObject({ message: 'CDN provider confirms a regional issue', author: expect.stringMatching(/^API token #\d+ \(t\)$/) });
    expect((await app.inject({ method: 'POST', url: `/api/v1/incidents/${id}/acknowledge`, headers: auth })).statusCode).toBe(409);
  });

  it('explains bad input', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/incidents', headers: auth, payload: { siteId, title: '', severity: 'apocalyptic' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual(
      expect.arrayContaining([
        { path: 'title', message: 'cannot be empty' },
        { path: 'severity', message: 'expected one of "critical", "major", "minor", got "apocalyptic"' },
      ]),
    );
    expect((await app.inject({ url: '/api/v1/incidents/999', headers: auth })).statusCode).toBe(404);
  });

  it('keeps maintenance windows: those of the file read-only, new ones in the API, all in the upcoming list', async () => {
    const list = (await app.inject({ url: '/api/v1/maintenance', headers: auth })).json();
    expect(list.data).toMatchObject([{ name: 'Patching', managedBy: 'config', duration: '1h' }]);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/maintenance/${list.data[0].id}`, headers: auth })).statusCode).toBe(409);
    const start = new Date(Date.now() + 86_400_000).toISOString();
    const end = new Date(Date.now() + 90_000_000).toISOString();
    const made = await app.inject({
      method: 'POST',
      url: '/api/v1/maintenance',
      headers: auth,
      payload: { name: 'Migration', start, end, sites: ['Shop'], description: 'Database move' },
    });
    expect(made.statusCode).toBe(201);
    // The calendar notices new windows within a second.
    const upcoming = await until(
      'the new window in the calendar',
      async () => {
        const answer = (await app.inject({ url: '/api/v1/maintenance/upcoming?window=8d', headers: auth })).json();
        return answer.data.some((w: { name: string }) => w.name === 'Migration') && answer;
      },
      5_000,
    );
    expect(upcoming.data.filter((w: { name: string }) => w.name === 'Patching').length).toBeGreaterThanOrEqual(1);
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/maintenance', headers: auth, payload: { name: 'Half', cron: '0 2 * * 0', sites: ['Shop'] } })).json()
        .error.message,
    ).toBe('duration: a recurring window needs a duration, e.g. "1h"');
    // A window over names that do not exist would cover nothing, silently: each name is refused where it is.
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/maintenance',
      headers: auth,
      payload: { name: 'Typo', start, end, sites: ['Shop', 'Shopp'], monitors: ['Shop/Nope'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({
      message: 'sites[1]: no site is named "Shopp"',
      details: [
        { path: 'sites[1]', message: 'no site is named "Shopp"' },
        { path: 'monitors[0]', message: 'no monitor is named "Shop/Nope" (write "Site name/Monitor name")' },
      ],
    });
  });
});
