import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SectionStore } from '../config/section.js';
import type { Config } from '../config/schema.js';
import { describeChanges } from '../config/apply.js';
import type { Database } from '../db/types.js';
import { canonicalJson } from '../lib/json.js';
import type { SecretBox } from '../lib/secrets.js';
import { updatesConfigSchema } from './policy.js';
import { UpdateSettingsRepository } from './settings.repository.js';

/** What this store keeps of `updates:`: where each site is updated and the knowledge settings (the policies are config objects). */
const storedSchema = updatesConfigSchema.unwrap().pick({ sites: true, knowledge: true });

/** Fields that are secrets: a site's SSH password, a source's token (written as variables by `export`). */
const isUpdatesSecret = (path: readonly string[]): boolean => ['password', 'token'].includes(path.at(-1) ?? '');

/**
 * `updates.sites` and `updates.knowledge` as last applied, kept sealed in the database so that
 * `upkeep export` writes them back with the `${VAR}` references they came with (the server reads
 * them from upkeep.yaml, as it reads the rest of `updates:`).
 */
export function updatesStore(box: SecretBox): SectionStore<Config> {
  const load = async (db: Kysely<Database>) => {
    const row = await new UpdateSettingsRepository(db).get();
    // Parsed again from the written form, so settings stored by an older release get today's defaults.
    return row && { config: storedSchema.parse(box.open<unknown>(row.sealed)), envRefs: JSON.parse(row.env_refs) as Record<string, string> };
  };
  return {
    async apply(config, sync) {
      const repo = new UpdateSettingsRepository(sync.trx);
      const current = await load(sync.trx);
      const wanted = { sites: config.updates.sites, knowledge: config.updates.knowledge };
      const envRefs = sync.refsUnder('updates.', 'updates.policies.');
      // A file without sites and with the default knowledge settings has nothing of its own to keep.
      const empty = !wanted.sites.length && canonicalJson(wanted.knowledge) === canonicalJson(storedSchema.parse({}).knowledge) && !Object.keys(envRefs).length;
      if (empty) {
        if (!current) return;
        sync.items.push({ action: 'delete', kind: 'updates', key: 'updates', changes: [] });
        if (!sync.dryRun) await repo.delete();
        return;
      }
      if (current && canonicalJson({ c: current.config, r: current.envRefs }) === canonicalJson({ c: wanted, r: envRefs })) return;
      const written = (c: z.output<typeof storedSchema>) => z.encode(storedSchema, c);
      sync.items.push({
        action: current ? 'update' : 'create',
        kind: 'updates',
        key: 'updates',
        changes: current ? describeChanges(written(current.config), written(wanted), isUpdatesSecret) : [],
      });
      if (!sync.dryRun) await repo.save({ sealed: box.seal(written(wanted)), env_refs: JSON.stringify(envRefs), updated_at: sync.now });
    },
    async export({ db, prepare }) {
      const stored = await load(db);
      if (!stored) return {};
      const written = prepare(storedSchema, stored.config, stored.envRefs, isUpdatesSecret, ['updates']);
      return Object.keys(written).length ? { updates: written } : {};
    },
  };
}
