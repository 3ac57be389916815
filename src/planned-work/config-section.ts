import { z } from 'zod';
import { syncKeyed, type ConfigSection, type SectionStore } from '../config/section.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { PlannedWorkRepository, type PlannedRow } from './planned-work.repository.js';
import { plannedInput } from './planned-work.service.js';
import { withPlannedWorkTables } from './tables.js';

/** A planned item as upkeep.yaml writes it: its maintenance window by name. */
export const plannedFileSchema = plannedInput
  .omit({ maintenanceId: true })
  .extend({ maintenance: z.string().min(1).optional().describe('the maintenance window (from maintenance:) the work is done in') });
export const plannedConfigSchema = plannedFileSchema.extend({ site: z.string().min(1).describe('the site (from sites:) the work is on') });
type FilePlanned = z.output<typeof plannedFileSchema>;

interface Referencing {
  sites: { name: string }[];
  maintenance: { name: string }[];
  plannedWork: z.output<typeof plannedConfigSchema>[];
}

/** `plannedWork:`: items of sites of the file, one title per site, in windows of the file. */
export const plannedWorkSection = {
  shape: { plannedWork: z.array(plannedConfigSchema).default([]) },
  check: (config, issue) => {
    const sites = new Set(config.sites.map((s) => s.name));
    const windows = new Set(config.maintenance.map((w) => w.name));
    const seen = new Set<string>();
    config.plannedWork.forEach((item, i) => {
      if (!sites.has(item.site)) issue(['plannedWork', i, 'site'], `no site is named "${item.site}"`);
      if (seen.has(`${item.site}/${item.title}`)) issue(['plannedWork', i, 'title'], `site "${item.site}" has planned work titled "${item.title}" already`);
      seen.add(`${item.site}/${item.title}`);
      if (item.maintenance && !windows.has(item.maintenance)) issue(['plannedWork', i, 'maintenance'], `no maintenance window is named "${item.maintenance}"`);
    });
  },
} satisfies ConfigSection<Referencing>;

const fileForm = (r: PlannedRow): FilePlanned => ({
  title: r.title,
  kind: r.kind as FilePlanned['kind'],
  targetDate: r.target_date,
  state: r.state as FilePlanned['state'],
  notes: r.notes,
  ...(r.maintenance_name !== null ? { maintenance: r.maintenance_name } : {}),
});

/**
 * `plannedWork:` in the database, by site and title (after sites and maintenance windows): what the
 * file no longer names is deleted if the file wrote it; items planned in the API are kept.
 */
export function plannedWorkStore(): SectionStore<Referencing> {
  const stored = async (db: Parameters<typeof withPlannedWorkTables>[0]) => {
    const names = await new SitesRepository(db).siteNames();
    return (await new PlannedWorkRepository(withPlannedWorkTables(db)).all()).map((row) => ({
      key: `${names.get(row.site_id)}/${row.title}`,
      id: row.id,
      site: names.get(row.site_id)!,
      spec: fileForm(row),
      envRefs: {},
      managedBy: row.managed_by,
    }));
  };
  return {
    async apply(config, sync) {
      const repo = new PlannedWorkRepository(withPlannedWorkTables(sync.trx));
      const sites = new SitesRepository(sync.trx);
      const current = await stored(sync.trx);
      const idOf = new Map(current.map((c) => [c.key, c.id]));
      await syncKeyed(sync, {
        kind: 'planned-work',
        schema: plannedFileSchema,
        wanted: config.plannedWork.map(({ site, ...spec }) => ({ key: `${site}/${spec.title}`, spec, envRefs: {} })),
        stored: current,
        async write({ key, spec }) {
          const { maintenance, targetDate, ...rest } = spec;
          const fields = {
            ...rest,
            target_date: targetDate,
            maintenance_id: maintenance === undefined ? null : ((await repo.windowId(maintenance)) ?? null),
            managed_by: 'config' as const,
            updated_at: sync.now,
          };
          const id = idOf.get(key);
          if (id !== undefined) return repo.update(id, fields);
          const site = config.plannedWork.find((p) => `${p.site}/${p.title}` === key)!.site;
          await repo.insert({ ...fields, site_id: (await sites.getSiteByName(site))!.id, created_at: sync.now });
        },
        remove: (key) => repo.delete(idOf.get(key)!),
      });
    },
    async export({ db, prepare }) {
      const plannedWork = (await stored(db)).map(({ site, spec }) => ({ site, ...prepare(plannedFileSchema, spec, {}, () => false, [site]) }));
      return plannedWork.length ? { plannedWork } : {};
    },
  };
}
