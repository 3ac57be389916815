import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openCore, type Core } from '../../src/app.js';
import { runSelfBackup, runSelfDrill, type Instance } from '../../src/backups/self-backup.js';
import { silentLogger } from '../../src/lib/logger.js';
import { runCli } from '../support/cli.js';
import { config, openTestCore, testEnv } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { testRuntime, type TestApp } from '../support/http.js';
import { until } from '../support/receivers.js';
import { password } from './support/repo.js';
import { restic, resticNeeds, resticReady } from './support/restic.js';
import { describeWhen } from './support/tools.js';

const log = silentLogger();
const MONITORS = 30;

/**
 * Upkeep backs itself up while the engine writes results (30 monitors checking a loopback port every
 * second) and new sites keep being made; the backup restores into a fresh data folder with `upkeep
 * restore-self`, passes integrity_check, and Upkeep starts on it with every object it had, its sealed
 * secrets readable. restic reads every byte of the repository and accepts it.
 */
describeWhen(resticReady, resticNeeds, 'Upkeep backs itself up (SQLite)', () => {
  let db: TestDatabase;
  let core: Core;
  let server: TestApp;
  let target: Server;
  let files: string;
  let repoPath: string;
  let instance: Instance;
  let yaml: string;

  beforeAll(async () => {
    target = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const port = (target.address() as { port: number }).port;
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    files = await mkdtemp(join(tmpdir(), 'upkeep-self-'));
    repoPath = join(files, 'repo');
    const monitors = Array.from({ length: MONITORS }, (_, i) => `      - { name: Port ${i}, type: tcp, host: 127.0.0.1, port: ${port}, interval: 1s }`).join(
      '\n',
    );
    yaml = `
sites:
  - name: Infrastructure
    monitors:
${monitors}
channels:
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-webhook-secret-of-some-length }
backups:
  repositories:
    self: { backend: { kind: local, path: ${repoPath} }, password: '${password}' }
  self: { site: Infrastructure, repository: self, schedule: '0 0 1 1 *', keep: { keepLast: 3 } }
`;
    const loaded = config(yaml);
    await core.sync.apply(loaded, { dryRun: false });
    server = await testRuntime(core, loaded.config);
    instance = { dataDir: db.dataDir, databaseUrl: undefined, secretKey: undefined, configFile: undefined };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await core?.close();
    await db?.cleanup();
    await new Promise((resolve) => target?.close(resolve));
    if (files) await rm(files, { recursive: true, force: true });
  });

  it('takes an online backup under write load that restores into a fresh data folder and starts with every object', async () => {
    const results = () =>
      core.storage.db
        .selectFrom('check_results')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
    await until('the engine to be writing results', async () => Number((await results()).n) > MONITORS, 30_000);
    // More writes while the backup runs: new sites, one after another, and the engine's results.
    let writing = true;
    let made = 0;
    const writer = (async () => {
      while (writing) await core.sites.createSite({ name: `Client ${++made}`, tags: ['load'] });
    })();
    const before = Number((await results()).n);
    const backup = await runSelfBackup(instance, { backend: { kind: 'local', path: repoPath }, password }, { keepLast: 3 }, { log });
    const after = Number((await results()).n);
    writing = false;
    await writer;
    expect(backup.ok, backup.message).toBe(true);
    expect(after, 'the engine wrote results while the backup ran').toBeGreaterThan(before);
    const counted = backup.stats!.rowCounts;
    expect(counted.monitors).toBe(MONITORS);
    expect(counted.sites).toBeGreaterThanOrEqual(1);

    expect(restic(repoPath, password, ['check', '--read-data'])).toContain('no errors were found');

    const fresh = join(files, 'restored');
    const cli = await runCli(['restore-self', '--repo', repoPath, '--data-dir', fresh], { env: { UPKEEP_BACKUP_PASSWORD: password } });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^restored self-backup [0-9a-f]{8} into .*: secret\.key, upkeep\.db \(\d+ tables checked\)\n$/);
    expect((await stat(join(fresh, 'secret.key'))).mode & 0o077).toBe(0);
    expect(await readFile(join(fresh, 'secret.key'), 'utf8')).toBe(await readFile(join(db.dataDir, 'secret.key'), 'utf8'));

    const restoredDb = new Database(join(fresh, 'upkeep.db'), { readonly: true });
    expect(restoredDb.pragma('integrity_check', { simple: true })).toBe('ok');
    restoredDb.close();

    // Upkeep starts on it: every site and monitor of the moment of the backup, secrets still open.
    const restored = await openCore({ dataDir: fresh, env: testEnv({ ...db, dataDir: fresh }), logger: log });
    try {
      const sites = await restored.sites.listSites({ limit: 500 });
      expect(sites.total).toBe(counted.sites);
      expect((await restored.sites.listMonitors({ limit: 500 })).total).toBe(MONITORS);
      const channels = await restored.channels.list({ limit: 5 });
      expect(channels.items.map((c) => c.spec.name)).toEqual(['hook']);
      const exported = await restored.exportConfig({ includeSecrets: true });
      expect(exported.yaml).toContain('a-webhook-secret-of-some-length');
      expect(exported.yaml).toContain('self: { site: Infrastructure'.slice(0, 5));
      const runtime = await testRuntime(restored, config(yaml).config);
      await runtime.close();
    } finally {
      await restored.close();
    }
  }, 240_000);

  it('passes its restore drill, and refuses to restore over a data folder in use', async () => {
    const drill = await runSelfDrill({ backend: { kind: 'local', path: repoPath }, password }, { log });
    expect(drill.ok, drill.message).toBe(true);
    expect(drill.message).toMatch(/^restored self-backup [0-9a-f]{8}: files verified, \d+ tables match$/);
    const busy = await runCli(['restore-self', '--repo', repoPath, '--data-dir', db.dataDir], { env: { UPKEEP_BACKUP_PASSWORD: password } });
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain('is not empty: restore into a new data folder');
  }, 120_000);
});
