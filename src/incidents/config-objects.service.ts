import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { ConfigObjectKind, Database, ManagedBy } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { canonicalJson } from '../lib/json.js';
import { ConfigObjectsRepository, type ConfigObjectRow } from './config-objects.repository.js';

export interface ConfigObject<S> {
  id: number;
  spec: S;
  managedBy: ManagedBy;
}

/**
 * The API's use cases for one kind of small named config object (maintenance windows, message
 * templates): those made in the API are changed there, those of upkeep.yaml only in the file.
 */
export class ConfigObjectsService<S extends { name: string }> {
  private readonly repo: ConfigObjectsRepository;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly kind: ConfigObjectKind,
    private readonly schema: z.ZodType<S>,
    /** What people call it: "maintenance window". */
    private readonly what: string,
  ) {
    this.repo = new ConfigObjectsRepository(db);
  }

  private fromRow = (row: ConfigObjectRow): ConfigObject<S> => ({ id: row.id, spec: JSON.parse(row.spec) as S, managedBy: row.managed_by });

  async list(): Promise<ConfigObject<S>[]> {
    return (await this.repo.all(this.kind)).map(this.fromRow);
  }

  async get(id: number): Promise<ConfigObject<S>> {
    const row = await this.repo.get(this.kind, id);
    if (!row) throw new AppError('not_found', `${this.what} ${id} does not exist`);
    return this.fromRow(row);
  }

  /** What the schema cannot know: names of other objects the spec refers to. Throws invalid_input naming the field. */
  protected async checkReferences(_spec: S): Promise<void> {}

  async create(input: unknown): Promise<ConfigObject<S>> {
    const spec = parseInput(this.schema, input);
    await this.checkReferences(spec);
    if (await this.repo.getByName(this.kind, spec.name)) throw new AppError('conflict', `a ${this.what} named "${spec.name}" already exists`);
    const id = await this.repo.insert(this.kind, spec.name, canonicalJson(spec), 'api', this.clock.now());
    return this.get(id);
  }

  async replace(id: number, input: unknown): Promise<ConfigObject<S>> {
    const current = await this.editable(id);
    const spec = parseInput(this.schema, input);
    await this.checkReferences(spec);
    const other = await this.repo.getByName(this.kind, spec.name);
    if (other && other.id !== current.id) throw new AppError('conflict', `a ${this.what} named "${spec.name}" already exists`);
    await this.repo.update(id, spec.name, canonicalJson(spec), 'api', this.clock.now());
    return this.get(id);
  }

  async delete(id: number): Promise<void> {
    await this.editable(id);
    await this.repo.delete(id);
  }

  private async editable(id: number): Promise<ConfigObject<S>> {
    const object = await this.get(id);
    if (object.managedBy === 'config') {
      throw new AppError('conflict', `${this.what} "${object.spec.name}" is defined in the config file; change it there and run "upkeep apply"`, {
        details: [{ path: 'managedBy', message: 'config' }],
      });
    }
    return object;
  }
}
