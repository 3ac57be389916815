import { z } from 'zod';
import type { ConfigSection, SectionStore } from '../config/section.js';
import { LOCAL, locationName } from '../monitoring/locations.js';
import type { SiteCodec } from '../sites/sites.service.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { ProbesRepository } from './probes.repository.js';

interface Located {
  locations: string[];
  sites: { monitors: { locations?: string[] | undefined }[] }[];
}

/**
 * `locations:` the places probes check from (a probe is made for one of them). Monitors name them in
 * their own `locations:`; "local" (this server) needs no declaring.
 */
export const locationsSection = {
  shape: {
    locations: z
      .array(locationName.refine((l) => l !== LOCAL, '"local" is this server and is always there; do not declare it'))
      .default([])
      .describe('the locations probes check from, like [eu-north, us-east]; monitors choose among them and "local"'),
  },
  check: (config, issue) => {
    const declared = new Set([LOCAL, ...config.locations]);
    const seen = new Set<string>();
    config.locations.forEach((l, i) => {
      if (seen.has(l)) issue(['locations', i], `location "${l}" is declared twice`);
      seen.add(l);
    });
    const known = config.locations.length ? `declared: ${config.locations.join(', ')}` : 'none is declared';
    config.sites.forEach((site, i) =>
      site.monitors.forEach((monitor, j) =>
        monitor.locations?.forEach((l, k) => {
          if (!declared.has(l))
            issue(['sites', i, 'monitors', j, 'locations', k], `unknown location "${l}": declare it under locations: (${known}), or use "local"`);
        }),
      ),
    );
  },
} satisfies ConfigSection<Located>;

/**
 * `locations:` lives in the file only; `upkeep export` writes the ones the stored monitors and the
 * probes use, so an exported file whose monitors name probe locations loads again.
 */
export function locationsStore<C>(codec: SiteCodec): SectionStore<C> {
  return {
    async export({ db }) {
      const used = new Set<string>();
      for (const row of await new SitesRepository(db).allMonitors()) {
        const spec = codec.monitorFromRow(row).spec;
        if ('locations' in spec) for (const l of spec.locations ?? []) used.add(l);
      }
      for (const probe of await new ProbesRepository(db).list()) if (probe.revoked_at === null) used.add(probe.location);
      used.delete(LOCAL);
      return used.size ? { locations: [...used].sort() } : {};
    },
  };
}
