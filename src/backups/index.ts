import type { Core } from '../app.js';
import type { MonitoringEngine } from '../monitoring/engine.js';
import { SitesRepository } from '../sites/sites.repository.js';
import type { BackupsConfig } from './config.js';
import { BackupScheduler } from './scheduler.js';

/** Builds the backup scheduler over an open core, reporting to the engine's heartbeats. */
export function createBackupScheduler(core: Core, config: BackupsConfig, engine: MonitoringEngine): BackupScheduler {
  const sites = new SitesRepository(core.storage.db);
  return new BackupScheduler({
    config,
    engine,
    log: core.logger.child({ component: 'backups' }),
    pingKeyOf: async ({ site, monitor }) => {
      const row = await sites.getSiteByName(site);
      return (row && (await sites.getMonitorByName(row.id, monitor))?.ping_key) ?? undefined;
    },
  });
}
