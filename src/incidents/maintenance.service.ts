import type { Kysely } from 'kysely';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { canonicalJson } from '../lib/json.js';
import { AppError } from '../lib/errors.js';
import { ConfigObjectsRepository, type ConfigObjectRow } from './config-objects.repository.js';
import { maintenanceSchema, type MaintenanceSpec } from './incidents.schema.js';

export interface MaintenanceWindow {
  id: number;
  spec: MaintenanceSpec;
  managedBy: 'config' | 'api';
}

const fromRow = (row: ConfigObjectRow): MaintenanceWindow => ({ id: row.id, spec: JSON.parse(row.spec) as MaintenanceSpec, managedBy: row.managed_by });

/** Maintenance windows made in the API (those in upkeep.yaml are changed there). */
export class MaintenanceService {
  private readonly repo: ConfigObjectsRepository;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.repo = new ConfigObjectsRepository(db);
  }

  async list(): Promise<MaintenanceWindow[]> {
    return (await this.repo.all('maintenance')).map(fromRow);
  }

  async get(id: number): Promise<MaintenanceWindow> {
    const row = await this.repo.get('maintenance', id);
    if (!row) throw new AppError('not_found', `maintenance window ${id} does not exist`);
    return fromRow(row);
  }

  async create(input: unknown): Promise<MaintenanceWindow> {
    const spec = parseInput(maintenanceSchema, input);
    if (await this.repo.getByName('maintenance', spec.name)) throw new AppError('conflict', `a maintenance window named "${spec.name}" already exists`);
    const id = await this.repo.insert('maintenance', spec.name, canonicalJson(spec), 'api', this.clock.now());
    return this.get(id);
  }

  async replace(id: number, input: unknown): Promise<MaintenanceWindow> {
    const current = await this.editable(id);
    const spec = parseInput(maintenanceSchema, input);
    const other = await this.repo.getByName('maintenance', spec.name);
    if (other && other.id !== current.id) throw new AppError('conflict', `a maintenance window named "${spec.name}" already exists`);
    await this.repo.update(id, spec.name, canonicalJson(spec), 'api', this.clock.now());
    return this.get(id);
  }

  async delete(id: number): Promise<void> {
    await this.editable(id);
    await this.repo.delete(id);
  }

  private async editable(id: number): Promise<MaintenanceWindow> {
    const window = await this.get(id);
    if (window.managedBy === 'config') {
      throw new AppError('conflict', `maintenance window "${window.spec.name}" is defined in the config file; change it there and run "upkeep apply"`, {
        details: [{ path: 'managedBy', message: 'config' }],
      });
    }
    return window;
  }
}
