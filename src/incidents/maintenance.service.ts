import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { maintenanceReferenceIssues } from './config-section.js';
import { formatPath } from '../config/messages.js';
import { ConfigObjectsService, type ConfigObject } from './config-objects.service.js';
import { maintenanceSchema, type MaintenanceSpec } from './incidents.schema.js';

export type MaintenanceWindow = ConfigObject<MaintenanceSpec>;

/** Maintenance windows made in the API (those in upkeep.yaml are changed there). */
export class MaintenanceService extends ConfigObjectsService<MaintenanceSpec> {
  constructor(
    private readonly db: Kysely<Database>,
    clock: Clock,
  ) {
    super(db, clock, 'maintenance', maintenanceSchema, 'maintenance window');
  }

  /** A window over a site or monitor that does not exist would cover nothing, silently. */
  protected override async checkReferences(spec: MaintenanceSpec): Promise<void> {
    // The names the window gives that exist (looked up one by one: a window names a few, the instance has thousands).
    const repo = new SitesRepository(this.db);
    const sites = new Set<string>();
    const monitorKeys = new Set<string>();
    for (const name of spec.sites ?? []) if (await repo.getSiteByName(name)) sites.add(name);
    for (const ref of spec.monitors ?? []) {
      const [siteName, monitorName] = ref.split('/') as [string, string];
      const site = await repo.getSiteByName(siteName);
      if (site && (await repo.getMonitorByName(site.id, monitorName))) monitorKeys.add(ref);
    }
    const details = maintenanceReferenceIssues(spec, sites, monitorKeys).map((d) => ({ path: formatPath(d.path), message: d.message }));
    if (details.length) throw new AppError('invalid_input', `${details[0]!.path}: ${details[0]!.message}`, { details });
  }
}
