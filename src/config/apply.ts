import type { Kysely } from 'kysely';
import { z } from 'zod';
import { withBackupMonitors } from '../backups/heartbeats.js';
import { describeBackupsChange, type BackupSettings } from '../backups/settings.js';
import type { ConfigObjectKind, Database } from '../db/types.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import { contactSchema, escalationSchema, maintenanceSchema, rotationSchema } from '../incidents/incidents.schema.js';
import type { Config } from './schema.js';
import type { Clock } from '../lib/clock.js';
import { canonicalJson } from '../lib/json.js';
import { channelSchema, channelSecretFields } from '../notify/channel.schema.js';
import type { ChannelCodec } from '../notify/channel-codec.js';
import { ChannelsRepository, type ChannelWrite } from '../notify/channels.repository.js';
import { monitorSchema, monitorSecretFields } from '../monitoring/monitor.schema.js';
import { siteSchema } from '../sites/site.schema.js';
import { SitesRepository, type MonitorWrite, type SiteWrite } from '../sites/sites.repository.js';
import type { SiteCodec } from '../sites/sites.service.js';
import { syncStatusPages } from '../status-pages/config-section.js';
import { messageTemplateSchema } from '../status-pages/status-page.schema.js';
import type { StatusPageCodec } from '../status-pages/status-pages.service.js';
import type { LoadedConfig } from './load.js';

export type PlanAction = 'create' | 'update' | 'delete';
export type ObjectKind = 'site' | 'monitor' | 'channel' | 'status-page' | 'backups' | ConfigObjectKind;

/** The small named objects of the config, each with its section and schema. */
export const configObjectSections = {
  escalation: { section: 'escalation', schema: escalationSchema },
  contact: { section: 'contacts', schema: contactSchema },
  rotation: { section: 'rotations', schema: rotationSchema },
  maintenance: { section: 'maintenance', schema: maintenanceSchema },
  'message-template': { section: 'messageTemplates', schema: messageTemplateSchema },
} as const satisfies Record<ConfigObjectKind, { section: keyof Config; schema: z.ZodType }>;

export interface PlanItem {
  action: PlanAction;
  kind: ObjectKind;
  /** The stable key: site name, "site/monitor", or channel name. */
  key: string;
  /** For updates, one line per changed field: `interval: 60s → 30s`. */
  changes: string[];
}

export interface Plan {
  items: PlanItem[];
  /** Objects made in the API that the file does not mention: kept as they are. */
  unmanaged: string[];
  /** Objects made in the API that the file now names exactly as they are: from now on the file owns them. */
  adopted: string[];
}

/** The part of the config an object was written in, as dotted paths relative to the object. */
export function refsUnder(envRefs: Map<string, string>, prefix: string, exclude?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, template] of envRefs) {
    if (path.startsWith(prefix) && !(exclude && path.startsWith(exclude))) out[path.slice(prefix.length)] = template;
  }
  return out;
}

/** Leaves of an object by dotted path, for showing what changed. */
function leaves(value: unknown, path = '', out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) leaves(child, path ? `${path}.${key}` : key, out);
  } else if (path) out[path] = JSON.stringify(value);
  return out;
}

export function describeChanges(before: unknown, after: unknown, isSecret: (path: readonly string[]) => boolean): string[] {
  const a = leaves(before);
  const b = leaves(after);
  const changes: string[] = [];
  for (const path of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[path] === b[path]) continue;
    if (isSecret(path.split('.'))) changes.push(`${path}: (secret changed)`);
    else changes.push(`${path}: ${a[path] ?? '(unset)'} → ${b[path] ?? '(unset)'}`);
  }
  return changes;
}

type Written = SiteWrite | MonitorWrite | ChannelWrite;
/** What decides ownership besides the definition. */
export type Owned = Pick<Written, 'managedBy' | 'envRefs'>;
/** Records an update, or an adoption when only the owner changes; says whether anything is to be written. */
export type SyncCompare = (
  kind: ObjectKind,
  key: string,
  before: Owned,
  after: Owned,
  beforeSpec: unknown,
  afterSpec: unknown,
  changes: () => string[],
) => boolean;

