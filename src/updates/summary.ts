import type { Ecosystem, VulnerabilitySeverity } from './component.js';
import { schemeFor } from './versions/index.js';

/** How a site's software stands, from its newest inventories: the overview's Updates line. */
export interface UpdatesSummary {
  components: number;
  outdated: number;
  vulnerable: number;
  endOfLife: number;
  worst: VulnerabilitySeverity | null;
}

const RANK: (VulnerabilitySeverity | null)[] = [null, 'unknown', 'low', 'medium', 'high', 'critical'];

/** Counts per site from component rows (the same component seen inside and outside counts once). */
export function summarize(
  rows: readonly {
    site_id: number;
    ecosystem: string;
    name: string;
    version: string | null;
    latest: string | null;
    end_of_life: number;
    vulnerabilities: number;
    worst_severity: string | null;
  }[],
): Map<number, UpdatesSummary> {
  const out = new Map<number, UpdatesSummary>();
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.site_id}\0${r.ecosystem}\0${r.name}\0${r.version ?? ''}`;
    const s = out.get(r.site_id) ?? { components: 0, outdated: 0, vulnerable: 0, endOfLife: 0, worst: null };
    out.set(r.site_id, s);
    if (seen.has(key)) continue;
    seen.add(key);
    s.components++;
    if (r.version && r.latest && schemeFor(r.ecosystem as Ecosystem).compare(r.version, r.latest) < 0) s.outdated++;
    if (r.end_of_life) s.endOfLife++;
    if (r.vulnerabilities > 0) {
      s.vulnerable++;
      const worst = r.worst_severity as VulnerabilitySeverity | null;
      if (RANK.indexOf(worst) > RANK.indexOf(s.worst)) s.worst = worst;
    }
  }
  return out;
}
