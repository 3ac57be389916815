import { z } from 'zod';
import { describeChanges } from '../config/apply.js';
import { withoutDefaults } from '../config/export.js';
import { knownRefs, uniqueNames, type ConfigSection, type SectionStore } from '../config/section.js';
import type { ConfigObjectKind } from '../db/types.js';
import { canonicalJson } from '../lib/json.js';
import { ConfigObjectsRepository } from './config-objects.repository.js';
import { contactSchema, escalationSchema, incidentSettingsSchema, maintenanceSchema, rotationSchema } from './incidents.schema.js';

type Path = (string | number)[];
interface Named {
  name: string;
}

/** The parts of the file the incident sections refer to, as their checks see them. */
interface Referencing {
  channels: Named[];
  contacts: (Named & { channels: string[] })[];
  rotations: (Named & { contacts: string[] })[];
  escalation: (Named & { steps: { notify: string[] }[] })[];
  maintenance: (Named & { sites?: string[] | undefined; monitors?: string[] | undefined })[];
  sites: (Named & { monitors: Named[] })[];
}

/**
 * `incidents:` settings and the small named objects incidents use (escalation policies, contacts,
 * rotations, maintenance windows): names unique, and every name they use exists.
 */
export const incidentsSection = {
  shape: {
    incidents: incidentSettingsSchema.prefault({}),
    escalation: z.array(escalationSchema).default([]),
    contacts: z.array(contactSchema).default([]),
    rotations: z.array(rotationSchema).default([]),
    maintenance: z.array(maintenanceSchema).default([]),
  },
  check: (config, issue) => {
    const channels = new Set(config.channels.map((c) => c.name));
    const contacts = uniqueNames(config.contacts, ['contacts'], 'contact', issue);
    const rotations = uniqueNames(config.rotations, ['rotations'], 'rotation', issue);
    uniqueNames(config.escalation, ['escalation'], 'escalation policy', issue);
    uniqueNames(config.maintenance, ['maintenance'], 'maintenance window', issue);
    config.contacts.forEach((c, i) => knownRefs(c.channels, ['contacts', i, 'channels'], (n) => channels.has(n), 'channel', issue));
    config.rotations.forEach((r, i) => knownRefs(r.contacts, ['rotations', i, 'contacts'], (n) => contacts.has(n), 'contact', issue));
    config.escalation.forEach((p, i) =>
      p.steps.forEach((step, j) =>
        knownRefs(
          step.notify,
          ['escalation', i, 'steps', j, 'notify'],
          (n) => channels.has(n) || contacts.has(n) || rotations.has(n),
          'channel, contact or rotation',
          issue,
        ),
      ),
    );
    const sites = new Set(config.sites.map((s) => s.name));
    const monitorKeys = new Set(config.sites.flatMap((s) => s.monitors.map((m) => `${s.name}/${m.name}`)));
    config.maintenance.forEach((w, i) => {
      for (const { path, message } of maintenanceReferenceIssues(w, sites, monitorKeys)) issue(['maintenance', i, ...path], message);
    });
  },
} satisfies ConfigSection<Referencing>;

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

/** A kind of small named object kept in `config_objects`: its key in the file (dotted when nested: `updates.policies`) and its schema. */
export interface ConfigObjectKindSection {
  kind: ConfigObjectKind;
  section: string;
  schema: z.ZodType;
}

/** The kinds incidents keep in `config_objects` (status pages add their message templates). */
export const incidentObjectKinds: ConfigObjectKindSection[] = [
  { kind: 'escalation', section: 'escalation', schema: escalationSchema },
  { kind: 'contact', section: 'contacts', schema: contactSchema },
  { kind: 'rotation', section: 'rotations', schema: rotationSchema },
  { kind: 'maintenance', section: 'maintenance', schema: maintenanceSchema },
];

/** Small named objects (no secrets), synced and exported by kind and name. */
export function configObjectsStore(kinds: readonly ConfigObjectKindSection[]): SectionStore<object> {
  return {
    async apply(config, sync) {
      const repo = new ConfigObjectsRepository(sync.trx);
      const rows = await repo.all();
      for (const { kind, section, schema } of kinds) {
        const wanted = (section.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config) ?? []) as {
          name: string;
        }[];
        const existing = new Map(rows.filter((r) => r.kind === kind).map((r) => [r.name, r]));
        for (const spec of wanted) {
          const row = existing.get(spec.name);
          existing.delete(spec.name);
          const text = canonicalJson(spec);
          if (!row) {
            sync.items.push({ action: 'create', kind, key: spec.name, changes: [] });
            if (!sync.dryRun) await repo.insert(kind, spec.name, text, 'config', sync.now);
            continue;
          }
          const before = JSON.parse(row.spec) as unknown;
          const changed = sync.compare(
            kind,
            spec.name,
            { managedBy: row.managed_by, envRefs: null },
            { managedBy: 'config', envRefs: null },
            before,
            spec,
            () => describeChanges(z.encode(schema, before), z.encode(schema, spec), () => false),
          );
          if (changed && !sync.dryRun) await repo.update(row.id, spec.name, text, 'config', sync.now);
        }
        for (const row of existing.values()) {
          if (row.managed_by !== 'config') {
            sync.unmanaged.push(`${kind} "${row.name}"`);
            continue;
          }
          sync.items.push({ action: 'delete', kind, key: row.name, changes: [] });
          if (!sync.dryRun) await repo.delete(row.id);
        }
      }
    },
    async export({ db }) {
      const objects = await new ConfigObjectsRepository(db).all();
      const body: Record<string, unknown> = {};
      for (const { kind, section, schema } of kinds) {
        const list = objects
          .filter((o) => o.kind === kind)
          .map((o) => withoutDefaults(schema, z.encode(schema, JSON.parse(o.spec) as never) as Record<string, unknown>));
        if (!list.length) continue;
        const keys = section.split('.');
        let node = body;
        for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
        node[keys.at(-1)!] = list;
      }
      return body;
    },
  };
}
