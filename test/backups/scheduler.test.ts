import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import type { BackupScheduler } from '../../src/backups/scheduler.js';
import { outcomeOf } from '../../src/monitoring/result.js';
import type { StoredEvent } from '../../src/monitoring/results-writer.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testServer, type TestApp } from '../support/http.js';
import { password } from './support/repo.js';
import { restic, resticNeeds, resticReady } from './support/restic.js';
import { describeWhen } from './support/tools.js';
import { until } from '../support/receivers.js';

let db: TestDatabase;
let core: Core;
let server: TestApp;
let scheduler: BackupScheduler;
let repoPath: string;
const events: StoredEvent[] = [];

const monitorId = async (name: string): Promise<number> => {
  const { items } = await core.sites.listMonitors({ limit: 100 });
  const found = items.find((m) => m.spec.name === name);
  if (!found) throw new Error(`no monitor named ${name}: ${items.map((m) => m.spec.name).join(', ')}`);
  return found.id;
};

describeWhen(resticReady, resticNeeds, 'scheduled backups report to heartbeat monitors', () => {
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    repoPath = join(db.dataDir, 'repo');
    const source = join(db.dataDir, 'www');
    await mkdir(source);
    await writeFile(join(source, 'index.html'), '<h1>Add to cart</h1>');
    // Every second, so the test sees several runs; checks never run during the test.
    const loaded = config(`
sites:
  - name: Shop
backups:
  repositories:
    main: { backend: { kind: local, path: ${repoPath} }, password: '${password}' }
  jobs:
    - name: broken-dump
      site: Shop
      repository: main
      source: { kind: command, command: [sh, -c, 'echo partial; exit 3'], filename: dump.sql }
      schedule: '* * * * * *'
      drill: false
    - name: www
      site: Shop
      repository: main
      source: { kind: dir, paths: ['${source}'] }
      schedule: '* * * * * *'
      grace: 3s
  drills: { schedule: '*/2 * * * * *' }
  verify: { schedule: '0 0 1 1 *', fullReadSchedule: '0 0 1 1 *' }
`);
    const plan = await core.sync.apply(loaded, { dryRun: false });
    expect(plan.items.map((i) => `${i.action} ${i.key}`)).toEqual([
      'create backups',
      'create Shop',
      'create Shop/Backup: broken-dump',
      'create Shop/Backup: www',
      'create Shop/Restore drill: www',
      'create Shop/Repository check: main',
    ]);
    server = await testServer(core);
    server.engine.results.onCommitted((stored) => events.push(...stored));
    // The server runs the applied section itself: no restart, no config handed to it.
    scheduler = server.backups.scheduler;
  });
  afterAll(async () => {
    await scheduler?.stop();
    await server?.close();
    await core?.close();
    await db?.cleanup();
  });

  /** A monitor's stored results, newest first, with their detail (what the job reported). */
  async function stored(id: number) {
    await server.engine.results.flush();
    const rows = await server.engine.results.repository.listResults(id, Number.MAX_SAFE_INTEGER, 10);
    return rows.map((r) => ({ status: outcomeOf[r.status], detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown) }));
  }

  it('turns the monitor of a job whose dump command fails down, with the command’s error as evidence', async () => {
    const id = await monitorId('Backup: broken-dump');
    await until('the failing job to be down', () => server.engine.stateOf(id)?.state.status === 'down', 10_000);
    await server.engine.results.flush();
    const down = events.find((e) => e.monitorId === id && e.to === 'down')!;
    expect(down.message).toMatch(/^the job reported a failure after running [\d.]+ s$/);
    expect((await stored(id))[0]!.detail).toMatchObject({ body: expect.stringContaining('sh failed with exit code 3') });
  }, 15_000);

  it('records a successful run as up with its duration, and a drill of it as up; restic sees the snapshots', async () => {
    const backup = await monitorId('Backup: www');
    await until('the backup to be up', () => server.engine.stateOf(backup)?.state.status === 'up', 10_000);
    const result = server.engine.stateOf(backup)!.recent.at(-1)!;
    expect(result.status).toBe('up');
    expect(result.durationMs).toBeGreaterThan(0);
    expect((await stored(backup))[0]!.detail).toMatchObject({ body: expect.stringMatching(/^snapshot [0-9a-f]{8}: \d+ bytes read/) });

    const drill = await monitorId('Restore drill: www');
    await until('a drill to pass', () => server.engine.stateOf(drill)?.recent.some((r) => r.status === 'up'), 10_000);
    const passed = (await stored(drill)).find((r) => r.status === 'up')!;
    expect(passed.detail).toMatchObject({ body: expect.stringMatching(/^restored snapshot [0-9a-f]{8}: 1 files verified$/) });

    const snapshots = JSON.parse(restic(repoPath, password, ['snapshots', '--json'])) as { tags: string[] }[];
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots.every((s) => s.tags.includes('upkeep-job:www'))).toBe(true);
  }, 25_000);

  it('turns the monitor down when runs stop arriving, by schedule + grace', async () => {
    const backup = await monitorId('Backup: www');
    // On a loaded machine the queue of one repository can fall behind the grace of 3 s: start from up.
    await until('the backup to be up before the schedules stop', () => server.engine.stateOf(backup)?.state.status === 'up', 10_000);
    await scheduler.stop();
    await until('the missed run to turn it down', () => server.engine.stateOf(backup)?.state.status === 'down', 10_000);
    expect(server.engine.stateOf(backup)!.state.lastMessage).toMatch(/^no ping since .* \(expected by .*\)$/);
    expect(restic(repoPath, password, ['check'])).toContain('no errors were found');
  }, 15_000);
});
