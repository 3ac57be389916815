import { z } from 'zod';
import { backupsConfigSchema } from '../backups/config.js';
import { contactSchema, escalationSchema, incidentSettingsSchema, maintenanceSchema, rotationSchema } from '../incidents/incidents.schema.js';
import { accountsConfigSchema } from '../accounts/accounts.schema.js';
import { auditsConfigSchema, checkAuditSiteNames } from '../audits/config.js';
import { channelSchema } from '../notify/channel.schema.js';
import { siteWithMonitorsSchema } from '../sites/site.schema.js';
import { duration } from './duration.js';
import { feedbackConfigSchema } from '../feedback/feedback.schema.js';
import { checkRoutineReferences, routineConfigSchema } from '../routines/routine.schema.js';
import { ipOrCidr, port } from './fields.js';
import { checkReferences } from './references.js';
import { checkStatusPageReferences, emailSettingsSchema, messageTemplateSchema, statusPageSchema } from '../status-pages/status-page.schema.js';

const serverSchema = z
  .object({
    port: port.default(3000),
    host: z.string().default('127.0.0.1'),
    /** The address people reach this server at; used in links sent in alerts and emails. */
    publicUrl: z.url().optional(),
    /**
     * Behind a reverse proxy: whose X-Forwarded-For, -Proto and -Host to believe. The proxies' addresses or
     * ranges (["127.0.0.1"]), or true for any sender (only when nothing reaches Upkeep except through the proxy).
     * Client addresses decide login throttling, rate limits, status page IP lists and the activity log.
     */
    trustProxy: z
      .union([z.boolean(), z.array(ipOrCidr).min(1)], { error: 'expected true, false or a list of proxy addresses like ["127.0.0.1"]' })
      .default(false),
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
 * The whole of upkeep.yaml. Later capabilities add their sections here (statusPages).
 */
export const configSchema = z
  .object({
    server: serverSchema.prefault({}),
    network: networkSchema.prefault({}),
    results: resultsSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    sites: z.array(siteWithMonitorsSchema).default([]),
    channels: z.array(channelSchema).default([]),
    incidents: incidentSettingsSchema.prefault({}),
    escalation: z.array(escalationSchema).default([]),
    contacts: z.array(contactSchema).default([]),
    rotations: z.array(rotationSchema).default([]),
    maintenance: z.array(maintenanceSchema).default([]),
    audits: auditsConfigSchema.prefault({}),
    accounts: accountsConfigSchema.prefault({}),
    backups: backupsConfigSchema.optional(),
    // Status pages (issue 5): public pages, the messages reused in their updates, the sender of subscriber mail.
    statusPages: z.array(statusPageSchema).default([]),
    messageTemplates: z.array(messageTemplateSchema).default([]),
    email: emailSettingsSchema.optional(),
    // Users' voice (issue 17): feedback retention, the intake's limits, spikes.
    feedback: feedbackConfigSchema.prefault({}),
    // Recurring checklists per site (issue 17).
    routines: z.array(routineConfigSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    checkReferences(config, ctx);
    checkAuditSiteNames(config.audits, new Set(config.sites.map((s) => s.name)), (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  })
  .superRefine(checkStatusPageReferences)
  .superRefine(checkRoutineReferences);

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
