import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../src/app.js';
import { runSelfBackup, runSelfDrill, type Instance } from '../../src/backups/self-backup.js';
import { configSchema, parseConfig } from '../../src/config-file.js';
import { silentLogger } from '../../src/lib/logger.js';
import { runCli } from '../support/cli.js';
import { config, openTestCore, testEnv } from '../support/core.js';
import { createPostgresDatabase, createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
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
 * restore-self` (PostgreSQL: the dump loaded into an empty database), passes integrity_check, and
 * Upkeep starts on it with every object it had at the moment of the copy — sites, monitors, channels
 * with their sealed secrets, status pages and the backups section — and follows that section without
 * a config file. restic reads every byte of the repository and accepts it.
 */
describeWhen(resticReady, resticNeeds, 'Upkeep backs itself up', () => {
  for (const { dialect, skip } of dialects) {
    describe.skipIf(skip)(dialect, () => {
      let db: TestDatabase;
      let core: Core;
      let server: TestApp;
      let target: Server;
      let files: string;
      let repoPath: string;
      let instance: Instance;
      let configFile: string;
      const drops: (() => Promise<void>)[] = [];
      // Row counts are tagged by table: `sites` in SQLite, `public.sites` in PostgreSQL.
      const table = (name: string) => (dialect === 'sqlite' ? name : `public.${name}`);

      beforeAll(async () => {
        target = createServer((socket) => socket.end());
        await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
        const port = (target.address() as { port: number }).port;
        db = await createTestDatabase(dialect);
        core = await openTestCore(db);
        files = await mkdtemp(join(tmpdir(), 'upkeep-self-'));
        repoPath = join(files, 'repo');
        const monitors = Array.from({ length: MONITORS }, (_, i) => `      - { name: Port ${i}, type: tcp, host: 127.0.0.1, port: ${port}, interval: 1s }`);
        const yaml = `
sites:
  - name: Infrastructure
    monitors:
${monitors.join('\n')}
channels:
  - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook", secret: a-webhook-secret-of-some-length }
statusPages:
  - { slug: infra, title: Infrastructure status, components: [{ name: Servers, site: Infrastructure }] }
backups:
  repositories:
    self: { backend: { kind: local, path: ${repoPath} }, password: '${password}' }
  self: { site: Infrastructure, repository: self, schedule: '0 0 1 1 *', keep: { keepLast: 3 } }
`;
        configFile = join(files, 'upkeep.yaml');
        await writeFile(configFile, yaml);
        const loaded = config(yaml);
        await core.sync.apply(loaded, { dryRun: false });
        server = await testRuntime(core, loaded.config);
        instance = { dataDir: db.dataDir, databaseUrl: db.url, secretKey: undefined, configFile };
      }, 60_000);
      afterAll(async () => {
        await server?.close();
        await core?.close();
        await db?.cleanup();
        for (const drop of drops) await drop();
        await new Promise((resolve) => target?.close(resolve));
        if (files) await rm(files, { recursive: true, force: true });
      });

      const results = async () =>
        Number(
          (
            await core.storage.db
              .selectFrom('check_results')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );

      it('takes an online backup under write load that restores into a fresh data folder and starts with every object', async () => {
        await until('the engine to be writing results', async () => (await results()) > MONITORS, 30_000);
        // More writes while the backup runs: new sites, one after another, besides the engine's results. Each
        // waits for the event loop's next turn: SQLite's driver answers in microtasks, and a loop of them
        // alone would starve the engine and the backup of every timer and I/O callback.
        let writing = true;
        let made = 0;
        const writer = (async () => {
          while (writing) {
            await core.sites.createSite({ name: `Client ${++made}`, tags: ['load'] });
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        const before = await results();
        const madeBefore = made;
        const backup = await runSelfBackup(instance, { backend: { kind: 'local', path: repoPath }, password }, { keepLast: 3 }, { log });
        const madeDuring = made - madeBefore;
        const after = await results();
        writing = false;
        await writer;
        expect(backup.ok, backup.message).toBe(true);
        // A quick pg_dump can end between two of the engine's result batches: the sites made meanwhile are the load it ran under.
        expect(madeDuring, 'sites were made while the backup ran').toBeGreaterThan(0);
        expect(after).toBeGreaterThanOrEqual(before);
        const counted = backup.stats!.rowCounts;
        const count = (name: string) => counted[table(name)] ?? -1;
        // 30 written, and the heartbeats of the self-backup, its drill and its repository's check.
        expect(count('monitors')).toBe(MONITORS + 3);
        expect(count('sites')).toBeGreaterThanOrEqual(1);

        expect(restic(repoPath, password, ['check', '--read-data'])).toContain('no errors were found');

        const fresh = join(files, `restored-${dialect}`);
        const cli = await runCli(['restore-self', '--repo', repoPath, '--data-dir', fresh], { env: { UPKEEP_BACKUP_PASSWORD: password } });
        expect(cli.code, cli.stderr).toBe(0);
        expect(await readFile(join(fresh, 'secret.key'), 'utf8')).toBe(await readFile(join(db.dataDir, 'secret.key'), 'utf8'));
        expect((await stat(join(fresh, 'secret.key'))).mode & 0o077).toBe(0);
        expect(await readFile(join(fresh, 'upkeep.yaml'), 'utf8')).toBe(await readFile(configFile, 'utf8'));

        let url: string | undefined;
        if (dialect === 'sqlite') {
          expect(cli.stdout).toMatch(/^restored self-backup [0-9a-f]{8} into .*: secret\.key, upkeep\.db, upkeep\.yaml \(\d+ tables checked\)\n$/);
          const restoredDb = new Database(join(fresh, 'upkeep.db'), { readonly: true });
          expect(restoredDb.pragma('integrity_check', { simple: true })).toBe('ok');
          restoredDb.close();
        } else {
          expect(cli.stdout).toMatch(/^restored self-backup [0-9a-f]{8} into .*: secret\.key, upkeep\.sql, upkeep\.yaml \(load upkeep\.sql with psql/);
          const empty = await createPostgresDatabase();
          drops.push(empty.drop);
          execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', empty.url, '-f', join(fresh, 'upkeep.sql')]);
          url = empty.url;
        }

        // Upkeep starts on it: every object of the moment of the copy, secrets still open.
        const env = testEnv({ dialect, url, dataDir: fresh, cleanup: async () => {} });
        const restored = await openCore({ dataDir: fresh, env, logger: log });
        try {
          const restoredResults = Number(
            (
              await restored.storage.db
                .selectFrom('check_results')
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          );
          expect(restoredResults).toBe(count('check_results'));
          expect(restoredResults).toBeGreaterThanOrEqual(before);
          expect(restoredResults).toBeLessThanOrEqual(after);
          expect((await restored.sites.listSites({ limit: 500 })).total).toBe(count('sites'));
          expect((await restored.sites.listMonitors({ limit: 500 })).total).toBe(MONITORS + 3);
          const exported = await restored.exportConfig({ includeSecrets: true });
          const file = parseConfig(exported.yaml, 'exported.yaml', {}).config;
          expect(file.channels.map((c) => c.name)).toEqual(['hook']);
          expect(exported.yaml).toContain('a-webhook-secret-of-some-length');
          expect(file.statusPages.map((p) => p.slug)).toEqual(['infra']);
          expect(file.sites.find((s) => s.name === 'Infrastructure')?.monitors).toHaveLength(MONITORS);
          expect(file.backups?.self).toMatchObject({ site: 'Infrastructure', repository: 'self' });
          // Started without a config file, it follows the backups section it had.
          const runtime = await testRuntime(restored, configSchema.parse({}));
          try {
            expect(runtime.backups.scheduler.current.self?.site).toBe('Infrastructure');
          } finally {
            await runtime.close();
          }
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
  }
});
