import { z } from 'zod';
import { accountsSection } from './accounts/accounts.schema.js';
import { auditsSection } from './audits/config.js';
import { backupsSection, backupsStore } from './backups/config-section.js';
import { parseWith, readConfigText, type LoadedConfig } from './config/load.js';
import { instanceShape } from './config/schema.js';
import type { Issue, SectionStore } from './config/section.js';
import { feedbackWidgetsSection, feedbackWidgetsStore } from './feedback/config-section.js';
import { feedbackSection } from './feedback/feedback.schema.js';
import { configObjectsStore, incidentObjectKinds, incidentsSection } from './incidents/config-section.js';
import type { SecretBox } from './lib/secrets.js';
import type { ChannelCodec } from './notify/channel-codec.js';
import { channelsSection, channelsStore } from './notify/config-section.js';
import { plannedWorkSection, plannedWorkStore } from './planned-work/config-section.js';
import { privacyRecordsSection, privacyRecordsStore } from './privacy-records/config-section.js';
import { locationsSection, locationsStore } from './probes/config-section.js';
import { registersSection, registersStore } from './site-register/config-section.js';
import { sitesSection, sitesStore } from './sites/config-section.js';
import { routinesSection, routinesStore } from './routines/config-section.js';
import { reportObjectKinds, reportsSection } from './reports/config-section.js';
import type { SiteCodec } from './sites/sites.service.js';
import type { Clock } from './lib/clock.js';
import { statusPageObjectKinds, statusPagesSection, statusPagesStore } from './status-pages/config-section.js';
import type { StatusPageCodec } from './status-pages/status-pages.service.js';
import { updatesStore } from './updates/config-section.js';
import { updatePolicyObjectKinds, updatesSection } from './updates/policy.js';

/**
 * upkeep.yaml as a whole: the instance's settings and the sections the features contribute. This is
 * the one place that lists them; src/config/ (loader, apply, export) knows none of them by name.
 */
export const configSchema = z
  .object({
    ...instanceShape,
    ...sitesSection.shape,
    ...channelsSection.shape,
    ...incidentsSection.shape,
    ...auditsSection.shape,
    ...accountsSection.shape,
    ...backupsSection.shape,
    ...statusPagesSection.shape,
    ...feedbackSection.shape,
    ...routinesSection.shape,
    ...registersSection.shape,
    ...privacyRecordsSection.shape,
    ...plannedWorkSection.shape,
    ...feedbackWidgetsSection.shape,
    ...updatesSection.shape,
    ...reportsSection.shape,
    ...locationsSection.shape,
  })
  .strict()
  .superRefine((config, ctx) => {
    const issue: Issue = (path, message) => ctx.addIssue({ code: 'custom', path, message });
    // Names before the names that use them: channels, then what incidents name, then sites, then the rest.
    for (const check of [
      channelsSection.check,
      incidentsSection.check,
      sitesSection.check,
      backupsSection.check,
      auditsSection.check,
      statusPagesSection.check,
      feedbackSection.check,
      routinesSection.check,
      registersSection.check,
      privacyRecordsSection.check,
      plannedWorkSection.check,
      feedbackWidgetsSection.check,
      updatesSection.check,
      reportsSection.check,
      locationsSection.check,
    ])
      check(config, issue);
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;

/** The JSON Schema of upkeep.yaml (`upkeep schema`), for editors: made from the same zod schema, so every registered kind is in it. */
export const configJsonSchema = () => ({ ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }), title: 'upkeep.yaml' });

/** Parses and validates config text; every problem is reported as `file:line:column path: message`. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return parseWith(configSchema, text, file, env);
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  return parseConfig(await readConfigText(file), file, env);
}

/**
 * How each section's objects are kept in the database, in the order `apply` runs them (what others
 * name first: channels, then small named objects, status pages, sites with their monitors, routines, then
 * each site's paperwork: register, GDPR records, planned work, feedback widget) and the order `export` writes them.
 */
export function configStores(
  codecs: { sites: SiteCodec; channels: ChannelCodec; statusPages: StatusPageCodec; secrets: SecretBox },
  clock: Clock,
): {
  apply: SectionStore<Config>[];
  export: SectionStore<Config>[];
} {
  const sites = sitesStore(codecs.sites);
  const channels = channelsStore(codecs.channels);
  const objects = configObjectsStore([...incidentObjectKinds, ...statusPageObjectKinds, ...reportObjectKinds, ...updatePolicyObjectKinds]);
  const statusPages = statusPagesStore(codecs.statusPages);
  // Routines name their sites: after them.
  const routines = routinesStore(clock);
  const backups = backupsStore(codecs.secrets);
  const updates = updatesStore(codecs.secrets);
  // A site's paperwork names its site (and other sites, maintenance windows); GDPR records may make a routine.
  const paperwork = [registersStore(codecs.secrets), privacyRecordsStore(clock), plannedWorkStore(), feedbackWidgetsStore(clock)];
  return {
    apply: [backups, channels, objects, updates, statusPages, sites, routines, ...paperwork],
    export: [locationsStore(codecs.sites), sites, channels, objects, updates, statusPages, routines, ...paperwork, backups],
  };
}
