import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { config, openTestCore } from '../support/core.js';
import { testClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const clock = testClock(Date.parse('2026-11-10T00:00:00Z'));
const as = (token: string) => ({ authorization: `Bearer ${token}` });

let db: TestDatabase;
let core: Core;
let server: TestApp;
let write: string;
let read: string;
let siteId: number;

beforeAll(async () => {
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db, clock);
  const loaded = config(`
sites:
  - name: Shop
    owner: ada@agency.example
    monitors: [{ name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, paused: true }]
    objectives:
      - { name: Available, type: availability, target: 99.5, window: 7d }
      - { name: Quick, type: latency, under: 500ms }
`);
  await core.sync.apply(loaded, { dryRun: false });
  server = await testRuntime(core, loaded.config);
  write = (await core.accounts.createToken({ name: 'w', scope: 'write' })).token;
  read = (await core.accounts.createToken({ name: 'r', scope: 'read' })).token;
  siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
  const monitorId = (await core.sites.listMonitors({ limit: 1, siteId })).items[0]!.id;
  // Two days of a check a minute, 1 % of them down, through the engine's own result store.
  const start = clock.t;
  for (let i = 0; i < 2 * 1440; i++)
    server.engine.results.record({ monitorId, at: start + i * MINUTE, status: i % 100 === 0 ? 'down' : 'up', message: 'x', durationMs: 200 }, undefined, []);
  await server.engine.results.flush();
  clock.t = start + DAY;
  await server.objectives.evaluateAll();
  clock.t = start + 2 * DAY;
  await server.objectives.evaluateAll();
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
});

describe('the objectives API', () => {
  it('says where each objective stands: attainment, budget left, burn rates and the rule that fires', async () => {
    const res = await server.app.inject({ url: `/api/v1/sites/${siteId}/objectives`, headers: as(read) });
    expect(res.statusCode, res.body).toBe(200);
    const [available, quick] = res.json().data;
    expect(available).toMatchObject({
      name: 'Available',
      type: 'availability',
      monitor: null,
      goal: '99.5 % over 1w',
      checks: 2880,
      attainment: (100 * (2880 - 29)) / 2880,
      met: false,
      budget: { failed: 29 },
      problem: null,
    });
    expect(available.budget.remaining).toBeCloseTo(1 - 29 / (0.005 * 2880), 10);
    expect(Object.keys(available.burnRates)).toEqual(['5m', '30m', '1h', '6h', '3d']);
    // 1 % against a 0.5 % budget burns 2×: the slow rule's ticket.
    expect(available.alert).toEqual({ rule: 'slow', action: 'ticket', factor: 1 });
    expect(quick).toMatchObject({ name: 'Quick', goal: 'p95 under 500ms over 30d', met: true, budget: null, alert: null });
    expect(Math.abs(quick.attainment - 200) / 200).toBeLessThan(0.03);
  });

  it('keeps a row a day of each objective', async () => {
    const res = await server.app.inject({ url: `/api/v1/sites/${siteId}/objectives/history?days=30`, headers: as(read) });
    expect(res.statusCode, res.body).toBe(200);
    const available = res.json().data.find((h: { objective: string }) => h.objective === 'Available');
    expect(available.days.map((d: { day: string; checks: number }) => [d.day, d.checks])).toEqual([
      ['2026-11-11', 1440],
      ['2026-11-12', 2880],
    ]);
    const bad = await server.app.inject({ url: `/api/v1/sites/${siteId}/objectives/history?days=0`, headers: as(read) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('days');
  });

  it('objectives are changed by changing the site: a read token cannot; a bad objective is refused on its field', async () => {
    const refused = await server.app.inject({ method: 'PATCH', url: `/api/v1/sites/${siteId}`, headers: as(read), payload: { objectives: [] } });
    expect(refused.statusCode).toBe(403);
    const made = await server.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: as(write),
      payload: { name: 'Blog', objectives: [{ name: 'Up', type: 'availability', target: 101 }] },
    });
    expect(made.statusCode).toBe(400);
    expect(made.json().error.details[0].path).toBe('objectives[0].target');
    const ok = await server.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: as(write),
      payload: { name: 'Blog', objectives: [{ name: 'Up', type: 'availability', target: 99.9, window: '14d' }] },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().objectives).toEqual([
      { name: 'Up', type: 'availability', target: 99.9, window: '2w', period: 'rolling', timezone: 'UTC', excludeMaintenance: false, alert: true },
    ]);
    const got = await server.app.inject({ url: `/api/v1/sites/${ok.json().id}/objectives`, headers: as(read) });
    expect(got.json().data[0]).toMatchObject({ name: 'Up', checks: 0, attainment: null, met: null, problem: 'the site has no monitors to measure' });
  });
});
