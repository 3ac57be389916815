import type { Kysely } from 'kysely';
import { Document } from 'yaml';
import { z } from 'zod';
import type { Database } from '../db/types.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import { configObjectSections } from './apply.js';
import { backupsConfigSchema } from '../backups/config.js';
import { backupMonitors } from '../backups/heartbeats.js';
import { isBackupSecret, type BackupSettings } from '../backups/settings.js';
import { canonicalJson } from '../lib/json.js';
import { splitSecrets } from '../lib/secrets.js';
import { channelSchemas, channelSecretFields } from '../notify/channel.schema.js';
import type { ChannelCodec } from '../notify/channel-codec.js';
import { ChannelsRepository } from '../notify/channels.repository.js';
import { monitorSchemas, monitorSecretFields } from '../monitoring/monitor.schema.js';
import { siteSchema } from '../sites/site.schema.js';
import { SitesRepository } from '../sites/sites.repository.js';
import type { SiteCodec } from '../sites/sites.service.js';
import { exportStatusPages } from '../status-pages/config-section.js';
import type { StatusPageCodec } from '../status-pages/status-pages.service.js';

export interface ExportResult {
  yaml: string;
  /** Environment variables the exported file refers to for secrets that were not written into it. */
  secretVariables: { name: string; holds: string }[];
}

/** Drops every field whose absence parses to the same value: the file shows what was chosen, not the defaults. */
function withoutDefaults(schema: z.ZodType, written: Record<string, unknown>): Record<string, unknown> {
  const target = canonicalJson(schema.parse(written));
  const out = structuredClone(written);
  const tryDrop = (node: Record<string, unknown>) => {
    for (const key of Object.keys(node)) {
      const value = node[key];
      delete node[key];
      const parsed = schema.safeParse(out);
      if (parsed.success && canonicalJson(parsed.data) === target) continue;
      node[key] = value;
      if (value && typeof value === 'object' && !Array.isArray(value)) tryDrop(value as Record<string, unknown>);
    }
  };
  tryDrop(out);
  return out;
}

function setAt(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') return;
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** The variable a secret is referred to by in a written config: `UPKEEP_SECRET_<OWNER>_<PATH>`. */
export const variableName = (...parts: string[]) =>
  `UPKEEP_SECRET_${parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '')}`;

/**
 * Writes the database back out as upkeep.yaml, so objects made in the API are never trapped.
 * Values that came from `${VAR}` are written as `${VAR}` again; other secrets become `${UPKEEP_SECRET_…}`
 * references (listed in the result) unless `includeSecrets` asks for them in clear.
 */
export async function exportConfig(
  db: Kysely<Database>,
  sites: SiteCodec,
  channels: ChannelCodec,
  statusPages: StatusPageCodec,
  options: { includeSecrets: boolean },
  backupSettings: BackupSettings,
): Promise<ExportResult> {
  const siteRepo = new SitesRepository(db);
  const secretVariables: ExportResult['secretVariables'] = [];

  const prepare = (
    schema: z.ZodType,
    spec: object,
    envRefs: Record<string, string>,
    isSecret: (path: readonly string[]) => boolean,
    owner: string[],
  ): Record<string, unknown> => {
    const written = withoutDefaults(schema, z.encode(schema, spec) as Record<string, unknown>);
    for (const [path, template] of Object.entries(envRefs)) setAt(written, path, template);
    if (!options.includeSecrets) {
      const { secrets } = splitSecrets(written, isSecret);
      for (const [path, value] of Object.entries(secrets)) {
        if (/\$\{[A-Za-z_]/.test(value)) continue;
        const name = variableName(...owner, path);
        secretVariables.push({ name, holds: `${path} of ${owner.join('/')}` });
        setAt(written, path, `\${${name}}`);
      }
    }
    return written;
  };

  const backups = await backupSettings.load();
  // The monitors `backups:` makes are written by the section itself, not as plain heartbeats.
  const derived = new Set(backupMonitors(backups?.config).map((d) => `${d.site}/${d.spec.name}`));
  const monitorRows = (await siteRepo.allMonitors()).filter((m) => !(m.managed_by === 'config' && derived.has(`${m.site_name}/${m.name}`)));
  const exportedSites = (await siteRepo.allSites()).map((row) => {
    const site = sites.siteFromRow(row);
    const monitors = monitorRows
      .filter((m) => m.site_id === row.id)
      .map((m) => {
        const monitor = sites.monitorFromRow(m);
        const type = monitor.spec.type;
        return prepare(monitorSchemas[type], monitor.spec, monitor.envRefs, monitorSecretFields[type].isSecret, [site.spec.name, monitor.spec.name]);
      });
    const written = prepare(siteSchema, site.spec, site.envRefs, () => false, [site.spec.name]);
    return monitors.length ? { ...written, monitors } : written;
  });
  const exportedChannels = (await new ChannelsRepository(db).all()).map((row) => {
    const channel = channels.fromRow(row);
    const type = channel.spec.type;
    return prepare(channelSchemas[type], channel.spec, channel.envRefs, channelSecretFields[type].isSecret, [channel.spec.name]);
  });

  const body: Record<string, unknown> = {};
  if (exportedSites.length) body.sites = exportedSites;
  if (exportedChannels.length) body.channels = exportedChannels;
  const objects = await new ConfigObjectsRepository(db).all();
  for (const [kind, { section, schema }] of Object.entries(configObjectSections)) {
    const list = objects
      .filter((o) => o.kind === kind)
      .map((o) => withoutDefaults(schema, z.encode(schema, JSON.parse(o.spec) as never) as Record<string, unknown>));
    if (list.length) body[section] = list;
  }
  const pages = await exportStatusPages(db, statusPages, prepare);
  if (pages.length) body.statusPages = pages;
  if (backups) body.backups = prepare(backupsConfigSchema, backups.config, backups.envRefs, isBackupSecret, ['backups']);
  const doc = new Document(body);
  doc.commentBefore = ' Exported by `upkeep export`. Apply with `upkeep apply --config <this file>`.';
  return { yaml: doc.toString({ lineWidth: 0 }), secretVariables };
}
