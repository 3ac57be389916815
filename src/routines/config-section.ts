import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import type { PlanItem } from '../config/apply.js';
import type { Config } from '../config/schema.js';
import type { Database } from '../db/types.js';
import { AppError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { RoutinesRepository } from './routines.repository.js';
import { encodeRoutine, RoutinesService } from './routines.service.js';
import { withRoutineTables } from './tables.js';

/**
 * `routines:` of upkeep.yaml, synced by site and name after the sites: created, replaced when they
 * differ, and deleted when the file that made them drops them. Those made in the API are kept.
 */
export async function syncRoutines(
  trx: Kysely<Database>,
  config: Config,
  sync: { clock: Clock; dryRun: boolean; items: PlanItem[]; unmanaged: string[] },
): Promise<void> {
  const service = new RoutinesService(trx, sync.clock, config.server.publicUrl);
  const repo = new RoutinesRepository(withRoutineTables(trx));
  const sites = new SitesRepository(trx);
  const siteNames = new Map((await sites.allSites()).map((s) => [s.id, s.name]));
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
      await service.create(siteRow.id, encodeRoutine(spec), 'config', trx);
      continue;
    }
    if (row.managed_by === 'config' && isDeepStrictEqual(JSON.parse(row.spec), encodeRoutine(spec))) continue;
    sync.items.push({ action: 'update', kind: 'routine', key, changes: [] });
    if (!sync.dryRun) await service.replace(row.id, encodeRoutine(spec), 'config', trx);
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

/** Every routine for `upkeep export`: its site's name and its spec as written. */
export async function exportRoutines(db: Kysely<Database>): Promise<{ site: string; spec: Record<string, unknown> }[]> {
  const names = new Map((await new SitesRepository(db).allSites()).map((s) => [s.id, s.name]));
  return (await new RoutinesRepository(withRoutineTables(db)).all()).map((r) => ({
    site: names.get(r.site_id)!,
    spec: JSON.parse(r.spec) as Record<string, unknown>,
  }));
}
