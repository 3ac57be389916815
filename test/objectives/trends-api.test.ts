import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { AuditsRepository } from '../../src/audits/audits.repository.js';
import { LatencySketch } from '../../src/monitoring/sketch.js';
import { config, openTestCore } from '../support/core.js';
import { testClock } from '../support/clock.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

/** The fixture's months in Stockholm, written out by hand (October has the clocks going back on the 25th). */
const months = [
  { month: '2026-08', from: Date.parse('2026-08-01T00:00:00+02:00'), to: Date.parse('2026-09-01T00:00:00+02:00') },
  { month: '2026-09', from: Date.parse('2026-09-01T00:00:00+02:00'), to: Date.parse('2026-10-01T00:00:00+02:00') },
  { month: '2026-10', from: Date.parse('2026-10-01T00:00:00+02:00'), to: Date.parse('2026-11-01T00:00:00+01:00') },
  { month: '2026-11', from: Date.parse('2026-11-01T00:00:00+01:00'), to: Date.parse('2026-11-12T09:00:00Z') },
];
const start = Date.parse('2026-08-20T00:03:00Z');
const now = months[3]!.to;

interface Check {
  at: number;
  down: boolean;
  ms: number;
}

/**
 * A check every 10 minutes from 20 August to 12 November: every 250th down in August and September,
 * every 23rd in October (a missed month against 99.5 %), every 300th in November; response times
 * grow month by month, so each month's percentiles differ.
 */
function fixture(): Check[] {
  const checks: Check[] = [];
  for (let at = start, i = 0; at < now - 10 * MINUTE; at += 10 * MINUTE, i++) {
    const month = months.findIndex((m) => at >= m.from && at < m.to);
    const every = [250, 250, 23, 300][month]!;
    checks.push({ at, down: i % every === 0, ms: 80 + 40 * month + ((i * 37) % 150) });
  }
  return checks;
}

