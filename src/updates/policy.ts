import { z } from 'zod';
import { duration } from '../config/duration.js';
import type { Issue } from '../config/section.js';
import { knowledgeSettingsSchema } from './knowledge.js';
import { runSpecSchema } from './runs/spec.js';

/** Kinds of change a policy lets through: a fix of a known vulnerability, or a version step of this size. */
export const updateKinds = ['security', 'patch', 'minor', 'major'] as const;
export type UpdateKind = (typeof updateKinds)[number];

/** How often the server re-reads a site's inventory over SSH (`off`: only when someone plans or runs). */
export const inventorySchedule = z.union([z.literal('off'), duration({ min: 3_600_000, max: 365 * 86_400_000 })], {
  error: 'expected "off" or a duration between 1h and 365d, like "24h"',
});

/** The severities a newly seen vulnerable component opens an incident from (`off`: never). */
const incidentSeverities = ['low', 'medium', 'high', 'critical', 'off'] as const;

/**
 * How a site's updates are chosen and let through: which kinds, how old a release must be, how they
 * are grouped into runs, who approves them, and who is told. A site takes the policy its `updates:`
 * entry names, else the first whose `sites` or `tags` reach it, else one with neither, else the defaults.
 *
 * @example { name: clients, tags: [client], updates: [security, patch], minReleaseAge: 3d, approve: { people: [ops@agency.test] }, channels: [ops] }
 */
export const updatePolicySchema = z
  .object({
    name: z.string().min(1).max(80),
    sites: z.array(z.string().min(1)).optional(),
    tags: z.array(z.string().min(1)).optional(),
    updates: z.array(z.enum(updateKinds)).min(1).default(['security', 'patch']),
    /** A release younger than this waits (a bad release is usually pulled within days); security fixes may skip it. */
    minReleaseAge: duration({ max: 365 * 86_400_000 }).prefault('0s'),
    securitySkipsWait: z.boolean().default(true),
    /** One run for everything pending, one per component, or one per ecosystem (plugins, Composer, npm, apt…). */
    group: z.enum(['together', 'per-component', 'per-ecosystem']).default('together'),
    /** `auto`: a requested run starts at once; `people`: it waits in the approvals queue for one of them (or an admin). */
    approve: z.union([z.literal('auto'), z.object({ people: z.array(z.email()).min(1) }).strict()]).default('auto'),
    /**
     * The maintenance window (by name) in which approved runs start: one approved outside it waits,
     * queued, for its next occurrence. A run with a security fix starts at once when `securitySkipsWait`.
     */
    when: z.string().min(1).max(200).optional(),
    /** How often the server re-reads the inventory of the sites it reaches (a site's own `inventory` wins). */
    inventory: inventorySchedule.prefault('24h'),
    /** Channels told of every `update.*` event (the approval link goes with `update.planned`). */
    channels: z.array(z.string().min(1)).default([]),
    /** A newly seen vulnerable component opens an incident from this severity up; end-of-life components too when `endOfLife`. */
    incidents: z
      .object({ severity: z.enum(incidentSeverities).default('high'), endOfLife: z.boolean().default(true) })
      .strict()
      .prefault({}),
  })
  .strict();
export type UpdatePolicy = z.output<typeof updatePolicySchema>;

export const defaultPolicy: UpdatePolicy = updatePolicySchema.parse({ name: 'default' });

/**
 * Where and how a site is updated: its run spec without the steps (those come from the pending
 * updates, or from the request), the policy it follows, and how WordPress is updated.
 */
export const updateSiteSchema = runSpecSchema
  .omit({ steps: true })
  .extend({
    site: z.string().min(1),
    policy: z.string().min(1).optional(),
    /** wp-cli on the server, or WordPress's own upgrade done by Upkeep over SFTP (`files`). */
    wordpress: z.enum(['wp-cli', 'files']).default('wp-cli'),
    /** How often the server re-reads this site's inventory; its policy's `inventory` when absent. */
    inventory: inventorySchedule.optional(),
  })
  .strict();
