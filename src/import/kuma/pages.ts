import { zonedToUtc } from '../../lib/time.js';
import type { ImportDraft } from '../draft.js';
import { seconds } from '../values.js';
import type { KumaData, KumaMaintenance, KumaStatusPage } from './model.js';

/** Where each imported Kuma monitor went: its "Site/Monitor" reference, or (for a group) its site. */
export interface Placement {
  monitorRefs: Map<number, string[]>;
  groupSites: Map<number, string>;
}

/** "2030-01-05 02:00:00" on the clocks of `timezone`, as an ISO instant. */
function wallToIso(text: string, timezone: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  if (!m) return undefined;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return new Date(zonedToUtc(wall, timezone)).toISOString();
}

function covered(ids: number[], place: Placement): { monitors: string[]; sites: string[] } {
  const sites = ids.map((id) => place.groupSites.get(id)).filter((s): s is string => s !== undefined);
  const monitors = ids.filter((id) => !place.groupSites.has(id)).flatMap((id) => place.monitorRefs.get(id) ?? []);
  return { monitors: [...new Set(monitors)], sites: [...new Set(sites)] };
}

/** A Kuma maintenance window: single → start/end; cron and every recurring kind → the cron Kuma itself runs, with its duration. */
export function importMaintenance(w: KumaMaintenance, data: KumaData, place: Placement, draft: ImportDraft): void {
  const skip = (reason: string) => draft.skip('maintenance', w.title, w.strategy, reason);
  if (w.strategy === 'manual') return skip('a manual window is switched on by hand; Upkeep windows follow a schedule');
  if (!w.active) return skip('it is paused in Uptime Kuma');
  const notes: string[] = [];
  let timezone = w.timezone ?? 'UTC';
  if (timezone === 'SAME_AS_SERVER') {
    timezone = data.serverTimezone ?? 'UTC';
    if (!data.serverTimezone) notes.push('"same as server" time zone read as UTC: the server\'s zone is not in this file');
  }
  const { monitors, sites } = covered(w.monitorIds, place);
  if (!monitors.length && !sites.length) return skip('it covers no imported monitor');
  const window: Record<string, unknown> = { name: w.title, timezone, ...(monitors.length ? { monitors } : {}), ...(sites.length ? { sites } : {}) };
  if (w.description) window.description = w.description;
  if (w.strategy === 'single') {
    const start = w.startDate ? wallToIso(w.startDate, timezone) : undefined;
    const end = w.endDate ? wallToIso(w.endDate, timezone) : undefined;
    if (!start || !end) return skip('it has no start and end');
    Object.assign(window, { start, end });
  } else {
    if (!w.cron || !w.duration) return skip('it has no schedule');
    Object.assign(window, { cron: w.cron, duration: seconds(Math.max(w.duration, 60)) });
    if (w.startDate || w.endDate) notes.push(`Kuma ran it only from ${w.startDate ?? 'the start'} to ${w.endDate ?? 'no end'}; Upkeep repeats it without end`);
  }
  if (w.statusPageIds.length) notes.push('shown on the status pages that show its monitors (Upkeep does not link windows to pages)');
  if (draft.addMaintenance(window)) for (const n of notes) draft.note('maintenance', w.title, n);
}

const kumaDefaultCss = /^\s*body\s*\{\s*\}\s*$/;

/** A Kuma status page: its groups become components naming the imported monitors they showed. */
export function importStatusPage(page: KumaStatusPage, place: Placement, monitorNames: Map<number, string>, draft: ImportDraft): void {
  for (const incident of page.incidents) draft.skip('status page incident', incident, undefined, `on "${page.slug}": incident history is not imported`);
  if (!page.published)
    return draft.skip('status page', page.slug, undefined, 'it is unpublished in Uptime Kuma (an Upkeep page is public unless it has access:)');
  const notes: string[] = [];
  const components: Record<string, unknown>[] = [];
  const used = new Set<string>();
  for (const group of page.groups) {
    const refs = new Set<string>();
    for (const id of group.monitorIds) {
      const site = place.groupSites.get(id);
      const found = site ? [...place.monitorRefs.values()].flat().filter((r) => r.startsWith(`${site}/`)) : (place.monitorRefs.get(id) ?? []);
      if (!found.length) notes.push(`"${monitorNames.get(id) ?? id}" in "${group.name}" was left out: it was not imported`);
      for (const r of found) refs.add(r);
    }
    if (!refs.size) continue;
    let name = group.name.trim() || 'Services';
    for (let n = 2; used.has(name); n++) name = `${group.name} (${n})`;
    used.add(name);
    components.push({ name, monitors: [...refs] });
  }
  if (!components.length) return draft.skip('status page', page.slug, undefined, 'none of its monitors were imported');
  const out: Record<string, unknown> = { slug: page.slug.toLowerCase(), title: page.title, components };
  if (page.description) out.description = page.description;
  if (page.domains.length) out.domains = page.domains;
  if (page.customCss && !kumaDefaultCss.test(page.customCss)) out.customCss = page.customCss;
  if (page.icon && /^https?:\/\//.test(page.icon)) out.logo = page.icon;
  else if (page.icon && page.icon !== '/icon.svg') notes.push(`its logo (${page.icon}) is a file on the Kuma server: give logo: a URL`);
  if (page.footerText) notes.push('its footer text was left out: Upkeep pages have no footer (put it in the description)');
  if (page.googleAnalyticsId) notes.push('Google Analytics was left out: Upkeep pages load nothing from elsewhere');
  if (draft.addStatusPage(out)) for (const n of notes) draft.note('status-page', out.slug as string, n);
}
