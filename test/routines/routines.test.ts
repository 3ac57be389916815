import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { RoutinesService } from '../../src/routines/routines.service.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { sleep, until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-test-secret-long-enough';
const MONDAY_9 = 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0';

describe.each(dialects)('routines on $dialect', ({ dialect, skip }) => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let owner: string;
  let siteId: number;
  let loaded: ReturnType<typeof config>;
  /** The clock the whole runtime reads, set to chosen moments of 2026. */
  const clock = {
    offset: 0,
    now() {
      return Date.now() + this.offset;
    },
    set(iso: string) {
      this.offset = Date.parse(iso) - Date.now();
    },
  };
  const as = () => ({ authorization: `Bearer ${owner}` });
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${url}`, headers: as(), ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    if (skip) return;
    hook = await webhookReceiver(SECRET);
    db = await createTestDatabase(dialect);
    clock.set('2026-03-20T12:00:00Z');
    core = await openTestCore(db, clock);
    loaded = config(`
sites:
  - { name: Shop, url: "https://shop.example/" }
channels:
  - { name: ops, type: webhook, url: "${hook.url}", secret: ${SECRET} }
routines:
  - { site: Shop, name: Weekly care, template: starter, rrule: "${MONDAY_9}", timezone: Europe/Stockholm, remindBefore: 12h, channels: [ops] }
`);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config, { baseDelayMs: 50 });
    const user = await core.accounts.createUser({ email: 'owner@agency.test', password: 'owner password 123', role: 'owner' });
    owner = (await core.accounts.createToken({ name: 'o', scope: 'write', userId: user.id })).token;
    siteId = (await core.sites.listSites({ limit: 1 })).items[0]!.id;
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await hook?.close();
  });

  it.skipIf(skip)('a weekly routine in Europe/Stockholm comes due at 09:00 local on both sides of a DST change', async () => {
    const [routine] = (await api('GET', `/sites/${siteId}/routines`)).json().data;
    expect(routine).toMatchObject({ name: 'Weekly care', managedBy: 'config', timezone: 'Europe/Stockholm', overdue: false });
    expect(routine.checklist).toHaveLength(7);
    // Monday 23 March: still CET (UTC+1).
    expect(routine.dueAt).toBe('2026-03-23T08:00:00.000Z');
    clock.set('2026-03-23T08:30:00Z');
    const done = await api('POST', `/routines/${routine.id}/complete`, {
      notes: 'All fine',
      evidence: ['https://reports.example/restore-drill-0323'],
      done: [0, 1, 2],
    });
    expect(done.statusCode).toBe(201);
    expect(done.json()).toMatchObject({
      dueAt: '2026-03-23T08:00:00.000Z',
      completedBy: 'owner@agency.test (API token #1)',
      evidence: ['https://reports.example/restore-drill-0323'],
    });
    expect(done.json().checklist.filter((i: { done: boolean }) => i.done)).toHaveLength(3);
    // Clocks went forward on Sunday 29 March: 09:00 CEST is 07:00 UTC.
    expect((await api('GET', `/routines/${routine.id}`)).json().dueAt).toBe('2026-03-30T07:00:00.000Z');
    clock.set('2026-03-30T07:05:00Z');
    await api('POST', `/routines/${routine.id}/complete`, {});
    expect((await api('GET', `/routines/${routine.id}`)).json().dueAt).toBe('2026-04-06T07:00:00.000Z');
    expect((await api('GET', `/routines/${routine.id}/history`)).json().data).toHaveLength(2);

    // Autumn: clocks go back on Sunday 25 October, and 09:00 is 08:00 UTC again.
    clock.set('2026-10-20T12:00:00Z');
    const autumn = await api('POST', `/sites/${siteId}/routines`, {
      name: 'Autumn',
      items: ['Check the forms'],
      rrule: MONDAY_9,
      timezone: 'Europe/Stockholm',
    });
    expect(autumn.statusCode).toBe(201);
    expect(autumn.json().dueAt).toBe('2026-10-26T08:00:00.000Z');
    expect((await api('DELETE', `/routines/${autumn.json().id}`)).statusCode).toBe(204);
    expect((await api('DELETE', `/routines/${routine.id}`)).statusCode).toBe(409);
  });

  it.skipIf(skip)('upkeep.yaml owns its routines: applying it again changes nothing, and export writes them back', async () => {
    const plan = await core.sync.apply(loaded, { dryRun: true });
    expect(plan.items.filter((i) => i.kind === 'routine')).toEqual([]);
    const { yaml } = await core.exportConfig({ includeSecrets: false });
    expect(yaml).toContain('routines:\n  - site: Shop\n    name: Weekly care\n    template: starter\n');
    expect(yaml).not.toContain('name: Autumn');
  });

  it.skipIf(skip)('refuses what is wrong, naming the field', async () => {
    const bad = await api('POST', `/sites/${siteId}/routines`, { name: 'X', rrule: 'FREQ=SOMETIMES' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['items', 'rrule']);
    const nobody = await api('POST', `/sites/${siteId}/routines`, { name: 'X', template: 'starter', rrule: MONDAY_9, assignee: 'nobody@agency.test' });
    expect(nobody.json().error.details).toEqual([{ path: 'assignee', message: 'not an account you can assign' }]);
    const assigned = await api('POST', `/sites/${siteId}/routines`, { name: 'Mine', template: 'starter', rrule: MONDAY_9, assignee: 'owner@agency.test' });
    expect(assigned.json().assignee).toBe('owner@agency.test');
    await api('DELETE', `/routines/${assigned.json().id}`);
  });

  it.skipIf(skip)('reminds before it is due, alerts once when overdue through a channel, and shows on the overview', async () => {
    const worker = new RoutinesService(core.storage.db, clock, undefined);
    const notices = () => hook.messages.filter((m) => m.body.event === 'notice');
    // Due Monday 6 April 07:00 UTC; the reminder is 12 hours before.
    clock.set('2026-04-05T20:00:00Z');
    expect(await worker.tick()).toBe(1);
    server.incidents.sender.wake();
    await until('the reminder', () => notices()[0], 20_000);
    expect(notices()[0]!.body.incident.title).toBe('Due soon: Weekly care (Shop)');
    expect((await api('GET', '/portfolio')).json().totals.overdueRoutines).toBe(0);

    clock.set('2026-04-06T09:00:00Z');
    expect(await worker.tick()).toBe(1);
    expect(await worker.tick()).toBe(0);
    server.incidents.sender.wake();
    const alert = await until('the overdue alert', () => notices()[1], 20_000);
    expect(alert.signed).toBe(true);
    expect(alert.body.incident.title).toBe('Overdue: Weekly care (Shop)');
    await sleep(300);
    expect(await worker.tick()).toBe(0);
    expect(notices()).toHaveLength(2);
    const overview = (await api('GET', '/portfolio')).json();
    expect(overview.totals.overdueRoutines).toBe(1);
    expect(overview.data[0].overdueRoutines).toBe(1);
    const [routine] = (await api('GET', `/sites/${siteId}/routines`)).json().data;
    expect(routine.overdue).toBe(true);
    // Done late: it moves to the next Monday after now, and is no longer overdue.
    await api('POST', `/routines/${routine.id}/complete`, { notes: 'late' });
    expect((await api('GET', `/routines/${routine.id}`)).json()).toMatchObject({ dueAt: '2026-04-13T07:00:00.000Z', overdue: false });
    expect((await api('GET', '/portfolio')).json().totals.overdueRoutines).toBe(0);
  });
});