describe.each(dialects)('a site’s trends on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  const clock = testClock(start - MINUTE);
  const checks = fixture();
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let viewer: string;
  let clientA: string;
  let shopId: number;
  let otherId: number;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    const loaded = config(`
sites:
  - name: Shop
    tags: [client-a]
    monitors: [{ name: Home, type: tcp, host: 127.0.0.1, port: 9, interval: 10m, paused: true }]
    objectives:
      - { name: Available, type: availability, target: 99.5, period: month, timezone: Europe/Stockholm }
      - { name: Quick, type: latency, under: 200ms, period: month, timezone: Europe/Stockholm }
      - { name: Secure, type: security-grade, atLeast: B, period: month, timezone: Europe/Stockholm }
  - name: Other
    tags: [client-b]
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    const owner = (await core.accounts.createToken({ name: 'o', scope: 'write' })).token;
    await server.app.inject({ method: 'PUT', url: '/api/v1/teams/Client A', headers: as(owner), payload: { tags: ['client-a'] } });
    const user = async (email: string, body: Record<string, unknown>) =>
      (
        await server.app.inject({ method: 'POST', url: '/api/v1/users', headers: as(owner), payload: { email, password: 'a long password 123', ...body } })
      ).json<{
        id: number;
      }>();
    const v = await user('v@agency.test', { role: 'viewer' });
    const a = await user('a@client-a.test', { role: 'viewer', teams: [{ team: 'Client A', role: 'editor' }] });
    viewer = (await core.accounts.createToken({ name: 'v', scope: 'read', userId: v.id })).token;
    clientA = (await core.accounts.createToken({ name: 'a', scope: 'write', userId: a.id })).token;
    shopId = (await core.sites.listSites({ limit: 1, search: 'Shop' })).items[0]!.id;
    otherId = (await core.sites.listSites({ limit: 1, search: 'Other' })).items[0]!.id;
    const monitorId = (await core.sites.listMonitors({ limit: 1, siteId: shopId })).items[0]!.id;
    // Through the engine's own result store, then rolled up as its job does once time has passed.
    for (const [i, c] of checks.entries()) {
      server.engine.results.record({ monitorId, at: c.at, status: c.down ? 'down' : 'up', message: 'x', durationMs: c.ms }, undefined, []);
      if (i % 2_000 === 1_999) await server.engine.results.flush();
    }
    await server.engine.results.flush();
    clock.t = now;
    await server.engine.results.rollUp();
    // Security audits: B in September, C and then A in October (the month ends on A).
    const audits = new AuditsRepository(core.storage.db);
    for (const [at, grade, score] of [
      [months[1]!.from + 5 * DAY, 'B', 80],
      [months[2]!.from + 3 * DAY, 'C', 65],
      [months[2]!.from + 20 * DAY, 'A', 92],
    ] as const) {
      const id = await audits.insertAudit({ siteId: shopId, url: 'https://shop.test/', categories: ['security'], startedAt: at });
      await audits.finishAudit(
        id,
        { status: 'done', finishedAt: at + MINUTE, scores: { security: score }, grades: { security: grade, tls: 'A' }, facts: {}, errors: {} },
        [],
        [],
      );
    }
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  it('gives each month of each goal as computed directly from the raw results, and p95 per month from the same sketches', async () => {
    const res = await server.app.inject({ url: `/api/v1/sites/${shopId}/trends?months=4`, headers: as(viewer) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.timezone).toBe('Europe/Stockholm');
    expect(body.months).toEqual(
      months.map((m, i) => ({ month: m.month, from: new Date(m.from).toISOString(), to: new Date(m.to).toISOString(), partial: i === 3 })),
    );
    const available = body.goals.find((g: { name: string }) => g.name === 'Available');
    const quick = body.goals.find((g: { name: string }) => g.name === 'Quick');
    const home = body.monitors.find((m: { name: string }) => m.name === 'Home');
    for (const [i, m] of months.entries()) {
      const inMonth = checks.filter((c) => c.at >= m.from && c.at < m.to);
      const good = inMonth.filter((c) => !c.down).length;
      const attainment = (100 * good) / inMonth.length;
      expect(available.months[i], m.month).toMatchObject({ month: m.month, checks: inMonth.length, attainment, met: attainment >= 99.5 });
      // Percentiles come from log-bucket sketches that merge by addition: the month's rollups give what one sketch of its raw checks gives.
      const sketch = new LatencySketch();
      for (const c of inMonth) sketch.add(c.ms);
      const sorted = inMonth.map((c) => c.ms).sort((a, b) => a - b);
      const exact = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
      expect(home.months[i], m.month).toMatchObject({
        month: m.month,
        checks: inMonth.length,
        p50: sketch.quantile(0.5),
        p95: sketch.quantile(0.95),
        p99: sketch.quantile(0.99),
      });
      expect(Math.abs(home.months[i].p95 - exact) / exact).toBeLessThan(0.02);
      expect(home.months[i].uptime).toBe(attainment);
      expect(quick.months[i]).toMatchObject({ attainment: sketch.quantile(0.95), met: sketch.quantile(0.95)! <= 200 });
    }
    expect(available.months.map((m: { met: boolean }) => m.met)).toEqual([true, true, false, true]);
    expect(quick.goal).toBe('p95 under 200ms over the month (Europe/Stockholm)');
    // The security goal reads the newest audit of each month: none in August, B in September, A in October.
    const secure = body.goals.find((g: { name: string }) => g.name === 'Secure');
    expect(secure.months.map((m: { met: boolean | null; attained: string | null }) => [m.met, m.attained])).toEqual([
      [null, 'no security audit in the period'],
      [true, 'B'],
      [true, 'A'],
      [null, 'no security audit in the period'],
    ]);
    expect(body.audits).toEqual([
      {
        category: 'security',
        runs: [
          {
            id: expect.any(Number),
            at: new Date(months[1]!.from + 5 * DAY + MINUTE).toISOString(),
            scores: { security: 80 },
            grades: { security: 'B', tls: 'A' },
          },
          {
            id: expect.any(Number),
            at: new Date(months[2]!.from + 3 * DAY + MINUTE).toISOString(),
            scores: { security: 65 },
            grades: { security: 'C', tls: 'A' },
          },
          {
            id: expect.any(Number),
            at: new Date(months[2]!.from + 20 * DAY + MINUTE).toISOString(),
            scores: { security: 92 },
            grades: { security: 'A', tls: 'A' },
          },
        ],
      },
    ]);
  });

  it('gives twelve months by default, in another time zone when asked, and names a bad parameter', async () => {
    const res = await server.app.inject({ url: `/api/v1/sites/${shopId}/trends?timezone=UTC`, headers: as(viewer) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.timezone).toBe('UTC');
    expect(body.months.map((m: { month: string }) => m.month)).toEqual([
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
    ]);
    const september = checks.filter((c) => c.at >= Date.parse('2026-09-01T00:00:00Z') && c.at < Date.parse('2026-10-01T00:00:00Z'));
    const available = body.goals.find((g: { name: string }) => g.name === 'Available');
    expect(available.months[9]).toMatchObject({ checks: september.length, attainment: (100 * september.filter((c) => !c.down).length) / september.length });
    expect(available.months[0]).toMatchObject({ checks: 0, attainment: null, met: null });
    for (const [query, path] of [
      ['months=0', 'months'],
      ['months=25', 'months'],
      ['timezone=Mars/Olympus', 'timezone'],
    ]) {
      const bad = await server.app.inject({ url: `/api/v1/sites/${shopId}/trends?${query}`, headers: as(viewer) });
      expect(bad.statusCode, query).toBe(400);
      expect(bad.json().error.details[0].path).toBe(path);
    }
  });

  it('a client-team account sees its own team’s site and gets 404 for another team’s, as for the site itself', async () => {
    expect((await server.app.inject({ url: `/api/v1/sites/${shopId}/trends?months=1`, headers: as(clientA) })).statusCode).toBe(200);
    const other = await server.app.inject({ url: `/api/v1/sites/${otherId}/trends`, headers: as(clientA) });
    expect(other.statusCode).toBe(404);
    expect((await server.app.inject({ url: `/api/v1/sites/${otherId}`, headers: as(clientA) })).statusCode).toBe(404);
    expect((await server.app.inject({ url: `/api/v1/sites/${otherId}/trends` })).statusCode).toBe(401);
  });
});
