import type { z } from 'zod';
import type { BackupsConfig } from '../backups/config.js';
import { backupReferenceIssues } from '../backups/heartbeats.js';

type Path = (string | number)[];
interface Named {
  name: string;
}

/** The parts of the config that name each other, as the cross-checks see them. */
interface Referencing {
  channels: Named[];
  contacts: (Named & { channels: string[] })[];
  rotations: (Named & { contacts: string[] })[];
  escalation: (Named & { steps: { notify: string[] }[] })[];
  maintenance: (Named & { sites?: string[] | undefined; monitors?: string[] | undefined })[];
  sites: (Named & {
    notify?: string[] | undefined;
    escalation?: string | undefined;
    monitors: (Named & { notify?: string[] | undefined; dependsOn?: string[] | undefined })[];
  })[];
  backups?: BackupsConfig | undefined;
}

/**
 * Checks what zod's per-field schemas cannot: names are unique, and every name used to refer to
 * another object (channels, contacts, rotations, escalation policies, sites, monitors) exists.
 */
export function checkReferences(config: Referencing, ctx: z.core.$RefinementCtx): void {
  const issue = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const unique = (list: readonly Named[], section: string | Path, what: string) => {
    const names = new Set<string>();
    list.forEach((item, i) => {
      if (names.has(item.name)) issue([...(Array.isArray(section) ? section : [section]), i, 'name'], `another ${what} is already named "${item.name}"`);
      names.add(item.name);
    });
    return names;
  };
  const refs = (list: readonly string[] | undefined, path: Path, known: (name: string) => boolean, what: string, hint = '') =>
    list?.forEach((ref, k) => {
      if (!known(ref)) issue([...path, k], `no ${what} is named "${ref}"${hint}`);
    });

  const channels = unique(config.channels, 'channels', 'channel');
  const contacts = unique(config.contacts, 'contacts', 'contact');
  const rotations = unique(config.rotations, 'rotations', 'rotation');
  const policies = unique(config.escalation, 'escalation', 'escalation policy');
  const sites = unique(config.sites, 'sites', 'site');
  unique(config.maintenance, 'maintenance', 'maintenance window');

  config.contacts.forEach((c, i) => refs(c.channels, ['contacts', i, 'channels'], (n) => channels.has(n), 'channel'));
  config.rotations.forEach((r, i) => refs(r.contacts, ['rotations', i, 'contacts'], (n) => contacts.has(n), 'contact'));
  config.escalation.forEach((p, i) =>
    p.steps.forEach((step, j) =>
      refs(step.notify, ['escalation', i, 'steps', j, 'notify'], (n) => channels.has(n) || contacts.has(n) || rotations.has(n), 'channel, contact or rotation'),
    ),
  );
  const monitorKeys = new Set<string>();
  config.sites.forEach((site, i) => {
    refs(site.notify, ['sites', i, 'notify'], (n) => channels.has(n), 'channel');
    if (site.escalation && !policies.has(site.escalation)) issue(['sites', i, 'escalation'], `no escalation policy is named "${site.escalation}"`);
    const names = unique(site.monitors, ['sites', i, 'monitors'], `monitor of site "${site.name}"`);
    site.monitors.forEach((monitor, j) => {
      monitorKeys.add(`${site.name}/${monitor.name}`);
      refs(monitor.notify, ['sites', i, 'monitors', j, 'notify'], (n) => channels.has(n), 'channel');
      refs(monitor.dependsOn, ['sites', i, 'monitors', j, 'dependsOn'], (n) => names.has(n) && n !== monitor.name, `other monitor of site "${site.name}"`);
    });
  });
  config.maintenance.forEach((w, i) => {
    for (const { path, message } of maintenanceReferenceIssues(w, sites, monitorKeys)) issue(['maintenance', i, ...path], message);
  });
  for (const { path, message } of backupReferenceIssues(config)) issue(path, message);
}

/** Sites and monitors ("Site name/Monitor name") a maintenance window names that are not known: the file's, or the database's for the API. */
export function maintenanceReferenceIssues(
  window: { sites?: readonly string[] | undefined; monitors?: readonly string[] | undefined },
  sites: ReadonlySet<string>,
  monitorKeys: ReadonlySet<string>,
): { path: Path; message: string }[] {
  return [
    ...(window.sites ?? []).flatMap((name, k) => (sites.has(name) ? [] : [{ path: ['sites', k], message: `no site is named "${name}"` }])),
    ...(window.monitors ?? []).flatMap((ref, k) =>
      monitorKeys.has(ref) ? [] : [{ path: ['monitors', k], message: `no monitor is named "${ref}" (write "Site name/Monitor name")` }],
    ),
  ];
}
