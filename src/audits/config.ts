import { z } from 'zod';
import type { ConfigSection } from '../config/section.js';
import { duration, parseDuration } from '../config/duration.js';
import { cronExpression, expected, timezone } from '../config/fields.js';
import { auditCategories, type AuditCategory } from './types.js';

/**
 * When a category runs: an interval ("1d"), a cron expression with an optional time zone, or "off".
 * The monitoring engine's scheduler reads these; see docs/audits.md.
 *
 * @example { security: '1d', performance: { cron: '0 4 * * 1', timezone: 'Europe/Stockholm' }, links: 'off' }
 */
const schedule = z.union([z.literal('off'), duration({ min: 3_600_000 }), z.object({ cron: cronExpression, timezone: timezone.default('UTC') }).strict()], {
  error: expected('"off", an interval of at least "1h" like "1d", or { cron: "0 3 * * *" }'),
});
export type AuditSchedule = z.output<typeof schedule>;

const schedulesSchema = z
  .object(Object.fromEntries(auditCategories.map((c) => [c, schedule.optional()])) as Record<AuditCategory, z.ZodOptional<typeof schedule>>)
  .strict();

const defaultSchedules: Record<AuditCategory, string> = { security: '1d', privacy: '1d', performance: '7d', accessibility: '7d', links: '7d' };

/** Lighthouse's resource-summary types. */
const resourceTypes = z.enum(['script', 'stylesheet', 'image', 'font', 'document', 'media', 'other', 'third-party', 'total']);
const kilobytes = z.number({ error: expected('a size in kB') }).positive('a size is more than 0 kB');

/** Lighthouse CI-style assertions; each one broken becomes a finding. */
const budgetsSchema = z
  .object({
    /** Lowest acceptable performance score, 0–100. */
    minScore: z.number().min(0).max(100).optional(),
    /** Upper limits in milliseconds (cumulative-layout-shift is unitless). */
    metrics: z
      .object({
        'first-contentful-paint': z.number().positive().optional(),
        'largest-contentful-paint': z.number().positive().optional(),
        'total-blocking-time': z.number().nonnegative().optional(),
        'cumulative-layout-shift': z.number().nonnegative().optional(),
        'speed-index': z.number().positive().optional(),
        interactive: z.number().positive().optional(),
      })
      .strict()
      .default({}),
    /** Transfer size limits per resource type in kB: script, stylesheet, image, font, document, other, third-party, total. */
    resourceSizes: z.partialRecord(resourceTypes, kilobytes).default({}),
    /** Request count limits per resource type. */
    resourceCounts: z.partialRecord(resourceTypes, z.number().int().nonnegative()).default({}),
  })
  .strict();
export type PerformanceBudgets = z.output<typeof budgetsSchema>;

const performanceSchema = z
  .object({
    /** Lighthouse runs per form factor; the median run is kept (Lighthouse CI's advice: 3 or 5). */
    runs: z.number().int().min(1).max(9).default(3),
    formFactors: z
      .array(z.enum(['mobile', 'desktop']))
      .min(1)
      .default(['mobile', 'desktop']),
    budgets: budgetsSchema.prefault({}),
  })
  .strict();

const linksSchema = z
  .object({
    maxPages: z.number().int().min(1).max(10_000).default(100),
    maxDepth: z.number().int().min(0).max(20).default(3),
    timeLimit: duration({ min: 1_000 }).prefault('2m'),
    /** URLs taken from sitemap.xml at random, besides those found by following links. */
    sitemapSample: z.number().int().min(0).max(1_000).default(20),
    /** Requests at once; the crawl is polite by default. */
    concurrency: z.number().int().min(1).max(16).default(2),
    /** Also check links to other sites (one HEAD/GET each, never crawled further). */
    checkExternal: z.boolean().default(true),
  })
  .strict();

const privacySchema = z
  .object({
    /** A MaxMind DB file (GeoLite2-Country or -City) to report the country of each third party's host. */
    geoipDatabase: z.string().min(1).optional(),
    /** How long to wait for the page to settle before the snapshot, without interacting. */
    settle: duration({ min: 0, max: 60_000 }).prefault('3s'),
  })
  .strict();

const siteOverrideSchema = z
  .object({
    enabled: z.boolean().default(true),
    schedules: schedulesSchema.optional(),
  })
  .strict();

/** The `audits:` section of upkeep.yaml. */
export const auditsConfigSchema = z
  .object({
    schedules: schedulesSchema.prefault({}).transform((given) => ({ ...decodeDefaults(), ...dropUndefined(given) })),
    /** A category score that falls by at least this many points raises `score_dropped`. */
    scoreDropThreshold: z.number().int().min(1).max(100).default(5),
    /** Chromium for Lighthouse, privacy and accessibility; Debian's package by default. */
    chromium: z.string().min(1).default('/usr/bin/chromium'),
    /**
     * When Upkeep runs as root, audits' Chromium runs as this user (a name, or uid:gid), never as
     * root and never as the owner of the data directory. A dedicated user (useradd --system
     * upkeep-chromium) is best; nobody by default.
     */
    chromiumUser: z.string().min(1).default('nobody'),
    performance: performanceSchema.prefault({}),
    links: linksSchema.prefault({}),
    privacy: privacySchema.prefault({}),
    /** Per-site settings by site name: turn audits off for a site, or give it its own schedules. */
    sites: z.record(z.string(), siteOverrideSchema).default({}),
  })
  .strict();

export type AuditsConfig = z.output<typeof auditsConfigSchema>;

function decodeDefaults(): Record<AuditCategory, AuditSchedule> {
  return Object.fromEntries(Object.entries(defaultSchedules).map(([c, text]) => [c, parseDuration(text)!])) as Record<AuditCategory, AuditSchedule>;
}

function dropUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Settings for a run outside any config file (`upkeep audit <url>` without --config). */
export const defaultAuditsConfig = (): AuditsConfig => auditsConfigSchema.parse({});

/** The schedule of each category for one site: the site's own, else the section's. */
export function schedulesFor(config: AuditsConfig, siteName: string): Record<AuditCategory, AuditSchedule> {
  const override = config.sites[siteName];
  if (override && !override.enabled) return Object.fromEntries(auditCategories.map((c) => [c, 'off'])) as Record<AuditCategory, AuditSchedule>;
  return { ...config.schedules, ...dropUndefined(override?.schedules ?? {}) } as Record<AuditCategory, AuditSchedule>;
}

/** Reports `audits.sites` entries that name no site; called from the whole file's cross-checks. */
export function checkAuditSiteNames(
  audits: AuditsConfig,
  siteNames: ReadonlySet<string>,
  addIssue: (path: (string | number)[], message: string) => void,
): void {
  for (const name of Object.keys(audits.sites)) {
    if (!siteNames.has(name)) addIssue(['audits', 'sites', name], `no site is named "${name}"`);
  }
}

/** `audits:` of upkeep.yaml: schedules, and overrides for sites that must exist. */
export const auditsSection = {
  shape: { audits: auditsConfigSchema.prefault({}) },
  check: (config, issue) => checkAuditSiteNames(config.audits, new Set(config.sites.map((s) => s.name)), issue),
} satisfies ConfigSection<{ audits: AuditsConfig; sites: { name: string }[] }>;
