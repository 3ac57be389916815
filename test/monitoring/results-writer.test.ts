import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { ResultStore } from '../../src/monitoring/results.service.js';
import { DAY } from '../../src/monitoring/rollups.js';
import { initialState } from '../../src/monitoring/state-machine.js';
import { stateToRow } from '../../src/monitoring/state-store.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testServer } from '../support/http.js';
import { countingTarget } from '../support/process.js';
import { until } from '../support/receivers.js';

const clock = { now: () => Date.now() };

describe.each(dialects)('the results writer on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let store: ResultStore;
  let siteId: number;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
    // Written only when the test flushes.
    store = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 30 * DAY, flushEveryMs: 3_600_000 });
    await store.start();
    siteId = (await core.sites.createSite({ name: 'Shop' })).id;
  });
  afterAll(async () => {
    await store?.stop();
    await core?.close();
    await db?.cleanup();
  });

  const monitor = async (name: string) => (await core.sites.createMonitor(siteId, { name, type: 'http', url: `https://shop.test/${name}` })).id;
  /** One check's result with the state and a status event, as the engine hands them over. */
  const check = (monitorId: number, at: number) => {
    const state = { ...initialState(at), status: 'up' as const, health: 'up' as const, lastCheckAt: at, lastMessage: 'HTTP 200' };
    store.record({ monitorId, at, status: 'up', message: 'HTTP 200 in 5 ms', statusCode: 200, durationMs: 5 }, stateToRow(monitorId, state, {}, at), [
      { kind: 'status', at, from: 'pending', to: 'up', message: 'HTTP 200', evidence: [] },
    ]);
  };
  const stored = async (monitorId: number) => (await store.repository.listResults(monitorId, Number.MAX_SAFE_INTEGER, 1_000)).length;
  const states = async () => new Set((await store.repository.allStates()).map((s) => s.monitor_id));

  it('a monitor deleted while its result waits to be written blocks nobody: the others land, its rows are dropped', async () => {
    const [a, gone, b] = [await monitor('a'), await monitor('gone'), await monitor('b')];
    const t = Date.now();
    check(a, t);
    check(gone, t);
    check(b, t);
    await core.sites.deleteMonitor(gone);
    await store.flush();
    expect([await stored(a), await stored(b), await stored(gone)]).toEqual([1, 1, 0]);
    expect(await states()).toEqual(new Set([a, b]));
    // And the writer goes on: the next batch is written too.
    check(a, t + 1_000);
    await store.flush();
    expect(await stored(a)).toBe(2);
    expect(store.pending).toHaveLength(0);
  });

  it('rows the database refuses for another reason are set apart: the rest land at once, the refused ones are dropped after three tries', async () => {
    const [a, refused, b, c] = [await monitor('a2'), await monitor('refused'), await monitor('b2'), await monitor('c2')];
    await refuseResultsOf(core, dialect, refused);
    const t = Date.now();
    for (const id of [a, refused, b, c]) check(id, t);
    await store.flush();
    expect([await stored(a), await stored(b), await stored(c), await stored(refused)]).toEqual([1, 1, 1, 0]);
    expect(store.pending.map((r) => r.monitorId)).toEqual([refused]);
    await store.flush();
    await store.flush();
    expect(store.pending).toHaveLength(0);
    const health = store.health();
    expect(health.dropped.unwritable).toBe(2); // its result and its event
    expect(health.failingFor).toBe(0);
    expect(store.canWrite).toBe(true);
  });

  it('keeps at most maxPending results while the database is away, dropping the oldest, and says so', async () => {
    const small = new ResultStore(core.storage.db, clock, silentLogger(), { keepRawMs: 30 * DAY, flushEveryMs: 3_600_000, maxPending: 100 });
    const id = await monitor('bounded');
    const t = Date.now();
    for (let i = 0; i < 1_000; i++) small.record({ monitorId: id, at: t + i, status: 'up', message: 'x' }, undefined, []);
    expect(small.pending.length).toBeLessThanOrEqual(110);
    expect(small.pending.at(-1)!.at).toBe(t + 999);
    expect(small.health().dropped.buffer_full).toBe(1_000 - small.pending.length);
    await small.flush();
    expect(await stored(id)).toBe(small.health().written);
  });
});

