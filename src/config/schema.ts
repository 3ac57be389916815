import { z } from 'zod';
import { backupsConfigSchema } from '../backups/config.js';
import { backupReferenceIssues } from '../backups/heartbeats.js';
import { channelSchema } from '../notify/channel.schema.js';
import { siteWithMonitorsSchema } from '../sites/site.schema.js';
import { duration } from './duration.js';
import { port } from './fields.js';

const serverSchema = z
  .object({
    port: port.default(3000),
    host: z.string().default('127.0.0.1'),
    /** The address people reach this server at; used in links sent in alerts and emails. */
    publicUrl: z.url().optional(),
  })
  .strict();

const networkSchema = z
  .object({
    /** Allow checks of loopback, private and link-local addresses (cloud metadata addresses stay refused). */
    allowPrivateTargets: z.boolean().default(false),
    /** DNS servers to resolve with instead of the system's, e.g. ["1.1.1.1", "10.0.0.2:53"]. */
    /** PEM files of certificate authorities to trust besides the bundled ones (a private CA). */
    caFiles: z.array(z.string().min(1)).optional(),
    resolvers: z.array(z.string().regex(/^[0-9a-f.:[\]]+$/i, 'expected a resolver address like "1.1.1.1" or "[::1]:53"')).optional(),
  })
  .strict();

const resultsSchema = z
  .object({
    /** How long raw check results are kept; rollups (minute, hour, day) are kept for good. */
    keepRaw: duration({ min: 3_600_000 }).prefault('30d'),
  })
  .strict();

const metricsSchema = z.object({ public: z.boolean().default(false) }).strict();

/**
 * The whole of upkeep.yaml. Later capabilities add their sections here (statusPages, audits).
 */
export const configSchema = z
  .object({
    server: serverSchema.prefault({}),
    network: networkSchema.prefault({}),
    results: resultsSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    sites: z.array(siteWithMonitorsSchema).default([]),
    channels: z.array(channelSchema).default([]),
    backups: backupsConfigSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const channelNames = new Set<string>();
    config.channels.forEach((channel, i) => {
      if (channelNames.has(channel.name))
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'name'], message: `another channel is already named "${channel.name}"` });
      channelNames.add(channel.name);
    });
    const checkRefs = (refs: readonly string[] | undefined, path: (string | number)[]) => {
      refs?.forEach((ref, k) => {
        if (!channelNames.has(ref)) ctx.addIssue({ code: 'custom', path: [...path, 'notify', k], message: `no channel is named "${ref}"` });
      });
    };
    const siteNames = new Set<string>();
    config.sites.forEach((site, i) => {
      if (siteNames.has(site.name)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'name'], message: `another site is already named "${site.name}"` });
      siteNames.add(site.name);
      checkRefs(site.notify, ['sites', i]);
      const monitorNames = new Set<string>();
      site.monitors.forEach((monitor, j) => {
        if (monitorNames.has(monitor.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['sites', i, 'monitors', j, 'name'],
            message: `site "${site.name}" already has a monitor named "${monitor.name}"`,
          });
        }
        monitorNames.add(monitor.name);
        checkRefs(monitor.notify, ['sites', i, 'monitors', j]);
      });
    });
    for (const issue of backupReferenceIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
