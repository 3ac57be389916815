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
