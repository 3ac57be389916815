import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { ConfigObjectsService, type ConfigObject } from './config-objects.service.js';
import { maintenanceSchema, type MaintenanceSpec } from './incidents.schema.js';

export type MaintenanceWindow = ConfigObject<MaintenanceSpec>;

/** Maintenance windows made in the API (those in upkeep.yaml are changed there). */
export class MaintenanceService extends ConfigObjectsService<MaintenanceSpec> {
  constructor(db: Kysely<Database>, clock: Clock) {
    super(db, clock, 'maintenance', maintenanceSchema, 'maintenance window');
  }
}
