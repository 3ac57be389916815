import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { SitesRepository } from '../sites/sites.repository.js';
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
    const sites = new SitesRepository(this.db);
    const details: { path: string; message: string }[] = [];
    for (const [i, name] of (spec.sites ?? []).entries())
      if (!(await sites.getSiteByName(name))) details.push({ path: `sites[${i}]`, message: `no site is named "${name}"` });
    for (const [i, ref] of (spec.monitors ?? []).entries()) {
      const [siteName, monitorName] = ref.split('/') as [string, string];
      const site = await sites.getSiteByName(siteName);
      if (!site || !(await sites.getMonitorByName(site.id, monitorName)))
        details.push({ path: `monitors[${i}]`, message: `no monitor is named "${ref}" (write "Site name/Monitor name")` });
    }
    if (details.length) throw new AppError('invalid_input', `${details[0]!.path}: ${details[0]!.message}`, { details });
  }
}
