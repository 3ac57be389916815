import { z } from 'zod';
import { knownRefs, uniqueNames, upsertFromFile, type ConfigSection, type SectionStore } from '../config/section.js';
import { monitorKinds, monitorSchema } from '../monitoring/monitor.schema.js';
import { siteSchema, siteWithMonitorsSchema } from './site.schema.js';
import { SitesRepository } from './sites.repository.js';
import { monitorObjects, siteObjects, type SiteCodec } from './sites.service.js';

interface Named {
  name: string;
}

/** The parts of the file sites refer to, as their check sees them. */
interface Referencing {
  channels: Named[];
  escalation: Named[];
  sites: (Named & {
    notify?: string[] | undefined;
    escalation?: string | undefined;
    monitors: (Named & { notify?: string[] | undefined; dependsOn?: string[] | undefined })[];
  })[];
}

/** `sites:` with their monitors: names unique, and the channels, policies and monitors they name exist. */
export const sitesSection = {
  shape: { sites: z.array(siteWithMonitorsSchema).default([]) },
  check: (config, issue) => {
    const channels = new Set(config.channels.map((c) => c.name));
    const policies = new Set(config.escalation.map((p) => p.name));
    uniqueNames(config.sites, ['sites'], 'site', issue);
    config.sites.forEach((site, i) => {
      knownRefs(site.notify, ['sites', i, 'notify'], (n) => channels.has(n), 'channel', issue);
      if (site.escalation && !policies.has(site.escalation)) issue(['sites', i, 'escalation'], `no escalation policy is named "${site.escalation}"`);
      const names = uniqueNames(site.monitors, ['sites', i, 'monitors'], `monitor of site "${site.name}"`, issue);
      site.monitors.forEach((monitor, j) => {
        knownRefs(monitor.notify, ['sites', i, 'monitors', j, 'notify'], (n) => channels.has(n), 'channel', issue);
        knownRefs(
          monitor.dependsOn,
          ['sites', i, 'monitors', j, 'dependsOn'],
          (n) => names.has(n) && n !== monitor.name,
          `other monitor of site "${site.name}"`,
          issue,
        );
      });
    });
  },
} satisfies ConfigSection<Referencing>;

/**
 * Sites and monitors in the database, synced by name ("site/monitor"): what the file no longer
 * names is deleted if the file made it, kept (and listed) if it was made in the API.
 */
export function sitesStore(codec: SiteCodec): SectionStore<{ sites: z.output<typeof siteWithMonitorsSchema>[] }> {
  return {
    async apply(config, sync) {
      const repo = new SitesRepository(sync.trx);
      const siteRows = await repo.allSites();
      const monitorRows = await repo.allMonitors();
      const wantedSites = new Set(config.sites.map((s) => s.name));
      const wantedMonitors = new Set(config.sites.flatMap((s) => s.monitors.map((m) => `${s.name}/${m.name}`)));

      for (const row of monitorRows) {
        const key = `${row.site_name}/${row.name}`;
        if (wantedMonitors.has(key)) continue;
        if (row.managed_by === 'config') {
          sync.items.push({ action: 'delete', kind: 'monitor', key, changes: [] });
          if (!sync.dryRun) await repo.deleteMonitor(row.id);
        } else sync.unmanaged.push(`monitor "${key}"`);
      }
      for (const row of siteRows) {
        if (wantedSites.has(row.name)) continue;
        if (row.managed_by === 'config') {
          sync.items.push({ action: 'delete', kind: 'site', key: row.name, changes: [] });
          if (!sync.dryRun) await repo.deleteSite(row.id);
        } else sync.unmanaged.push(`site "${row.name}"`);
      }

      const sitesByName = new Map(siteRows.map((r) => [r.name, codec.siteFromRow(r)]));
      const monitorsByKey = new Map(monitorRows.map((r) => [`${r.site_name}/${r.name}`, r]));
      for (const [i, siteWithMonitors] of config.sites.entries()) {
        const { monitors, ...siteSpec } = siteWithMonitors;
        const current = sitesByName.get(siteSpec.name);
        let siteId = current?.id ?? -1;
        await upsertFromFile(sync, {
          kind: 'site',
          key: siteSpec.name,
          spec: siteSpec,
          write: codec.siteToWrite(siteSpec, 'config', sync.refsUnder(`sites.${i}.`, `sites.${i}.monitors.`)),
          current: current && { id: current.id, spec: current.spec, write: codec.siteToWrite(current.spec, current.managedBy, current.envRefs) },
          schema: siteSchema,
          isSecret: siteObjects.secretsOf(siteSpec).isSecret,
          insert: async (write) => (siteId = await repo.insertSite(write, sync.now)),
          update: (id, write) => repo.updateSite(id, write, sync.now),
        });
        for (const [j, spec] of monitors.entries()) {
          const row = monitorsByKey.get(`${siteSpec.name}/${spec.name}`);
          const stored = row && codec.monitorFromRow(row);
          await upsertFromFile(sync, {
            kind: 'monitor',
            key: `${siteSpec.name}/${spec.name}`,
            spec,
            write: codec.monitorToWrite(siteId, spec, 'config', sync.refsUnder(`sites.${i}.monitors.${j}.`)),
            current: row &&
              stored && { id: row.id, spec: stored.spec, write: codec.monitorToWrite(row.site_id, stored.spec, stored.managedBy, stored.envRefs) },
            schema: monitorSchema,
            isSecret: monitorObjects.secretsOf(spec).isSecret,
            insert: (write) => repo.insertMonitor(write, sync.now),
            update: (id, write) => repo.updateMonitor(id, { ...write, siteId: row!.site_id }, sync.now),
          });
        }
      }
    },
    async export({ db, prepare, isDerived }) {
      const repo = new SitesRepository(db);
      // Monitors another section made from its own objects (backup jobs' heartbeats) are written by that section.
      const monitorRows = (await repo.allMonitors()).filter((m) => !(m.managed_by === 'config' && isDerived(`${m.site_name}/${m.name}`)));
      const sites = (await repo.allSites()).map((row) => {
        const site = codec.siteFromRow(row);
        const monitors = monitorRows
          .filter((m) => m.site_id === row.id)
          .map((m) => {
            const monitor = codec.monitorFromRow(m);
            return prepare(monitorKinds.get(monitor.spec.type).configSchema, monitor.spec, monitor.envRefs, monitorObjects.secretsOf(monitor.spec).isSecret, [
              site.spec.name,
              monitor.spec.name,
            ]);
          });
        const written = prepare(siteSchema, site.spec, site.envRefs, siteObjects.secretsOf(site.spec).isSecret, [site.spec.name]);
        return monitors.length ? { ...written, monitors } : written;
      });
      return sites.length ? { sites } : {};
    },
  };
}
