import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { withoutDefaults } from '../config/export.js';
import type { Config } from '../config/schema.js';
import type { ConfigSection, SectionStore } from '../config/section.js';
import { AppError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { checkRoutineReferences, routineConfigSchema, routineSchema } from './routine.schema.js';
import { RoutinesRepository } from './routines.repository.js';
import { encodeRoutine, RoutinesService } from './routines.service.js';
import { withRoutineTables } from './tables.js';

/** Recurring checklists per site (issue 17). */
export const routinesSection = {
  shape: { routines: z.array(routineConfigSchema).default([]) },
  check: checkRoutineReferences,
} satisfies ConfigSection<Parameters<typeof checkRoutineReferences>[0]>;

/**
 * `routines:` of upkeep.yaml, synced by site and name after the sites: created, replaced when they
 * differ, and deleted when the file that made them drops them. Those made in the API are kept.
 */
export function routinesStore(clock: Clock): SectionStore<Config> {
  return {
    apply: (config, sync) => syncRoutines(config, clock, sync),
    async export({ db }) {
      const names = await new SitesRepository(db).siteNames();
      // Stored as written (encoded): only the defaults are dropped.
      const routines = (await new RoutinesRepository(withRoutineTables(db)).all()).map((r) => ({
        site: names.get(r.site_id)!,
        ...withoutDefaults(routineSchema, JSON.parse(r.spec) as Record<string, unknown>),
      }));
      return routines.length ? { routines } : {};
    },
  };
}

async function syncRoutines(config: Config, clock: Clock, sync: Parameters<NonNullable<SectionStore<Config>['apply']>>[1]): Promise<void> {
  const trx = sync.trx;
  const service = new RoutinesService(trx, clock, config.server.publicUrl);
  const repo = new RoutinesRepository(withRoutineTables(trx));
  const sites = new SitesRepository(trx);
  const siteNames = await sites.siteNames();
  const current = new Map((await repo.all()).map((r) => [`${siteNames.get(r.site_id)}/${r.name}`, r]));
  for (const [i, { site, ...spec }] of config.routines.entries()) {
    const key = `${site}/${spec.name}`;
    const row = current.get(key);
    current.delete(key);
    if (!row) {
      sync.items.push({ action: 'create', kind: 'routine', key, changes: [] });
      if (sync.dryRun) continue;
      const siteRow = await sites.getSiteByName(site);
      if (!siteRow) throw new AppError('invalid_config', `routines.${i}.site: no site named "${site}"`);
      await service.create(siteRow.id, encodeRoutine(spec), { managedBy: 'config', db: trx });
      continue;
    }
    if (row.managed_by === 'config' && isDeepStrictEqual(JSON.parse(row.spec), encodeRoutine(spec))) continue;
    sync.items.push({ action: 'update', kind: 'routine', key, changes: [] });
    if (!sync.dryRun) await service.replace(row.id, encodeRoutine(spec), { managedBy: 'config', db: trx });
  }
  for (const [key, row] of current) {
    if (row.managed_by !== 'config') {
      sync.unmanaged.push(`routine "${key}"`);
      continue;
    }
    sync.items.push({ action: 'delete', kind: 'routine', key, changes: [] });
    if (!sync.dryRun) await repo.delete(row.id);
  }
}
