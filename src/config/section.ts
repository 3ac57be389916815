import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database, ManagedBy } from '../db/types.js';
import type { Stored, StoredCodec, StoredRow, StoredWrite } from '../lib/stored-object.js';
import type { Config } from './schema.js';

export type PlanAction = 'create' | 'update' | 'delete';

export interface PlanItem {
  action: PlanAction;
  /** The kind of object, as its section names it: "site", "channel", "status-page", … */
  kind: string;
  /** The stable key: site name, "site/monitor", or channel name. */
  key: string;
  /** For updates, one line per changed field: `interval: 60s → 30s`. */
  changes: string[];
}

/** What decides ownership besides the definition. */
export interface Owned {
  managedBy: ManagedBy;
  envRefs: string | null;
}

/** Records an update, or an adoption when only the owner changes; says whether anything is to be written. */
export type SyncCompare = (kind: string, key: string, before: Owned, after: Owned, beforeSpec: unknown, afterSpec: unknown, changes: () => string[]) => boolean;

/** Adds one problem of the whole file, at a path from its top. */
export type Issue = (path: (string | number)[], message: string) => void;

/** What a section's apply step gets: the transaction and where to write down what it does. */
export interface SectionSync {
  trx: Kysely<Database>;
  now: number;
  dryRun: boolean;
  items: PlanItem[];
  unmanaged: string[];
  compare: SyncCompare;
  /** The lines of an update, as for every other object. */
  describe: (
    schema: z.ZodType,
    before: unknown,
    after: unknown,
    beforeOwned: Owned,
    afterOwned: Owned,
    isSecret: (path: readonly string[]) => boolean,
  ) => string[];
  /** The `${VAR}` references written under a dotted prefix (leaving out those under `exclude`). */
  refsUnder: (prefix: string, exclude?: string) => Record<string, string>;
}

/** What a section's export step gets: the database and how objects are written out. */
export interface SectionExport {
  db: Kysely<Database>;
  /** An object as the file shows it: encoded, defaults dropped, `${VAR}` references back, secrets as variables. */
  prepare: (
    schema: z.ZodType,
    spec: object,
    envRefs: Record<string, string>,
    isSecret: (path: readonly string[]) => boolean,
    owner: string[],
  ) => Record<string, unknown>;
  /** Whether an object ("site/monitor") is one a section derives: that section writes what made it instead. */
  isDerived: (key: string) => boolean;
}

/**
 * A part of upkeep.yaml, contributed by the feature that owns it: its top-level keys with their
 * schemas, and the checks across objects that single fields cannot make (names unique, names
 * referring to objects that exist). `C` is the whole file as parsed (sections see each other).
 *
 * @example export const channelsSection = { shape: { channels: z.array(channelSchema).default([]) }, check: (c, issue) => … } satisfies ConfigSection<…>
 */
export interface ConfigSection<C> {
  shape: z.ZodRawShape;
  check?: (config: C, issue: Issue) => void;
}

/**
 * How a section's objects are kept in the database: `apply` makes the database match the file
 * (in `ConfigSync`'s transaction), `export` writes the stored objects back as the section's keys.
 * `expand` adds objects the section derives for others (backups add heartbeat monitors) before any apply;
 * `derived` names those stored now, so export leaves them out of the objects they were added to.
 */
export interface SectionStore<C> {
  expand?: (config: Config) => Config;
  derived?: (db: Kysely<Database>) => Promise<string[]>;
  apply?: (config: C, sync: SectionSync) => Promise<void>;
  export?: (out: SectionExport) => Promise<Record<string, unknown>>;
}

/**
 * Makes one stored object match the file: creates it, or updates it when its definition, `${VAR}`
 * references or owner changed (an adoption when only the owner did), recording either in the plan.
 */
export async function upsertFromFile<S, W extends Owned>(
  sync: SectionSync,
  o: {
    kind: string;
    key: string;
    spec: S;
    write: W;
    /** The stored object, as it would be written again. */
    current: { id: number; spec: S; write: W } | undefined;
    schema: z.ZodType;
    isSecret: (path: readonly string[]) => boolean;
    insert: (write: W) => Promise<unknown>;
    update: (id: number, write: W) => Promise<void>;
  },
): Promise<void> {
  if (!o.current) {
    sync.items.push({ action: 'create', kind: o.kind, key: o.key, changes: [] });
    if (!sync.dryRun) await o.insert(o.write);
    return;
  }
  const { id, spec: before, write: beforeWrite } = o.current;
  const changed = sync.compare(o.kind, o.key, beforeWrite, o.write, before, o.spec, () =>
    sync.describe(o.schema, before, o.spec, beforeWrite, o.write, o.isSecret),
  );
  if (changed && !sync.dryRun) await o.update(id, o.write);
}

/**
 * `upsertFromFile` for an object of a declared stored kind: its written form (with the `${VAR}`
 * references under `path`), the stored one's, the schema and the secret fields come from the kind's codec.
 */
