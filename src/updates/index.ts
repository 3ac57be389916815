import type { Core } from '../app.js';
import type { Config } from '../config/schema.js';
import type { MaintenanceService } from '../incidents/maintenance.service.js';
import type { Logger } from '../lib/logger.js';
import type { UpdateRunsDeps } from './runs/run-state.js';
import { UpdateRunsService } from './runs/runs.service.js';

export interface UpdatesOptions {
  dataDir: string;
  allowPrivate: boolean;
  ca?: readonly string[] | undefined;
  maintenance: MaintenanceService;
  openIncident: UpdateRunsDeps['openIncident'];
  leaseMs?: number;
  onWindowOpened?(): void;
  log?: Logger;
}

/** Update runs over an open core, with the config's backup jobs and Chromium settings. */
export function createUpdateRuns(core: Core, config: Pick<Config, 'backups' | 'audits'>, options: UpdatesOptions): UpdateRunsService {
  return new UpdateRunsService({
    db: core.storage.db,
    clock: core.clock,
    log: options.log ?? core.logger.child({ component: 'updates' }),
    codec: core.siteCodec,
    secrets: core.secrets,
    maintenance: options.maintenance,
    openIncident: options.openIncident,
    backups: config.backups,
    audits: config.audits,
    allowPrivate: options.allowPrivate,
    ca: options.ca,
    dataDir: options.dataDir,
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.onWindowOpened ? { onWindowOpened: () => options.onWindowOpened?.() } : {}),
  });
}
