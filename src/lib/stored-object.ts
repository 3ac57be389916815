import { z } from 'zod';
import type { ManagedBy } from '../db/types.js';
import { toIso } from './clock.js';
import { AppError } from './errors.js';
import { canonicalJson, mergePatch, valueAt } from './json.js';
import { keepRedactedSecrets, mergeSecrets, noSecrets, redactSecrets, splitSecrets, type SecretBox, type SecretFields } from './secrets.js';

/** The columns every table of stored objects (sites, monitors, channels, status pages, …) has. */
export interface StoredRow {
  id: number;
  /** The definition as canonical JSON, without the fields kept in columns of their own and without secrets. */
  spec: string;
  /** The secret fields, sealed with the instance key; tables of kinds without secrets have no such column. */
  secrets?: string | null;
  /** Tables of kinds upkeep.yaml writes without references (`envRefs: false`) may have no such column. */
  env_refs?: string | null;
  managed_by: ManagedBy;
  created_at: number;
  updated_at: number;
}

/** A stored object as the use cases see it. */
export interface Stored<S> {
  id: number;
  /** The whole definition, secrets included: for the server's own use, never for answers (see `redact`). */
  spec: S;
  managedBy: ManagedBy;
  /** `${VAR}` templates the definition was written with in upkeep.yaml, by dotted path. */
  envRefs: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** What a repository writes for an object: the kind's own columns, then the definition, sealed secrets, references and owner. */
export type StoredWrite<C> = C & { spec: string; secrets: string | null; envRefs: string | null; managedBy: ManagedBy };

/**
 * A kind of stored object, declared once: its schema, the fields kept in columns of their own (for
 * lists and filters), its secret fields and whether upkeep.yaml may write it with `${VAR}` references.
 *
 * @example
 * const channels = objectKind({ name: 'channel', schema: channelSchema, parse, label: (c) => `channel "${c.name}"`,
 *   lifted: ['name', 'type'], columns: (c) => ({ name: c.name, type: c.type }), fromColumns: (r) => ({ name: r.name, type: r.type }),
 *   secrets: (c) => channelKinds.get(c.type).secretFields, envRefs: true });
 */
export interface ObjectKindDeclaration<S extends object, R extends StoredRow, C extends object> {
  /** The kind as plans and messages name it: "channel". */
  name: string;
  /** Encodes definitions to their written form (durations as "60s") for answers. */
  schema: z.ZodType<S>;
  /** Validates a written definition (bad input: `invalid_input` naming the field). */
  parse: (input: unknown) => S;
  /** One object as people call it, in messages: `channel "Ops"`. */
  label: (spec: S) => string;
  /** Fields of the definition that live only in their columns, left out of the JSON. */
  lifted: readonly (keyof S & string)[];
  /** The columns written for a definition (the lifted fields and any derived for lists and filters). */
  columns: (spec: S) => C;
  /** The lifted fields read back from a row. */
  fromColumns: (row: R) => Partial<S>;
  /**
   * The secret fields of a definition (they may depend on its type); on an API write `written` is the
   * body as sent, for kinds whose secrets follow the type being written. Without it: no secrets.
   */
  secrets?: ((spec: S, written?: unknown) => SecretFields) | undefined;
  /** Whether upkeep.yaml may write the kind with `${VAR}` references (kept while their field is unchanged). */
  envRefs: boolean;
}

/**
 * The `${VAR}` references of one object of the file (`sites.0.monitors.1.`), by dotted path relative to
 * it, from those the loader recorded for the whole file; those under `exclude` belong to objects inside it.
 */
export function envRefsUnder(envRefs: ReadonlyMap<string, string>, prefix: string, exclude?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, template] of envRefs) {
    if (path.startsWith(prefix) && !(exclude && path.startsWith(exclude))) out[path.slice(prefix.length)] = template;
  }
  return out;
}

/** Keeps only the `${VAR}` references whose field still holds the same value. */
export function keepEnvRefs(envRefs: Record<string, string>, before: object, after: object): Record<string, string> {
  return Object.fromEntries(Object.entries(envRefs).filter(([path]) => valueAt(before, path) === valueAt(after, path)));
}

/** The one refusal of an API write to an object upkeep.yaml owns (409, `managedBy: config` in the details). */
export function managedByFile(what: string, section?: string): AppError {
  const where = section ? ` (${section})` : '';
  return new AppError(
    'conflict',
    `${what} is defined in the config file${where}; change it there and run "upkeep apply" (or remove it from the file to manage it here)`,
    { details: [{ path: 'managedBy', message: 'config' }] },
  );
}

/** Refuses a change by `writer` to an object another owns: the API may not change what upkeep.yaml defines. */
export function assertOwner(managedBy: ManagedBy, writer: ManagedBy, what: string, section?: string): void {
  if (managedBy === 'config' && writer === 'api') throw managedByFile(what, section);
}

