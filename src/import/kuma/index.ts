import { readFile } from 'node:fs/promises';
import { AppError } from '../../lib/errors.js';
import { ImportDraft } from '../draft.js';
import { sourceDescriptions, type Importer } from '../importer.js';
import { tagOf } from '../values.js';
import { readKumaBackup } from './backup-json.js';
import { textOr } from './values.js';
import type { KumaData, KumaMonitor } from './model.js';
import { certificateMonitor, mapKumaMonitor } from './monitors.js';
import { mapKumaNotification } from './notifications.js';
import { importMaintenance, importStatusPage, type Placement } from './pages.js';
import { readKumaDatabase } from './sqlite.js';

const DEFAULT_SITE = 'Uptime Kuma';

/** Reads a Kuma database or JSON backup, telling them apart by their first bytes. */
async function readSource(file: string): Promise<KumaData> {
  let head: Buffer;
  try {
    head = await readFile(file);
  } catch (err) {
    throw new AppError('invalid_input', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\u0000') return readKumaDatabase(file);
  if (/^\s*[{[]/.test(head.subarray(0, 64).toString('utf8'))) return readKumaBackup(head.toString('utf8'), file);
  throw new AppError('invalid_input', `${file} is neither an Uptime Kuma database (kuma.db) nor its JSON backup`);
}

/**
 * Channel names of a monitor's notifications that were imported; the others are noted. Always a list:
 * a Kuma monitor without notifications tells nobody, while an Upkeep monitor without `notify` tells
 * every channel, so "nobody" is written as `notify: []`.
 */
function notifyOf(m: KumaMonitor, channels: Map<number, string>, key: string, draft: ImportDraft): string[] {
  const names = m.notificationIds.map((id) => channels.get(id)).filter((n): n is string => n !== undefined);
  if (names.length < m.notificationIds.length)
    draft.note('monitor', key, `${m.notificationIds.length - names.length} of its notifications were not imported, so they are not in notify`);
  return names;
}

/**
 * Uptime Kuma → upkeep.yaml. Groups become sites (monitors outside any group go to one site, "Uptime
 * Kuma" unless named); everything else maps type by type (docs/import.md has the table).
 */
export function kumaToDraft(data: KumaData, options: { site?: string } = {}): ImportDraft {
  const draft = new ImportDraft();
  const channels = new Map<number, string>();
  for (const n of data.notifications) {
    const type = textOr(n.config.type, 'unknown');
    const mapped = mapKumaNotification(n.config);
    if ('skip' in mapped) {
      draft.skip('notification', n.name, type, mapped.skip);
      continue;
    }
    const name = draft.addChannel({ name: n.name, ...mapped.channel }, type);
    if (name === undefined) continue;
    channels.set(n.id, name);
    for (const note of mapped.notes) draft.note('channel', name, note);
  }

  const byId = new Map(data.monitors.map((m) => [m.id, m]));
  const place: Placement = { monitorRefs: new Map(), groupSites: new Map() };
  for (const g of data.monitors.filter((m) => m.type === 'group')) {
    const tags = g.tags.map((t) => tagOf(t.name, t.value)).filter((t): t is string => t !== undefined);
    const notify = g.notificationIds.map((id) => channels.get(id)).filter((n): n is string => n !== undefined);
    const site = draft.addSite(g.name, {
      ...(g.description ? { description: g.description } : {}),
      ...(tags.length ? { tags } : {}),
      ...(notify.length ? { notify } : {}),
    });
    place.groupSites.set(g.id, site);
    const parent = g.parent === null ? undefined : byId.get(g.parent);
    if (parent) draft.note('site', site, `was a group inside "${parent.name}"; Upkeep sites are not nested`);
    if (!g.active) draft.note('site', site, 'its group was paused in Kuma, so its monitors are paused');
  }
  let defaultSite: string | undefined;
  const siteOf = (m: KumaMonitor): string => {
    const site = m.parent === null ? undefined : place.groupSites.get(m.parent);
    return site ?? (defaultSite ??= draft.addSite(options.site ?? DEFAULT_SITE));
  };
  /** A monitor under a paused group does not run in Kuma. */
  const pausedByGroup = (m: KumaMonitor): boolean => {
    for (let p = m.parent === null ? undefined : byId.get(m.parent); p; p = p.parent === null ? undefined : byId.get(p.parent)) if (!p.active) return true;
    return false;
  };

  for (const m of data.monitors) {
    if (m.type === 'group') continue;
    const mapped = mapKumaMonitor(m);
    if ('skip' in mapped) {
      draft.skip('monitor', m.name, m.type, mapped.skip);
      continue;
    }
    const site = siteOf(m);
    const key = `${site}/${m.name}`;
    const notify = notifyOf(m, channels, key, draft);
    const monitor = { ...mapped.monitor, notify, ...(pausedByGroup(m) ? { paused: true } : {}) };
    const ref = draft.addMonitor(site, monitor, m.type);
    if (!ref) continue;
    for (const note of mapped.notes) draft.note('monitor', ref, note);
    const refs = [ref];
    const cert = certificateMonitor(m, ref.slice(site.length + 1));
    if (cert) {
      const certRef = draft.addMonitor(site, { ...cert, notify }, 'tls');
      if (certRef) {
        draft.note('monitor', certRef, `made from the certificate expiry notification of "${m.name}"`);
        refs.push(certRef);
      }
    }
    place.monitorRefs.set(m.id, refs);
  }

  for (const w of data.maintenance) importMaintenance(w, data, place, draft);
  const names = new Map(data.monitors.map((m) => [m.id, m.name]));
  for (const page of data.statusPages) importStatusPage(page, place, names, draft);
  for (const o of data.others) draft.skip(o.kind, o.name, undefined, o.reason);
  return draft;
}

export const kumaImporter: Importer<{ site?: string }> = {
  source: 'kuma',
  describe: sourceDescriptions.kuma,
  async read(input, options) {
    const data = await readSource(input);
    return { describe: data.describe, draft: kumaToDraft(data, options) };
  },
};
