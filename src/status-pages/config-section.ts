import type { Kysely } from 'kysely';
import type { Owned, PlanItem, SyncCompare } from '../config/apply.js';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/types.js';
import { statusPageSchema, statusPageSecretFields } from './status-page.schema.js';
import type { StatusPageCodec } from './status-pages.service.js';
import { StatusPagesRepository } from './status-pages.repository.js';
import { withStatusTables } from './tables.js';

export interface SectionSync {
  now: number;
  dryRun: boolean;
  items: PlanItem[];
  unmanaged: string[];
  compare: SyncCompare;
  /** The lines of an update, as for every other object. */
  describe: (
    schema: typeof statusPageSchema,
    before: unknown,
    after: unknown,
    beforeOwned: Owned,
    afterOwned: Owned,
    isSecret: (path: readonly string[]) => boolean,
  ) => string[];
  /** The `${VAR}` references written under a dotted prefix. */
  refsUnder: (prefix: string) => Record<string, string>;
}

/**
 * `statusPages:` of upkeep.yaml, synced by slug: created, updated (the password compared opened,
 * so re-applying the same file changes nothing), and deleted when the file that made them drops them.
 */
export async function syncStatusPages(trx: Kysely<Database>, config: Config, codec: StatusPageCodec, sync: SectionSync): Promise<void> {
  const repo = new StatusPagesRepository(withStatusTables(trx));
  const current = new Map((await repo.all()).map((r) => [r.slug, codec.fromRow(r)]));
  for (const [i, spec] of config.statusPages.entries()) {
    const write = codec.toWrite(spec, 'config', sync.refsUnder(`statusPages.${i}.`));
    const page = current.get(spec.slug);
    current.delete(spec.slug);
    if (!page) {
      sync.items.push({ action: 'create', kind: 'status-page', key: spec.slug, changes: [] });
      if (!sync.dryRun) await repo.insert(write, sync.now);
      continue;
    }
    const before = codec.toWrite(page.spec, page.managedBy, page.envRefs);
    const changed = sync.compare('status-page', spec.slug, before, write, page.spec, spec, () =>
      sync.describe(statusPageSchema, page.spec, spec, before, write, statusPageSecretFields),
    );
    if (changed && !sync.dryRun) await repo.update(page.id, write, sync.now);
  }
  for (const page of current.values()) {
    if (page.managedBy !== 'config') {
      sync.unmanaged.push(`status-page "${page.spec.slug}"`);
      continue;
    }
    sync.items.push({ action: 'delete', kind: 'status-page', key: page.spec.slug, changes: [] });
    if (!sync.dryRun) await repo.delete(page.id);
  }
}

/** The pages for `upkeep export`, each through the same `prepare` as channels (defaults dropped, secrets as variables). */
export async function exportStatusPages(
  db: Kysely<Database>,
  codec: StatusPageCodec,
  prepare: (
    schema: typeof statusPageSchema,
    spec: object,
    envRefs: Record<string, string>,
    isSecret: (path: readonly string[]) => boolean,
    owner: string[],
  ) => Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  const rows = await new StatusPagesRepository(withStatusTables(db)).all();
  return rows.map((row) => {
    const page = codec.fromRow(row);
    return prepare(statusPageSchema, page.spec, page.envRefs, statusPageSecretFields, ['status page', page.spec.slug]);
  });
}
