import { z } from 'zod';
import { AppError } from './errors.js';
import type { SecretFields } from './secrets.js';

/**
 * One plugin of a family (a check type, a channel, a backup source…): its name, its config as a zod
 * schema, which of its fields are secrets, and what it does. Everything else about a family (the zod
 * union, the JSON Schema of upkeep.yaml, the OpenAPI document, `GET /api/v1/kinds`, the dashboard's
 * lists) is derived from its registry of these.
 *
 * @example { kind: 'gotify', label: 'Gotify', configSchema: gotifySchema, secretFields: secretFields(['token'], ['server']), behaviour: gotifyChannel }
 */
export interface Kind<K extends string = string, S extends z.ZodType = z.ZodType, B = unknown> {
  kind: K;
  /** For people: the dashboard's lists of kinds. */
  label: string;
  configSchema: S;
  secretFields: SecretFields;
  behaviour: B;
}

/** A kind whose schema is an object with `D` (its discriminator, like `type`) set to its name. */
export type KindOf<D extends string, K extends string> = Kind<K, z.ZodType<{ [P in D]: K }> & z.core.$ZodTypeDiscriminable>;

type SchemaOf<M> = M[keyof M] extends Kind<string, infer S> ? S : never;

/** A kind as `GET /api/v1/kinds` answers it. */
export interface KindInfo {
  kind: string;
  label: string;
  /** The JSON Schema of its config, as written in upkeep.yaml and API bodies. */
  schema: Record<string, unknown>;
  secretFields: readonly { path: string; note?: string }[];
}

/**
 * The one registry of a plugin family. Built from the family's own kinds (a map checked by the
 * compiler: each entry's key is its kind and its schema's discriminator), and open to kinds
 * registered before the family is first read (an extension, or a test's demo kind); the union,
 * being lazy, then includes them wherever it is used.
 */
export class KindRegistry<const D extends string, M extends { [K in keyof M & string]: KindOf<D, K> }> {
  private readonly kinds = new Map<string, Kind>();
  private read = false;
  /** The discriminated union of every kind's schema, in registration order. */
  readonly schema: z.ZodLazy<z.ZodDiscriminatedUnion<SchemaOf<M>[], D>>;
  /** One of the kinds' names (a filter, a field of an answer). */
  readonly nameSchema: z.ZodType<keyof M & string>;

  constructor(
    readonly family: string,
    readonly discriminator: D,
    builtins: M,
  ) {
    for (const kind of Object.values<Kind>(builtins)) this.kinds.set(kind.kind, kind);
    this.nameSchema = z.lazy(() => z.enum(this.names() as [keyof M & string]));
    this.schema = z.lazy(() => {
      const options = this.list().map((kind) => kind.configSchema as z.core.$ZodTypeDiscriminable);
      // The options are the builtins' schemas and any registered since: typed as the builtins'.
      return z.discriminatedUnion(this.discriminator, options as [z.core.$ZodTypeDiscriminable]) as unknown as z.ZodDiscriminatedUnion<SchemaOf<M>[], D>;
    });
  }

  /** Adds a kind; only before the family is read (its union, JSON Schema or list), which then stays as it is. */
  register<K extends string>(kind: KindOf<D, K>): void {
    if (this.read)
      throw new AppError(
        'internal',
        `the ${this.family} kind "${kind.kind}" came after the ${this.family} kinds were read: register it before the server starts`,
      );
    if (this.kinds.has(kind.kind)) throw new AppError('internal', `there is already a ${this.family} kind "${kind.kind}"`);
    this.kinds.set(kind.kind, kind);
  }

  /** Every kind, in registration order. */
  list(): Kind[] {
    this.read = true;
    return [...this.kinds.values()];
  }

  /** Every kind's secret fields, by kind. */
  secrets(): Record<string, SecretFields> {
    return Object.fromEntries(this.list().map((kind) => [kind.kind, kind.secretFields]));
  }

  /** Every kind's name, for filters (`?type=`). */
  names(): string[] {
    return this.list().map((kind) => kind.kind);
  }

  has(kind: string): boolean {
    return this.kinds.has(kind);
  }

  /** A kind by name; a name the registry does not know is an error naming the known ones. */
  get<K extends keyof M & string>(kind: K): M[K];
  get(kind: string): Kind;
  get(kind: string): Kind {
    const found = this.kinds.get(kind);
    if (!found) throw new AppError('invalid_input', `unknown ${this.family} ${this.discriminator} "${kind}": expected one of ${this.names().join(', ')}`);
    return found;
  }

  /** The kinds as the API describes them. */
  describe(toJsonSchema: (schema: z.ZodType) => Record<string, unknown>): KindInfo[] {
    return this.list().map((kind) => ({ kind: kind.kind, label: kind.label, schema: toJsonSchema(kind.configSchema), secretFields: kind.secretFields.paths }));
  }
}
