import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { incidentsService } from '../../src/incidents/index.js';
import { MaintenanceService } from '../../src/incidents/maintenance.service.js';
import { createUpdateRuns } from '../../src/updates/index.js';
import { InventoryService } from '../../src/updates/inventory.service.js';
import type { Assessed } from '../../src/updates/match.js';
import { RunsRepository } from '../../src/updates/runs/runs.repository.js';
import type { RunState } from '../../src/updates/runs/run-state.js';
import type { UpdateRunsService } from '../../src/updates/runs/runs.service.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

/** A clock the test moves. */
const clock = {
  t: Date.parse('2026-06-01T00:00:00Z'),
  now() {
    return this.t;
  },
};

const spec = {
  ssh: { host: '127.0.0.1', port: 1, username: 'nobody', root: '/srv/site' },
  pages: [{ url: 'http://127.0.0.1:1/' }],
  steps: [{ kind: 'command', command: 'true' }],
};

const component = (name: string, version: string): Assessed =>
  ({
    name,
    ecosystem: 'wordpress-plugin',
    version,
    seen: [{ source: 'wp-content/plugins', at: 'x' }],
    vulnerabilities: [],
    endOfLife: false,
  }) as unknown as Assessed;

describe.each(dialects)('update runs and inventories stored on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  let repo: RunsRepository;
  let runs: UpdateRunsService;
  let siteId: number;
  const loaded = config('sites: [{ name: Shop }]');

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db, clock);
    await core.sync.apply(loaded, { dryRun: false });
    siteId = (await core.sites.listSites({ limit: 5 })).items[0]!.id;
    repo = new RunsRepository(core.storage.db);
    runs = createUpdateRuns(core, loaded.config, {
      dataDir: db.dataDir,
      allowPrivate: true,
      maintenance: new MaintenanceService(core.storage.db, core.clock),
      openIncident: (input, author) => incidentsService(core, loaded.config).service.open(input, author),
      leaseMs: 60_000,
    });
  });
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });

  const insertRun = (phase: string, state: RunState) =>
    repo.insert({
      site_id: siteId,
      status: 'running',
      phase,
      spec: JSON.stringify(spec),
      secrets: null,
      state: JSON.stringify(state),
      reason: null,
      created_at: clock.t,
      updated_at: clock.t,
      finished_at: null,
    });

  it('one run at a time per site: the lease is refused to a second run until it expires, then taken over', async () => {
    const a = await insertRun('update', { backups: [], stepIndex: 0 });
    const b = await insertRun('update', { backups: [], stepIndex: 0 });
    expect(await repo.lease(siteId, a, 'runner-1', clock.t, clock.t + 1_000)).toEqual({ taken: true });
    expect(await repo.lease(siteId, b, 'runner-2', clock.t, clock.t + 1_000)).toEqual({ taken: false, runId: a });
    expect(await repo.renew(siteId, a, 'runner-1', clock.t + 2_000)).toBe(true);
    expect(await repo.lease(siteId, b, 'runner-2', clock.t + 1_500, clock.t + 3_000)).toEqual({ taken: false, runId: a });
    // Runner 1 stopped renewing: once its lease ran out, runner 2 takes the site, and runner 1 learns it lost it.
    expect(await repo.lease(siteId, b, 'runner-2', clock.t + 2_000, clock.t + 4_000)).toEqual({ taken: true });
    expect(await repo.renew(siteId, a, 'runner-1', clock.t + 5_000)).toBe(false);
    await repo.release(siteId, b);
    expect(await repo.lockOf(siteId)).toBeUndefined();
    for (const id of [a, b])
      await repo.save(id, { status: 'failed', phase: 'done', state: '{}', reason: 'test', updated_at: clock.t, finished_at: clock.t }, [
        { run_id: id, site_id: siteId, event: 'update.aborted', payload: '{}', at: clock.t },
      ]);
    expect((await repo.events(a)).map((e) => e.event)).toEqual(['update.aborted']);
    expect(await repo.running()).toEqual([]);
  });

  it('a run a stopped Upkeep left while closing is finished on restart: window closed, outcome recorded, lease released', async () => {
    const window = await new MaintenanceService(core.storage.db, core.clock).create({
      name: 'Update run: Shop',
      sites: ['Shop'],
      start: new Date(clock.t).toISOString(),
      end: new Date(clock.t + 3_600_000).toISOString(),
    });
    const id = await insertRun('close', { backups: [], stepIndex: 1, outcome: 'succeeded', window: { id: window.id, name: 'Update run: Shop' } });
    const [resumed] = await runs.resumeUnfinished();
    expect(resumed!.id).toBe(id);
    expect(resumed!.status).toBe('succeeded');
    expect(resumed!.phase).toBe('done');
    expect(resumed!.events.map((e) => e.event)).toEqual(['update.succeeded']);
    expect(await new MaintenanceService(core.storage.db, core.clock).list()).toEqual([]);
    expect(await repo.lockOf(siteId)).toBeUndefined();
  });

  it('a rollback that cannot be done ends as rollback_failed with a critical incident, never silently', async () => {
    const id = await insertRun('rollback', { backups: [{ job: 'gone-job', snapshotId: 'abcdef0123' }], stepIndex: 0, outcome: 'rolled_back' });
    const [resumed] = await runs.resumeUnfinished();
    expect(resumed!.id).toBe(id);
    expect(resumed!.status).toBe('rollback_failed');
    expect(resumed!.reason).toMatch(/the rollback failed: .*gone-job is no longer in the config/);
    expect(resumed!.steps.map((s) => `${s.phase} ${s.status}`)).toEqual(['rollback failed']);
    expect(resumed!.events.map((e) => e.event)).toEqual(['update.rollback_failed']);
    const incidents = await incidentsService(core, loaded.config).service.list({ limit: 5 });
    expect(incidents.map((i) => [i.id, i.severity, i.title])).toEqual([[resumed!.state.incidentId, 'critical', `Update run ${id}: the rollback failed`]]);
  });

  it('keeps inventories as a history of changes: an equal one only moves checked_at, a changed one says what changed', async () => {
    const history = new InventoryService(core.storage.db, clock);
    expect(await history.siteId('Shop')).toBe(siteId);
    await expect(history.siteId('Nope')).rejects.toThrow(/site "Nope" does not exist/);
    const first = await history.record(siteId, 'ssh', 'u@h:/srv', [component('akismet', '5.0'), component('hello', '1.7')], '2026-05-01');
    clock.t += 60_000;
    const same = await history.record(siteId, 'ssh', 'u@h:/srv', [component('hello', '1.7'), component('akismet', '5.0')], '2026-05-01');
    expect(same).toMatchObject({ id: first.id, stored: false });
    clock.t += 60_000;
    const next = await history.record(siteId, 'ssh', 'u@h:/srv', [component('akismet', '5.1'), component('jetpack', '13.0')], '2026-05-01');
    expect(next.stored).toBe(true);
    expect(next.diff).toEqual({
      added: [{ ecosystem: 'wordpress-plugin', name: 'jetpack', versions: ['13.0'] }],
      removed: [{ ecosystem: 'wordpress-plugin', name: 'hello', versions: ['1.7'] }],
      changed: [{ ecosystem: 'wordpress-plugin', name: 'akismet', from: ['5.0'], to: ['5.1'] }],
    });
    const kept = await history.history(siteId);
    expect(kept.map((k) => k.id)).toEqual([next.id, first.id]);
    expect(kept[1]!.checkedAt - kept[1]!.takenAt).toBe(60_000);
    expect((await history.components(next.id)).map((c) => `${c.name} ${c.version}`).sort()).toEqual(['akismet 5.1', 'jetpack 13.0']);
  });
});
