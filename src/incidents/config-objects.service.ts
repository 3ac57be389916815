import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { ConfigObjectKind, Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { objectKind, type Stored } from '../lib/stored-object.js';
import { ConfigObjectsRepository, type ConfigObjectRow } from './config-objects.repository.js';

export type ConfigObject<S> = Pick<Stored<S>, 'id' | 'spec' | 'managedBy'>;

/** A kind of config object as a stored object: the whole definition in the JSON (the name in its column too), no secrets. */
export function configObjectKind<S extends { name: string }>(schema: z.ZodType<S>, what: string) {
  return objectKind({
    name: what,
    schema,
    parse: (input) => parseInput(schema, input),
    label: (spec) => `${what} "${spec.name}"`,
    lifted: [],
    columns: (spec) => ({ name: spec.name }),
    fromColumns: (_row: ConfigObjectRow) => ({}),
    envRefs: false,
  });
}

/**
 * The API's use cases for one kind of small named config object (maintenance windows, message
 * templates): those made in the API are changed there, those of upkeep.yaml only in the file.
 */
export class ConfigObjectsService<S extends { name: string }> {
  private readonly repo: ConfigObjectsRepository;
  private readonly objects: ReturnType<typeof configObjectKind<S>>;
  private readonly codec: ReturnType<ReturnType<typeof configObjectKind<S>>['codec']>;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly kind: ConfigObjectKind,
    schema: z.ZodType<S>,
    /** What people call it: "maintenance window". */
    private readonly what: string,
  ) {
    this.repo = new ConfigObjectsRepository(db);
    this.objects = configObjectKind(schema, what);
    this.codec = this.objects.codec();
  }

  private fromRow = (row: ConfigObjectRow): ConfigObject<S> => {
    const { id, spec, managedBy } = this.codec.fromRow(row);
    return { id, spec, managedBy };
  };

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
    const spec = this.objects.declaration.parse(input);
    await this.checkReferences(spec);
    if (await this.repo.getByName(this.kind, spec.name)) throw new AppError('conflict', `a ${this.what} named "${spec.name}" already exists`);
    const id = await this.repo.insert(this.kind, spec.name, this.codec.toWrite(spec, 'api', {}).spec, 'api', this.clock.now());
    return this.get(id);
  }

  async replace(id: number, input: unknown): Promise<ConfigObject<S>> {
    const { spec } = this.objects.mergeWrite(await this.get(id), input, 'replace');
    await this.checkReferences(spec);
    const other = await this.repo.getByName(this.kind, spec.name);
    if (other && other.id !== id) throw new AppError('conflict', `a ${this.what} named "${spec.name}" already exists`);
    await this.repo.update(id, spec.name, this.codec.toWrite(spec, 'api', {}).spec, 'api', this.clock.now());
    return this.get(id);
  }

  async delete(id: number): Promise<void> {
    this.objects.assertOwner(await this.get(id), 'api');
    await this.repo.delete(id);
  }
}
