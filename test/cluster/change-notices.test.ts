import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { sleep, until } from '../support/receivers.js';

/** How long an edit on one node may take to show on the other: far less than the nodes' safety poll (30 s). */
const PROMPTLY = 3_000;

/**
 * Two nodes of a cluster (in one process, each with its own core and pool) on one PostgreSQL database of
 * their own: what is edited through node a (monitors, status pages, maintenance windows) is in node b's
 * memory within seconds because the database tells the nodes which table was written, while idle nodes
 * leave the database alone instead of asking it every second whether anything changed.
 */
describe.skipIf(postgresSkipReason)('cluster mode: changes reach every node by notice, not by polling (PostgreSQL)', () => {
  let db: TestDatabase;
  let target: TestServer;
  let watcher: pg.Client;
  const cores: Core[] = [];
  const servers: TestApp[] = [];
  let auth: { authorization: string };

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    target = await startHttpServer((_req, res) => res.end('ok'));
    for (const nodeId of ['a', 'b']) {
      const core = await openTestCore(db);
      cores.push(core);
      servers.push(await testServer(core, { cluster: { enabled: true, nodeId, leaseSeconds: 5 } }));
    }
    auth = { authorization: `Bearer ${(await cores[0]!.accounts.createToken({ name: 'admin', scope: 'write' })).token}` };
    watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
  }, 60_000);

  afterAll(async () => {
    await watcher?.end();
    for (const server of servers.reverse()) await server.close();
    for (const core of cores) await core.close();
    await target?.close();
    await db?.cleanup();
  });

  it('shows on node b, within seconds, the monitors, status pages and maintenance windows written through node a', async () => {
    const [a, b] = servers as [TestApp, TestApp];
    const post = async (url: string, payload: Record<string, unknown>, method: 'POST' | 'PATCH' = 'POST') => {
      const res = await a.app.inject({ method, url, headers: auth, payload });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json<{ id: number }>();
    };
    const site = await post('/api/v1/sites', { name: 'Shop' });
    const monitor = await post(`/api/v1/sites/${site.id}/monitors`, { name: 'Home', type: 'http', url: target.url('/'), interval: '1h', timeout: '1s' });
    await until('node b to run the new monitor', () => b.engine.monitorOf(monitor.id), PROMPTLY);
    await post(`/api/v1/monitors/${monitor.id}`, { paused: true }, 'PATCH');
    await until('node b to see the monitor paused', () => b.engine.monitorOf(monitor.id)?.spec.paused, PROMPTLY);

    await post('/api/v1/status-pages', { slug: 'shop', title: 'Shop status', components: [{ name: 'Shop', site: 'Shop' }] });
    await until('node b to serve the new status page', () => b.statusPages.pages.page('shop'), PROMPTLY);

    const start = Date.now() + 86_400_000;
    await post('/api/v1/maintenance', {
      name: 'Migration',
      start: new Date(start).toISOString(),
      end: new Date(start + 3_600_000).toISOString(),
      sites: ['Shop'],
    });
    await until(
      "the window in node b's calendar",
      () => b.incidents.calendar.upcoming(Date.now(), start + 7_200_000).some((w) => w.name === 'Migration'),
      PROMPTLY,
    );
  }, 60_000);

  it('asks the database less while nothing happens: no per-second polls of what the notices tell', async () => {
    const done = async () => {
      const { rows } = await watcher.query<{ n: string }>('select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()');
      return Number(rows[0]!.n);
    };
    // Statistics reach pg_stat_database within a second or so of each statement.
    await sleep(2_000);
    const before = await done();
    const from = Date.now();
    await sleep(15_000);
    // Less the watcher's own first read.
    const rate = ((await done()) - before - 1) / ((Date.now() - from) / 1000);
    console.info(`two idle cluster nodes: ${rate.toFixed(1)} transactions a second`);
    // 21 a second here, the leader's outbox and incident housekeeping included; 36 when every node polled the
    // monitors, maintenance windows and status pages' signature every second or two.
    expect(rate).toBeLessThan(28);
  }, 60_000);
});
