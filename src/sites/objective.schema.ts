import { z } from 'zod';
import { duration } from '../config/duration.js';
import { objectName, timezone } from '../config/fields.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** What every objective says: what it measures and over which period. */
const common = {
  name: objectName('objective'),
  /** One monitor of the site (its name); without it, every monitor of the site except heartbeats, counted together. */
  monitor: z.string().min(1).max(120).optional(),
  /** `rolling`: the last `window`; `month`: the calendar month so far, in `timezone`. */
  period: z.enum(['rolling', 'month']).default('rolling'),
  window: duration({ min: HOUR, max: 400 * DAY }).prefault('30d'),
  /** The calendar month's time zone (IANA name). */
  timezone: timezone.default('UTC'),
  /** Leave out checks made during the site's maintenance windows. */
  excludeMaintenance: z.boolean().default(false),
};

/** Security grades from best to worst, as the security audit gives them. */
export const securityGrades = ['A+', 'A', 'B', 'C', 'D', 'E', 'F'] as const;

/** Goals read from audits and backups rather than checks: over the period, the newest audit, or the longest wait for a success. */
const goalTypes = [
  z
    .object({
      ...common,
      type: z.literal('performance'),
      /** The newest Lighthouse performance score in the period is at least this. */
      min: z.number().int().min(1).max(100),
      formFactor: z.enum(['mobile', 'desktop']).default('mobile'),
    })
    .strict(),
  z
    .object({
      ...common,
      type: z.literal('lcp'),
      /** The newest audit's Largest Contentful Paint (median of its runs) is at most this. */
      under: duration({ min: 100, max: 60_000 }),
      formFactor: z.enum(['mobile', 'desktop']).default('mobile'),
    })
    .strict(),
  z.object({ ...common, type: z.literal('security-grade'), atLeast: z.enum(securityGrades).default('B') }).strict(),
  /** The newest privacy audit of the period talks to no third party the one before it did not. */
  z.object({ ...common, type: z.literal('third-parties') }).strict(),
  z
    .object({
      ...common,
      type: z.literal('backup'),
      /** Never longer than this since a backup last succeeded (every backup job of the site, or `job`). */
      within: duration({ min: HOUR, max: 40 * DAY }).prefault('26h'),
      job: z.string().min(1).max(120).optional(),
    })
    .strict(),
  z
    .object({
      ...common,
      type: z.literal('restore-drill'),
      /** A restore drill succeeded at least this often. */
      within: duration({ min: DAY, max: 400 * DAY }).prefault('31d'),
      job: z.string().min(1).max(120).optional(),
    })
    .strict(),
] as const;

/**
 * A goal of a site, in upkeep.yaml under the site and in the API as part of the site:
 * availability (share of checks up or degraded), latency (a percentile of response times), or a
 * goal from audits (performance score, LCP, security grade, no new third party) or backups (last
 * success, restore drills).
 *
 * @example { name: 'Available', type: 'availability', target: 99.9, window: '30d' }
 */
export const objectiveSchema = z.discriminatedUnion('type', [
  z
    .object({
      ...common,
      type: z.literal('availability'),
      /** Percent of checks that must be up (or degraded), e.g. 99.9. */
      target: z.number().gt(0, 'a target is a percentage above 0').lt(100, 'a target below 100 % leaves an error budget; 100 % leaves none'),
      /** Multi-window, multi-burn-rate alerts (pages and tickets through incidents). */
      alert: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      ...common,
      type: z.literal('latency'),
      percentile: z.union([z.literal(50), z.literal(95), z.literal(99)]).default(95),
      /** The percentile of response times must stay under this. */
      under: duration({ min: 1, max: 120_000 }),
    })
    .strict(),
  ...goalTypes,
]);
/** The types measured from checks (the others come from audits and backups). */
export type CheckObjective = Extract<z.output<typeof objectiveSchema>, { type: 'availability' | 'latency' }>;
export type ObjectiveSpec = z.output<typeof objectiveSchema>;

/** A site's objectives: names are unique within the site (history and alerts are kept by name). */
export const objectivesSchema = z
  .array(objectiveSchema)
  .max(50, 'at most 50 objectives per site')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((o, i) => {
      if (seen.has(o.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two objectives are named "${o.name}"` });
      seen.add(o.name);
    });
  });