/**
 * Syncs upkeep.yaml into the database by stable keys (site name, site/monitor name, channel name),
 * in one transaction. Objects the file created and no longer mentions are deleted; objects made in
 * the API are only touched when the file names them (the file then takes them over).
 */
export class ConfigSync {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sites: SiteCodec,
    private readonly channels: ChannelCodec,
    private readonly clock: Clock,
    private readonly statusPages: StatusPageCodec,
    private readonly backups: BackupSettings,
  ) {}

  async apply(loaded: LoadedConfig, options: { dryRun: boolean }): Promise<Plan> {
    return this.db.transaction().execute((trx) => this.sync(trx, loaded, options.dryRun));
  }

  private async sync(trx: Kysely<Database>, loaded: LoadedConfig, dryRun: boolean): Promise<Plan> {
    // Backup jobs bring their own heartbeat monitors; from here on they are monitors like any other.
    const config = withBackupMonitors(loaded.config);
    const { envRefs } = loaded;
    const siteRepo = new SitesRepository(trx);
    const channelRepo = new ChannelsRepository(trx);
    const now = this.clock.now();
    const items: PlanItem[] = [];
    const unmanaged: string[] = [];
    const adopted: string[] = [];
    /** Records an update, or an adoption when only the owner changes; says whether anything is to be written. */
    const compare = (kind: ObjectKind, key: string, before: Owned, after: Owned, beforeSpec: unknown, afterSpec: unknown, changes: () => string[]): boolean => {
      if (this.same(before, after, beforeSpec, afterSpec)) return false;
      if (before.managedBy !== after.managedBy && this.same({ ...before, managedBy: after.managedBy }, after, beforeSpec, afterSpec))
        adopted.push(`${kind} "${key}"`);
      else items.push({ action: 'update', kind, key, changes: changes() });
      return true;
    };

    // Channels first: sites and monitors name them.
    const channelRows = await channelRepo.all();
    const byName = new Map(channelRows.map((r) => [r.name, this.channels.fromRow(r)]));
    const wanted = new Set<string>();
    for (const [i, spec] of config.channels.entries()) {
      wanted.add(spec.name);
      const write = this.channels.toWrite(spec, 'config', refsUnder(envRefs, `channels.${i}.`));
      const current = byName.get(spec.name);
      const isSecret = channelSecretFields[spec.type].isSecret;
      if (!current) {
        items.push({ action: 'create', kind: 'channel', key: spec.name, changes: [] });
        if (!dryRun) await channelRepo.insert(write, now);
        continue;
      }
      const before = this.channels.toWrite(current.spec, current.managedBy, current.envRefs);
      const changed = compare('channel', spec.name, before, write, current.spec, spec, () =>
        this.changes(channelSchema, current.spec, spec, before, write, isSecret),
      );
      if (changed && !dryRun) await channelRepo.update(current.id, write, now);
    }

    await this.syncConfigObjects(trx, config, now, dryRun, items, unmanaged, compare);
    // The section itself, so a running server reschedules and `upkeep export` writes it back.
    const backups = await this.backups.on(trx).apply(config.backups, refsUnder(envRefs, 'backups.'), dryRun);
    if (backups)
      items.push({
        action: backups.action,
        kind: 'backups',
        key: 'backups',
        changes: backups.action === 'update' ? describeBackupsChange(backups.before!, backups.after!) : [],
      });
    await syncStatusPages(trx, config, this.statusPages, {
      now,
      dryRun,
      items,
      unmanaged,
      compare,
      describe: (...args) => this.changes(...args),
      refsUnder: (prefix) => refsUnder(envRefs, prefix),
    });

    const siteRows = await siteRepo.allSites();
    const monitorRows = await siteRepo.allMonitors();
    const wantedSites = new Set(config.sites.map((s) => s.name));
    const wantedMonitors = new Set(config.sites.flatMap((s) => s.monitors.map((m) => `${s.name}/${m.name}`)));

    for (const row of monitorRows) {
      const key = `${row.site_name}/${row.name}`;
      if (wantedMonitors.has(key)) continue;
      if (row.managed_by === 'config') {
        items.push({ action: 'delete', kind: 'monitor', key, changes: [] });
        if (!dryRun) await siteRepo.deleteMonitor(row.id);
      } else unmanaged.push(`monitor "${key}"`);
    }
    for (const row of siteRows) {
      if (wantedSites.has(row.name)) continue;
      if (row.managed_by === 'config') {
        items.push({ action: 'delete', kind: 'site', key: row.name, changes: [] });
        if (!dryRun) await siteRepo.deleteSite(row.id);
      } else unmanaged.push(`site "${row.name}"`);
    }

    const sitesByName = new Map(siteRows.map((r) => [r.name, this.sites.siteFromRow(r)]));
    const monitorsByKey = new Map(monitorRows.map((r) => [`${r.site_name}/${r.name}`, r]));
    for (const [i, siteWithMonitors] of config.sites.entries()) {
      const { monitors, ...siteSpec } = siteWithMonitors;
      const write = this.sites.siteToWrite(siteSpec, 'config', refsUnder(envRefs, `sites.${i}.`, `sites.${i}.monitors.`));
      const current = sitesByName.get(siteSpec.name);
      let siteId = current?.id ?? -1;
      if (!current) {
        items.push({ action: 'create', kind: 'site', key: siteSpec.name, changes: [] });
        if (!dryRun) siteId = await siteRepo.insertSite(write, now);
      } else {
        const before = this.sites.siteToWrite(current.spec, current.managedBy, current.envRefs);
        const changed = compare('site', siteSpec.name, before, write, current.spec, siteSpec, () =>
          this.changes(siteSchema, current.spec, siteSpec, before, write, () => false),
        );
        if (changed && !dryRun) await siteRepo.updateSite(current.id, write, now);
      }
      for (const [j, spec] of monitors.entries()) {
        const key = `${siteSpec.name}/${spec.name}`;
        const mWrite = this.sites.monitorToWrite(siteId, spec, 'config', refsUnder(envRefs, `sites.${i}.monitors.${j}.`));
        const row = monitorsByKey.get(key);
        if (!row) {
          items.push({ action: 'create', kind: 'monitor', key: `${key}`, changes: [] });
          if (!dryRun) await siteRepo.insertMonitor(mWrite, now);
          continue;
        }
        const currentMonitor = this.sites.monitorFromRow(row);
        const before = this.sites.monitorToWrite(row.site_id, currentMonitor.spec, currentMonitor.managedBy, currentMonitor.envRefs);
        const isSecret = monitorSecretFields[spec.type].isSecret;
        const changed = compare('monitor', key, before, mWrite, currentMonitor.spec, spec, () =>
          this.changes(monitorSchema, currentMonitor.spec, spec, before, mWrite, isSecret),
        );
        if (changed && !dryRun) await siteRepo.updateMonitor(row.id, { ...mWrite, siteId: row.site_id }, now);
      }
    }
    return { items, unmanaged, adopted };
  }

  /** Escalation policies, contacts, rotations and maintenance windows: by kind and name, no secrets. */
  private async syncConfigObjects(
    trx: Kysely<Database>,
    config: Config,
    now: number,
    dryRun: boolean,
    items: PlanItem[],
    unmanaged: string[],
    compare: (kind: ObjectKind, key: string, before: Owned, after: Owned, beforeSpec: unknown, afterSpec: unknown, changes: () => string[]) => boolean,
  ): Promise<void> {
    const repo = new ConfigObjectsRepository(trx);
    const rows = await repo.all();
    for (const [kind, { section, schema }] of Object.entries(configObjectSections) as [ConfigObjectKind, (typeof configObjectSections)[ConfigObjectKind]][]) {
      const wanted = config[section] as { name: string }[];
      const existing = new Map(rows.filter((r) => r.kind === kind).map((r) => [r.name, r]));
      for (const spec of wanted) {
        const row = existing.get(spec.name);
        existing.delete(spec.name);
        const text = canonicalJson(spec);
        if (!row) {
          items.push({ action: 'create', kind, key: spec.name, changes: [] });
          if (!dryRun) await repo.insert(kind, spec.name, text, 'config', now);
          continue;
        }
        const before = JSON.parse(row.spec) as unknown;
        const changed = compare(kind, spec.name, { managedBy: row.managed_by, envRefs: null }, { managedBy: 'config', envRefs: null }, before, spec, () =>
          describeChanges(z.encode(schema, before as never), z.encode(schema, spec as never), () => false),
        );
        if (changed && !dryRun) await repo.update(row.id, spec.name, text, 'config', now);
      }
      for (const row of existing.values()) {
        if (row.managed_by !== 'config') {
          unmanaged.push(`${kind} "${row.name}"`);
          continue;
        }
        items.push({ action: 'delete', kind, key: row.name, changes: [] });
        if (!dryRun) await repo.delete(row.id);
      }
    }
  }

  /** Equal when the definition (secrets included), the `${VAR}` references and the owner are all unchanged. */
  private same(before: Owned, after: Owned, beforeSpec: unknown, afterSpec: unknown): boolean {
    const view = (w: Owned, spec: unknown) => canonicalJson({ spec, envRefs: w.envRefs, managedBy: w.managedBy });
    return view(before, beforeSpec) === view(after, afterSpec);
  }

  private changes(
    schema: z.ZodType,
    beforeSpec: unknown,
    afterSpec: unknown,
    before: Owned,
    after: Owned,
    isSecret: (path: readonly string[]) => boolean,
  ): string[] {
    const changes = describeChanges(z.encode(schema, beforeSpec), z.encode(schema, afterSpec), isSecret);
    if (before.managedBy !== after.managedBy) changes.push('made in the API: now managed by the config file');
    if (before.envRefs !== after.envRefs) changes.push('environment variable references changed');
    return changes;
  }
}