const refsText = (envRefs: Record<string, string>) => (Object.keys(envRefs).length ? canonicalJson(envRefs) : null);

/** A declared kind: the rules every stored object follows, applied from its declaration. */
export class ObjectKind<S extends object, R extends StoredRow, C extends object> {
  constructor(readonly declaration: ObjectKindDeclaration<S, R, C>) {}

  /** The secret fields of a definition. */
  secretsOf(spec: S, written?: unknown): SecretFields {
    return this.declaration.secrets?.(spec, written) ?? noSecrets;
  }

  /** The written form of a definition for API answers (durations as "60s"), every secret shown as `********`. */
  redact(spec: S): Record<string, unknown> {
    // Encoded first: a redacted value (a Slack webhook URL) would no longer pass the schema.
    return redactSecrets(z.encode(this.declaration.schema, spec) as Record<string, unknown>, this.secretsOf(spec).isSecret);
  }

  /** An object as the API answers it: its id, its written definition with secrets as `********`, owner and times. */
  answer(object: Stored<S>): Record<string, unknown> {
    return { id: object.id, ...this.redact(object.spec), managedBy: object.managedBy, createdAt: toIso(object.createdAt), updatedAt: toIso(object.updatedAt) };
  }

  /**
   * The definition an API write leaves: a replacement (PUT) or a JSON merge patch (PATCH) over the
   * current one, where `********` keeps a stored secret unless the secret's destination changed
   * (refused, naming the field); validated. Refused (409) when upkeep.yaml owns the object.
   */
  mergeWrite(
    current: Pick<Stored<S>, 'spec' | 'managedBy'> & { envRefs?: Record<string, string> },
    input: unknown,
    mode: 'replace' | 'merge',
  ): { spec: S; envRefs: Record<string, string> } {
    this.assertOwner(current, 'api');
    const written = mode === 'merge' ? mergePatch(this.redact(current.spec), input) : input;
    const spec = keepRedactedSecrets(written, current.spec, this.secretsOf(current.spec, written), this.declaration.parse);
    return { spec, envRefs: this.declaration.envRefs ? keepEnvRefs(current.envRefs ?? {}, current.spec, spec) : {} };
  }

  /** Refuses a change by `writer` to an object upkeep.yaml owns (409 naming the object). */
  assertOwner(object: Pick<Stored<S>, 'managedBy' | 'spec'>, writer: ManagedBy): void {
    assertOwner(object.managedBy, writer, this.declaration.label(object.spec));
  }

  /** Rows and definitions converted with the instance key (secrets sealed at rest); a kind without secrets needs none. */
  codec(box?: SecretBox): StoredCodec<S, R, C> {
    return new StoredCodec(this, box);
  }
}

/** Turns stored rows into objects and back: canonical JSON, secrets split out and sealed, `${VAR}` references kept beside. */
export class StoredCodec<S extends object, R extends StoredRow, C extends object> {
  constructor(
    readonly kind: ObjectKind<S, R, C>,
    private readonly key?: SecretBox,
  ) {}

  private get box(): SecretBox {
    if (!this.key) throw new AppError('internal', `${this.kind.declaration.name} objects hold secrets, but their codec was made without the instance key`);
    return this.key;
  }

  fromRow(row: R): Stored<S> {
    const plain = JSON.parse(row.spec) as Record<string, unknown>;
    const whole = row.secrets ? mergeSecrets(plain, this.box.open<Record<string, string>>(row.secrets)) : plain;
    return {
      id: row.id,
      spec: { ...whole, ...this.kind.declaration.fromColumns(row) } as S,
      managedBy: row.managed_by,
      envRefs: row.env_refs ? (JSON.parse(row.env_refs) as Record<string, string>) : {},
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  toWrite(spec: S, managedBy: ManagedBy, envRefs: Record<string, string>): StoredWrite<C> {
    const { lifted, envRefs: refs } = this.kind.declaration;
    const rest = Object.fromEntries(Object.entries(spec).filter(([key]) => !(lifted as readonly string[]).includes(key)));
    const fields = this.kind.secretsOf(spec);
    // A kind without secret fields is written as it is (the walk would only copy it).
    const { plain, secrets } = fields.paths.length ? splitSecrets(rest, fields.isSecret) : { plain: rest, secrets: {} };
    return {
      ...this.kind.declaration.columns(spec),
      spec: canonicalJson(plain),
      secrets: Object.keys(secrets).length ? this.box.seal(secrets) : null,
      envRefs: refs ? refsText(envRefs) : null,
      managedBy,
    };
  }
}

/** Declares a kind of stored object (see `ObjectKindDeclaration`). */
export function objectKind<S extends object, R extends StoredRow, C extends object>(declaration: ObjectKindDeclaration<S, R, C>): ObjectKind<S, R, C> {
  return new ObjectKind(declaration);
}
