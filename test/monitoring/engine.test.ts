import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import type { StoredEvent } from '../../src/monitoring/results-writer.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { sleep, until } from '../support/receivers.js';

let db: TestDatabase;
let core: Core;
let server: TestApp;
let app: FastifyInstance;
let token: string;
let target: TestServer;
let broken = false;
let siteId: number;
const events: StoredEvent[] = [];
const as = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  target = await startHttpServer((_req, res) => (broken ? res.writeHead(503).end('down for repairs') : res.end('<h1>Add to cart</h1>')));
  db = await createTestDatabase('sqlite');
  core = await openTestCore(db);
  server = await testServer(core);
  app = server.app;
  server.engine.results.onCommitted((stored) => events.push(...stored));
  token = (await core.accounts.createToken({ name: 't', scope: 'write' })).token;
  siteId = (await app.inject({ method: 'POST', url: '/api/v1/sites', headers: as(), payload: { name: 'Shop' } })).json().id;
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  await db?.cleanup();
  await target?.close();
});

const addMonitor = async (payload: Record<string, unknown>) => {
  const res = await app.inject({ method: 'POST', url: `/api/v1/sites/${siteId}/monitors`, headers: as(), payload });
  expect(res.statusCode, res.body).toBe(201);
  await server.engine.pollChanges();
  return res.json<{ id: number }>();
};