export function upsertStoredFromFile<S extends object, R extends StoredRow, C extends object>(
  sync: SectionSync,
  codec: StoredCodec<S, R, C>,
  o: {
    key: string;
    spec: S;
    /** Where the object stands in the file (`channels.2.`). */
    path: string;
    current: Stored<S> | undefined;
    insert: (write: StoredWrite<C>) => Promise<unknown>;
    update: (id: number, write: StoredWrite<C>) => Promise<void>;
  },
): Promise<void> {
  const { kind } = codec;
  return upsertFromFile(sync, {
    kind: kind.declaration.name,
    key: o.key,
    spec: o.spec,
    write: codec.toWrite(o.spec, 'config', sync.refsUnder(o.path)),
    current: o.current && { id: o.current.id, spec: o.current.spec, write: codec.toWrite(o.current.spec, o.current.managedBy, o.current.envRefs) },
    schema: kind.declaration.schema,
    isSecret: kind.secretsOf(o.spec).isSecret,
    insert: o.insert,
    update: o.update,
  });
}

/** Names in a list must be unique: reports each repeat, returns the names. */
export function uniqueNames(list: readonly { name: string }[], path: (string | number)[], what: string, issue: Issue): Set<string> {
  const names = new Set<string>();
  list.forEach((item, i) => {
    if (names.has(item.name)) issue([...path, i, 'name'], `another ${what} is already named "${item.name}"`);
    names.add(item.name);
  });
  return names;
}

/** Reports each name of a list that is not known. */
export function knownRefs(list: readonly string[] | undefined, path: (string | number)[], known: (name: string) => boolean, what: string, issue: Issue): void {
  list?.forEach((ref, k) => {
    if (!known(ref)) issue([...path, k], `no ${what} is named "${ref}"`);
  });
}

/** An object of a section keyed by its place ("Shop", "Shop/Move to PHP 8.4"): as the file writes it, or as it is stored. */
export interface KeyedObject<S> {
  key: string;
  spec: S;
  /** The `${VAR}` templates its fields were written with, by path. */
  envRefs: Record<string, string>;
}

/**
 * Makes a section's stored objects match the file, by key: creates what is new, updates what changed
 * (or adopts an object made in the API that the file now names), deletes what the file made and no
 * longer names, and keeps (and lists) what the API made. `write` stores an object for the file
 * (`managedBy: config`), `remove` deletes one; neither is called on a dry run.
 */
export async function syncKeyed<S>(
  sync: SectionSync,
  o: {
    kind: string;
    schema: z.ZodType;
    isSecret?: (path: readonly string[]) => boolean;
    wanted: readonly KeyedObject<S>[];
    stored: readonly (KeyedObject<S> & { managedBy: ManagedBy })[];
    write: (wanted: KeyedObject<S>) => Promise<void>;
    remove: (key: string) => Promise<void>;
  },
): Promise<void> {
  const isSecret = o.isSecret ?? (() => false);
  const refs = (envRefs: Record<string, string>) => (Object.keys(envRefs).length ? JSON.stringify(envRefs, Object.keys(envRefs).sort()) : null);
  const stored = new Map(o.stored.map((s) => [s.key, s]));
  for (const wanted of o.wanted) {
    const current = stored.get(wanted.key);
    stored.delete(wanted.key);
    if (!current) {
      sync.items.push({ action: 'create', kind: o.kind, key: wanted.key, changes: [] });
      if (!sync.dryRun) await o.write(wanted);
      continue;
    }
    const before = { managedBy: current.managedBy, envRefs: refs(current.envRefs) };
    const after = { managedBy: 'config' as const, envRefs: refs(wanted.envRefs) };
    const changed = sync.compare(o.kind, wanted.key, before, after, current.spec, wanted.spec, () =>
      sync.describe(o.schema, current.spec, wanted.spec, before, after, isSecret),
    );
    if (changed && !sync.dryRun) await o.write(wanted);
  }
  for (const [key, current] of stored) {
    if (current.managedBy !== 'config') {
      sync.unmanaged.push(`${o.kind} "${key}"`);
      continue;
    }
    sync.items.push({ action: 'delete', kind: o.kind, key, changes: [] });
    if (!sync.dryRun) await o.remove(key);
  }
}

/** Reports entries of a per-site section (`registers:`, …) that name a site the file does not have, or a site named twice. */
export function checkSiteDocuments(list: readonly { site: string }[], section: string, sites: ReadonlySet<string>, issue: Issue): void {
  const seen = new Set<string>();
  list.forEach((doc, i) => {
    if (!sites.has(doc.site)) issue([section, i, 'site'], `no site is named "${doc.site}"`);
    else if (seen.has(doc.site)) issue([section, i, 'site'], `site "${doc.site}" has another entry in ${section} already`);
    seen.add(doc.site);
  });
}