/** One line per object, "+" create, "~" update, "-" delete, with an update's changed fields under it. */
export function planLines(items: readonly PlanItem[]): string[] {
  const lines: string[] = [];
  const sign = { create: '+', update: '~', delete: '-' } as const;
  for (const item of items) {
    lines.push(`  ${sign[item.action]} ${item.kind} "${item.key}"`);
    for (const change of item.changes) lines.push(`      ${change}`);
  }
  return lines;
}

/** The plan as people read it: one line per object, "+" create, "~" update, "-" delete. */
export function formatPlan(plan: Plan, dryRun: boolean): string {
  const lines = planLines(plan.items);
  const count = (a: PlanAction) => plan.items.filter((i) => i.action === a).length;
  const head = plan.items.length
    ? `${dryRun ? 'Plan (dry run, nothing written)' : 'Applied'}: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete`
    : 'No changes: the database matches the config file.';
  const some = (list: string[]) => `${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`;
  const tail = [];
  if (plan.adopted.length)
    tail.push(
      `  ${plan.adopted.length} object(s) made in the API match the file and ${dryRun ? 'would be' : 'are'} managed by it from now on: ${some(plan.adopted)}`,
    );
  if (plan.unmanaged.length) {
    tail.push(
      `  ${plan.unmanaged.length} object(s) made in the API are not in the file and were kept: ${some(plan.unmanaged)}`,
      '  (run "upkeep export" to bring them into the file)',
    );
  }
  return [head, ...lines, ...tail].join('\n');
}
