import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database, ManagedBy } from '../db/types.js';
import { SitesRepository } from './sites.repository.js';
import { syncKeyed, type SectionStore, type SectionSync } from '../config/section.js';

/** A site's document as stored. */
export interface StoredSiteDocument<S> {
  siteId: number;
  spec: S;
  envRefs: Record<string, string>;
  managedBy: ManagedBy;
}

/** Site name → id, in the apply's transaction (the sites are applied first). */
export type SiteIdOf = (name: string) => Promise<number>;

/**
 * The store of a section with one document per site of the file (`registers:`, `privacyRecords:`,
 * `feedbackWidgets:`), keyed by the site's name: synced with `syncKeyed` after the sites, exported
 * as `{ site, ...document }` under the section's key.
 */
export function siteDocumentsStore<C, S extends object>(o: {
  section: string;
  kind: string;
  schema: z.ZodType;
  isSecret?: (path: readonly string[]) => boolean;
  /** Every stored document (`names`: every site's name by id, for documents that name other sites). */
  stored: (db: Kysely<Database>, names: ReadonlyMap<number, string>) => Promise<StoredSiteDocument<S>[]>;
  /** The file's documents, each with its site's name and the `${VAR}` templates it was written with. */
  wanted: (config: C, sync: SectionSync) => { site: string; spec: S; envRefs: Record<string, string> }[];
  write: (sync: SectionSync, siteId: number, spec: S, envRefs: Record<string, string>, idOf: SiteIdOf) => Promise<void>;
  remove: (sync: SectionSync, siteId: number) => Promise<void>;
}): SectionStore<C> {
  const isSecret = o.isSecret ?? (() => false);
  const stored = async (db: Kysely<Database>) => {
    const names = await new SitesRepository(db).siteNames();
    return (await o.stored(db, names)).map(({ siteId, ...doc }) => ({ key: names.get(siteId)!, ...doc }));
  };
  return {
    async apply(config, sync) {
      const sites = new SitesRepository(sync.trx);
      const idOf = async (name: string) => (await sites.getSiteByName(name))!.id;
      await syncKeyed(sync, {
        kind: o.kind,
        schema: o.schema,
        isSecret,
        wanted: o.wanted(config, sync).map(({ site, ...doc }) => ({ key: site, ...doc })),
        stored: await stored(sync.trx),
        write: async ({ key, spec, envRefs }) => o.write(sync, await idOf(key), spec, envRefs, idOf),
        remove: async (key) => o.remove(sync, await idOf(key)),
      });
    },
    async export({ db, prepare }) {
      const documents = (await stored(db)).map(({ key, spec, envRefs }) => ({ site: key, ...prepare(o.schema, spec, envRefs, isSecret, [key, o.kind]) }));
      return documents.length ? { [o.section]: documents } : {};
    },
  };
}
