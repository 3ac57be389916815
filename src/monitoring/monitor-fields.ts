import { z } from 'zod';
import { duration } from '../config/duration.js';
import { channelRefs, markdown, objectName, tags } from '../config/fields.js';
import { checkLocations, locationFields } from './locations.js';
import { heartbeatFields } from './checks/other.schema.js';

/** Fields every monitor has, whatever its type. */
const baseFields = {
  name: objectName('monitor'),
  description: z.string().max(2_000).optional(),
  paused: z.boolean().default(false),
  tags,
  notify: channelRefs,
  /** Markdown, or a link to the runbook; linked in every alert about this monitor. */
  runbook: markdown.optional(),
  /** How bad it is when this monitor fails (default: down is major, degraded is minor). */
  severity: z.enum(['critical', 'major', 'minor']).optional(),
  /** Monitors of the same site this one depends on: while one of them is down, this one's failure alerts nobody. */
  dependsOn: z.array(z.string().min(1)).optional(),
};

/** Fields of monitors that Upkeep runs itself on an interval (all but heartbeats). */
function probingFields(defaultInterval: string) {
  return {
    interval: duration({ min: 1_000 }).prefault(defaultInterval),
    timeout: duration({ min: 100, max: 300_000 }).prefault('10s'),
    /** The quicker interval used while a failure is being confirmed. */
    retryInterval: duration({ min: 1_000 }).optional(),
    /** Consecutive failures before the monitor is down. */
    downAfter: z.number().int().min(1).max(100).default(2),
    /** Consecutive successes before a down monitor is up again. */
    upAfter: z.number().int().min(1).max(100).default(1),
    allowPrivateTargets: z.boolean().optional(),
    ...locationFields,
  };
}

/**
 * The schema of a monitor type Upkeep runs itself: every monitor's fields, the schedule's, and its own.
 *
 * @example probeMonitor('smtp', { host: hostName, port }, '5m')
 */
export function probeMonitor<const K extends string, S extends z.ZodRawShape>(type: K, fields: S, defaultInterval = '60s') {
  return z
    .object({ type: z.literal(type), ...baseFields, ...probingFields(defaultInterval), ...fields })
    .strict()
    .superRefine((m, ctx) => checkLocations(m as { locations?: string[]; quorum?: number }, ctx));
}

export const heartbeatMonitor = z
  .object({ type: z.literal('heartbeat'), ...baseFields, ...heartbeatFields })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.period === undefined) === (m.schedule === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['period'], message: 'a heartbeat needs either "period" or "schedule" (cron), not both and not neither' });
    }
  });

/**
 * Fields anyone who may change a monitor may change, also on one that may reach private addresses:
 * names, schedule and alerting decide neither where a check goes nor what it asks or looks for.
 * Locations do (a probe inside another network reaches that network's private addresses).
 */
export const monitorFreeFields: ReadonlySet<string> = new Set([
  ...Object.keys(baseFields),
  ...Object.keys(probingFields('60s')).filter((key) => key !== 'allowPrivateTargets' && key !== 'locations'),
]);
