import { fileURLToPath } from 'node:url';
import type { Core } from '../app.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { repeat, type Repeating } from '../lib/repeat.js';
import { BackupsRepository } from './backups.repository.js';
import { backupsConfigSchema, type BackupsConfig } from './config.js';
import { BackupJobsService } from './jobs.service.js';
import { RepositoryCache } from './repository-cache.js';
import { BackupScheduler } from './scheduler.js';
import type { Instance } from './self-backup.js';
import { BackupSettings } from './settings.js';

/** Where Upkeep itself is installed: a restore root must not overlap it. */
const installDir = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the backup scheduler over an open core, reporting to the engine's heartbeats and keeping each run in the history. */
export function createBackupScheduler(core: Core, config: BackupsConfig, engine: MonitoringEngine, configFile?: string): BackupScheduler {
  const sites = new SitesRepository(core.storage.db);
  const runs = new BackupsRepository(core.storage.db);
  const instance: Instance = {
    dataDir: core.dataDir,
    databaseUrl: core.env.databaseUrl,
    secretKey: core.env.vars.UPKEEP_SECRET_KEY?.trim() || undefined,
    configFile,
  };
  return new BackupScheduler({
    config,
    engine,
    instance,
    log: core.logger.child({ component: 'backups' }),
    pingKeyOf: async ({ site, monitor }) => {
      const row = await sites.getSiteByName(site);
      return (row && (await sites.getMonitorByName(row.id, monitor))?.ping_key) ?? undefined;
    },
    record: async (run) => {
      await runs.recordRun({
        kind: run.kind,
        job: run.job,
        repository: run.repository,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        ok: run.ok ? 1 : 0,
        message: run.message,
        snapshot_id: run.snapshotId,
      });
    },
  });
}

export interface Backups {
  scheduler: BackupScheduler;
  jobs: BackupJobsService;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Backups of a running server: the scheduler, and the API's use cases over the same `backups:`
 * section. The section applied last (`upkeep apply`, or the file at start) is read from the database
 * every `pollMs`; when it changed, the schedules are made anew: no restart needed.
 */
export async function createBackups(
  core: Core,
  config: BackupsConfig | undefined,
  engine: MonitoringEngine,
  options: { configFile?: string | undefined; pollMs?: number } = {},
): Promise<Backups> {
  const pollMs = options.pollMs ?? 5_000;
  const log = core.logger.child({ component: 'backups' });
  const settings = new BackupSettings(core.storage.db, core.secrets);
  const empty = backupsConfigSchema.parse({ repositories: {} });
  let version = await settings.version();
  // A runtime over a config that was never applied (tests, one-off tools) follows its own section until one is applied.
  const initial = version > 0 ? (await settings.load())?.config : config;
  const scheduler = createBackupScheduler(core, initial ?? empty, engine, options.configFile);
  const repositories = new RepositoryCache(log);
  const jobs = new BackupJobsService({
    db: core.storage.db,
    siteCodec: core.siteCodec,
    clock: core.clock,
    current: () => scheduler.current,
    repositories,
    protectedPaths: [core.dataDir, installDir],
    log,
  });
  let following: Repeating | undefined;
  const follow = async () => {
    const now = await settings.version();
    if (now === version) return;
    version = now;
    const stored = await settings.load();
    scheduler.reschedule(stored?.config ?? empty);
    log.info({ jobs: stored?.config.jobs.length ?? 0 }, 'the backups section changed: schedules follow it now');
  };
  return {
    scheduler,
    jobs,
    start() {
      scheduler.start();
      following = repeat(pollMs, follow, { log, what: 'reading the backups section' });
    },
    async stop() {
      await following?.stop();
      await scheduler.stop();
      await repositories.close();
    },
  };
}