/** A trigger that makes the database refuse one monitor's results, as a constraint would. */
async function refuseResultsOf(core: Core, dialect: 'sqlite' | 'postgres', monitorId: number): Promise<void> {
  const db = core.storage.db;
  if (dialect === 'sqlite') {
    await sql
      .raw(`create trigger refuse_${monitorId} before insert on check_results when new.monitor_id = ${monitorId} begin select raise(abort, 'refused'); end`)
      .execute(db);
    return;
  }
  await sql.raw(`create or replace function refuse_row() returns trigger as $$ begin raise exception 'refused'; end $$ language plpgsql`).execute(db);
  await sql
    .raw(`create trigger refuse_${monitorId} before insert on check_results for each row when (new.monitor_id = ${monitorId}) execute function refuse_row()`)
    .execute(db);
}

describe.each(dialects)('a results writer that cannot write, on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it('shows in /readyz (not ready, no detail) and /metrics, keeps what it holds, and writes all of it once the database takes writes again', async () => {
    db = await createTestDatabase(dialect);
    const core = await openTestCore(db);
    const target = await countingTarget();
    const site = await core.sites.createSite({ name: 'Shop' });
    const monitor = await core.sites.createMonitor(site.id, { name: 'Home', type: 'http', url: target.url('/home'), interval: '1s', timeout: '2s' });
    const server = await testServer(core, { metrics: { public: true } });
    const get = async (url: string) => {
      const res = await server.app.inject({ url });
      return { status: res.statusCode, text: res.body };
    };
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec((await get('/metrics')).text)?.[1]);
    const stored = async () => (await core.storage.db.selectFrom('check_results').select('at').where('monitor_id', '=', monitor.id).execute()).length;
    let stopped = false;
    try {
      await until('a first result stored', stored, 10_000);
      expect((await get('/readyz')).status).toBe(200);
      await refuseWrites(core, dialect, true);
      await until('/readyz to say not ready', async () => (await get('/readyz')).status === 503, 15_000);
      const answer = await get('/readyz');
      expect(JSON.parse(answer.text)).toMatchObject({ status: 'not ready', checks: { database: 'ok', results: 'not writing' } });
      expect(answer.text).not.toMatch(/readonly|disk|SQLITE|insert/i);
      expect(await metric('upkeep_results_write_failures_total')).toBeGreaterThanOrEqual(3);
      expect(await metric('upkeep_results_pending\\{kind="results"\\}')).toBeGreaterThan(0);
      expect(await metric('upkeep_results_last_write_age_seconds')).toBeGreaterThanOrEqual(2);

      await refuseWrites(core, dialect, false);
      await until('/readyz to say ready again', async () => (await get('/readyz')).status === 200, 15_000);
      expect(await metric('upkeep_results_pending\\{kind="results"\\}')).toBeLessThan(3);
      await server.close();
      stopped = true;
      // Every check the target answered was written, those of the outage included.
      expect(await stored()).toBe(target.count('/home'));
    } finally {
      if (!stopped) await server.close();
      await core.close();
      await target.close();
    }
  }, 60_000);
});

/** Makes the database refuse every write of results, as a read-only or full disk would (SQLite: the server's connection turns read-only). */
async function refuseWrites(core: Core, dialect: 'sqlite' | 'postgres', refuse: boolean): Promise<void> {
  const db = core.storage.db;
  if (dialect === 'sqlite') {
    await sql.raw(`pragma query_only = ${refuse ? 1 : 0}`).execute(db);
    return;
  }
  if (!refuse) {
    await sql.raw('drop trigger refuse_all on check_results').execute(db);
    return;
  }
  await sql
    .raw(
      `create or replace function disk_full() returns trigger as $$ begin raise exception 'could not extend file' using errcode = 'disk_full'; end $$ language plpgsql`,
    )
    .execute(db);
  await sql.raw('create trigger refuse_all before insert on check_results for each statement execute function disk_full()').execute(db);
}