export type UpdateSite = z.output<typeof updateSiteSchema>;

export const updatesConfigSchema = z
  .object({
    sites: z.array(updateSiteSchema).default([]),
    policies: z.array(updatePolicySchema).default([]),
    /** How often the server refreshes what it knows from the live sources, and where it asks. */
    knowledge: knowledgeSettingsSchema,
  })
  .strict()
  .prefault({});
export type UpdatesConfig = z.output<typeof updatesConfigSchema>;

interface Checked {
  sites: readonly { name: string }[];
  channels: readonly { name: string }[];
  maintenance: readonly { name: string }[];
  backups?: { jobs: readonly { name: string; site: string }[] } | undefined;
  updates: UpdatesConfig;
}

/** The names `updates:` refers to must exist: sites, policies, channels, the site's backup jobs. */
function checkUpdates(config: Checked, issue: Issue): void {
  const sites = new Set(config.sites.map((s) => s.name));
  const channels = new Set(config.channels.map((c) => c.name));
  const windows = new Set(config.maintenance.map((w) => w.name));
  const policies = new Set<string>();
  for (const [i, p] of config.updates.policies.entries()) {
    if (policies.has(p.name)) issue(['updates', 'policies', i, 'name'], `another policy is already named ${JSON.stringify(p.name)}`);
    policies.add(p.name);
    for (const [j, s] of (p.sites ?? []).entries()) if (!sites.has(s)) issue(['updates', 'policies', i, 'sites', j], `no site named ${JSON.stringify(s)}`);
    for (const [j, c] of p.channels.entries()) if (!channels.has(c)) issue(['updates', 'policies', i, 'channels', j], `no channel named ${JSON.stringify(c)}`);
    if (p.when !== undefined && !windows.has(p.when)) issue(['updates', 'policies', i, 'when'], `no maintenance window named ${JSON.stringify(p.when)}`);
  }
  const seen = new Set<string>();
  for (const [i, s] of config.updates.sites.entries()) {
    if (!sites.has(s.site)) issue(['updates', 'sites', i, 'site'], `no site named ${JSON.stringify(s.site)}`);
    if (seen.has(s.site)) issue(['updates', 'sites', i, 'site'], `site ${JSON.stringify(s.site)} already has an updates entry`);
    seen.add(s.site);
    if (s.policy !== undefined && !policies.has(s.policy))
      issue(['updates', 'sites', i, 'policy'], `no policy named ${JSON.stringify(s.policy)} under updates.policies`);
    const jobs = new Set((config.backups?.jobs ?? []).filter((j) => j.site === s.site).map((j) => j.name));
    for (const [j, name] of (s.backupJobs ?? []).entries())
      if (!jobs.has(name)) issue(['updates', 'sites', i, 'backupJobs', j], `site ${JSON.stringify(s.site)} has no backup job named ${JSON.stringify(name)}`);
  }
}

/** `updates:` of upkeep.yaml (issue 15): where each site is updated, and the policies. Held in the config, like backup jobs. */
export const updatesSection = {
  shape: { updates: updatesConfigSchema },
  check: checkUpdates,
};

/** Policies are kept in `config_objects` (the file's by `apply`, others by the API), so `export` writes them all. */
export const updatePolicyObjectKinds = [{ kind: 'update-policy' as const, section: 'updates.policies', schema: updatePolicySchema }];

/** The policy a site follows (see `updatePolicySchema`). */
export function policyFor(config: UpdatesConfig, site: { name: string; tags: readonly string[] }): UpdatePolicy {
  const named = config.sites.find((s) => s.site === site.name)?.policy;
  const policies = config.policies;
  return (
    (named && policies.find((p) => p.name === named)) ||
    policies.find((p) => p.sites?.includes(site.name) || p.tags?.some((t) => site.tags.includes(t))) ||
    policies.find((p) => !p.sites && !p.tags) ||
    defaultPolicy
  );
}