describe('the engine', () => {
  it('picks up a monitor made in the API, checks it, and detects an outage within interval + retries × retry interval + timeout', async () => {
    const interval = 2_000;
    const retry = 1_000;
    const timeout = 1_000;
    const { id } = await addMonitor({
      name: 'Home',
      type: 'http',
      url: target.url('/'),
      interval: '2s',
      retryInterval: '1s',
      timeout: '1s',
      expect: { contains: 'Add to cart' },
    });
    await until('the monitor to be up', () => server.engine.stateOf(id)?.state.status === 'up', 5_000);

    broken = true;
    const brokeAt = Date.now();
    await until('the monitor to be down', () => server.engine.stateOf(id)?.state.status === 'down', 10_000);
    const detection = Date.now() - brokeAt;
    expect(detection).toBeLessThanOrEqual(interval + 1 * retry + timeout);

    await server.engine.results.flush();
    const down = events.find((e) => e.monitorId === id && e.to === 'down')!;
    expect(down.message).toMatch(/^status 503 is not accepted \(expected 200-299\) \(HTTP 503 in \d+ ms\) \(2 checks in a row\)$/);
    expect(down.evidence.map((e) => e.status)).toEqual(['down', 'down']);

    broken = false;
    await until('the monitor to recover', () => server.engine.stateOf(id)?.state.status === 'up', 5_000);
    await server.engine.results.flush();
    expect(events.filter((e) => e.monitorId === id).map((e) => `${e.from}→${e.to}`)).toEqual(['pending→up', 'up→down', 'down→up']);

    const results = (await app.inject({ url: `/api/v1/monitors/${id}/results?limit=3`, headers: as() })).json();
    expect(results.data[0]).toMatchObject({
      status: 'up',
      statusCode: 200,
      timings: { ttfb: expect.any(Number) },
      message: expect.stringMatching(/^HTTP 200 in \d+ ms$/),
    });
    const summary = (await app.inject({ url: `/api/v1/monitors/${id}/summary?window=1h`, headers: as() })).json();
    expect(summary).toMatchObject({ checks: expect.any(Number), down: expect.any(Number), uptime: expect.any(Number), latency: { p95: expect.any(Number) } });
    expect(summary.down).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('applies an API change without a restart, and pauses and resumes', async () => {
    const { id } = await addMonitor({ name: 'Pausable', type: 'http', url: target.url('/'), interval: '1s' });
    await until('the monitor to be up', () => server.engine.stateOf(id)?.state.status === 'up', 5_000);
    await app.inject({ method: 'PATCH', url: `/api/v1/monitors/${id}`, headers: as(), payload: { paused: true } });
    // The answer comes once the engine has the change: a status read right after it already says so.
    expect((await app.inject({ url: `/api/v1/monitors/${id}/status`, headers: as() })).json()).toMatchObject({ status: 'paused' });
    const before = server.engine.stateOf(id)!.state.lastCheckAt;
    await sleep(1_500);
    expect(server.engine.stateOf(id)!.state.lastCheckAt).toBe(before);
    await app.inject({ method: 'PATCH', url: `/api/v1/monitors/${id}`, headers: as(), payload: { paused: false } });
    await until('checks to resume', () => (server.engine.stateOf(id)!.state.lastCheckAt ?? 0) > (before ?? 0), 3_000);
    expect(server.engine.stateOf(id)?.state.status).toBe('up');
  }, 15_000);

  it('raises no down event for a target that fails 1 check in 20', async () => {
    // Each monitor has its own path; every block of 20 requests to it has one failure at a random place.
    const counts = new Map<string, { n: number; bad: number }>();
    const flaky = await startHttpServer((req, res) => {
      const c = counts.get(req.url!) ?? { n: 0, bad: 1 + Math.floor(Math.random() * 18) };
      if (c.n % 20 === 0) c.bad = 1 + Math.floor(Math.random() * 18);
      const fail = c.n % 20 === c.bad;
      c.n++;
      counts.set(req.url!, c);
      return fail ? res.writeHead(500).end() : res.end('ok');
    });
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await addMonitor({ name: `Flaky ${i}`, type: 'http', url: flaky.url(`/m${i}`), interval: '1s' })).id);
    await sleep(16_000);
    await server.engine.results.flush();
    const checks = [...counts.values()].reduce((sum, c) => sum + c.n, 0);
    expect(checks).toBeGreaterThan(250);
    expect(events.filter((e) => ids.includes(e.monitorId) && e.to === 'down')).toEqual([]);
    for (const id of ids) await app.inject({ method: 'DELETE', url: `/api/v1/monitors/${id}`, headers: as() });
    await flaky.close();
  }, 40_000);

  it('takes heartbeat pings: start and success time a run, a missed ping is down, a new ping is up', async () => {
    const { id } = await addMonitor({ name: 'Cron job', type: 'heartbeat', period: '2s', grace: '1s' });
    const monitor = (await app.inject({ url: `/api/v1/monitors/${id}`, headers: as() })).json();
    expect(monitor.pingUrl).toMatch(/\/ping\/[\w-]{20,}$/);
    const key = monitor.pingUrl.split('/').pop();
    expect(server.engine.stateOf(id)?.state.status).toBe('pending');
    expect((await app.inject({ url: `/ping/${key}/start?rid=run-1` })).statusCode).toBe(200);
    await sleep(300);
    const ok = await app.inject({ method: 'POST', url: `/ping/${key}?rid=run-1`, payload: 'backup done: 3 files', headers: { 'content-type': 'text/plain' } });
    expect(ok.body).toBe('OK\n');
    expect(server.engine.stateOf(id)?.state.status).toBe('up');
    expect(server.engine.stateOf(id)!.recent.at(-1)!.durationMs).toBeGreaterThanOrEqual(290);
    await server.engine.results.flush();
    const ran = (await app.inject({ url: `/api/v1/monitors/${id}/results`, headers: as() })).json().data[0];
    expect(ran.detail).toMatchObject({ body: 'backup done: 3 files', runId: 'run-1' });

    await until('the missed ping to turn it down', () => server.engine.stateOf(id)?.state.status === 'down', 5_000);
    expect(server.engine.stateOf(id)!.state.lastMessage).toMatch(/^no ping since .* \(expected by .*\)$/);
    expect((await app.inject({ url: `/ping/${key}/0` })).statusCode).toBe(200);
    expect(server.engine.stateOf(id)?.state.status).toBe('up');
    expect((await app.inject({ url: `/ping/${key}/fail` })).statusCode).toBe(200);
    expect(server.engine.stateOf(id)?.state.status).toBe('down');
    expect((await app.inject({ url: '/ping/not-a-key' })).statusCode).toBe(404);
  }, 15_000);

  it('shows the latest six results newest last, and events keep their evidence while later results reuse those slots', async () => {
    const { id } = await addMonitor({ name: 'Nightly export', type: 'heartbeat', period: '1h', grace: '1h' });
    const key = (await app.inject({ url: `/api/v1/monitors/${id}`, headers: as() })).json().pingUrl.split('/').pop();
    const pings = ['', '/fail', '', '', '/fail', '', '', '', '/fail'];
    for (const ping of pings) expect((await app.inject({ url: `/ping/${key}${ping}` })).statusCode).toBe(200);
    const recent = (await app.inject({ url: `/api/v1/monitors/${id}/status`, headers: as() })).json().recent;
    // Written only now, after every slot of the latest results was reused: stored evidence must be the results it was made from.
    await server.engine.results.flush();
    const results = (await app.inject({ url: `/api/v1/monitors/${id}/results?limit=20`, headers: as() })).json().data.reverse();
    expect(results.map((r: { status: string }) => r.status)).toEqual(['up', 'down', 'up', 'up', 'down', 'up', 'up', 'up', 'down']);
    expect(recent.map((r: { at: string; status: string }) => [r.at, r.status])).toEqual(
      results.slice(-6).map((r: { at: string; status: string }) => [r.at, r.status]),
    );
    const changes = events.filter((e) => e.monitorId === id && e.kind === 'status');
    expect(changes.map((e) => `${e.from}→${e.to}`)).toEqual(['pending→up', 'up→down', 'down→up', 'up→down', 'down→up', 'up→down']);
    const changedBy = [0, 1, 2, 4, 5, 8].map((i) => results[i]);
    expect(changes.map((e) => e.evidence.map((x) => [new Date(x.at).toISOString(), x.status]).at(-1))).toEqual(
      changedBy.map((r: { at: string; status: string }) => [r.at, r.status]),
    );
  });

  it('serves Prometheus metrics only with a token unless made public', async () => {
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    const text = (await app.inject({ url: '/metrics', headers: as() })).body;
    expect(text).toMatch(/upkeep_checks_total\{type="http",result="up"\} \d+/);
    expect(text).toContain('upkeep_check_duration_seconds_bucket');
    expect(text).toContain('upkeep_scheduler_lateness_seconds_bucket');
    expect(text).toMatch(/upkeep_monitor_up\{monitor_id="\d+",monitor="Home",site="Shop",type="http"\} 1/);
  });
});
