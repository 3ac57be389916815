import { z } from 'zod';
import { monitorKinds } from './monitor.schema.js';

/** Answers of the monitoring routes, for the OpenAPI document. */

const iso = z.iso.datetime({ offset: true });
const outcome = z.enum(['up', 'degraded', 'down']);
export const statuses = z.enum(['up', 'degraded', 'down', 'pending', 'paused', 'maintenance']);

export const statusOut = z.object({
  status: statuses,
  health: z.enum(['pending', 'up', 'degraded', 'down']).describe('what the checks say, whatever pause or maintenance'),
  since: iso,
  flapping: z.boolean(),
  slow: z.string().nullable().describe('why latency is well above its usual, when it is'),
  lastCheckAt: iso.nullable(),
  lastMessage: z.string().nullable(),
  recent: z.array(z.object({ at: iso, status: outcome, message: z.string(), durationMs: z.number().nullable(), statusCode: z.number().int().nullable() })),
  locations: z
    .array(
      z.object({
        location: z.string(),
        status: z.enum(['up', 'degraded', 'down', 'unavailable']).describe('unavailable: nothing heard from there for 3 intervals; it counts neither way'),
        at: iso.nullable(),
        durationMs: z.number().nullable(),
        message: z.string().nullable(),
      }),
    )
    .nullable()
    .describe('monitors with locations: what each saw at the last check (null for others, or before the first check on this node)'),
});

const ms = z.number().nullable();
export const resultOut = z.object({
  at: iso,
  status: outcome,
  durationMs: ms,
  timings: z.object({ dns: ms, connect: ms, tls: ms, ttfb: ms, transfer: ms }).nullable().describe('HTTP checks: each phase in ms'),
  statusCode: z.number().int().nullable(),
  message: z.string(),
  detail: z.record(z.string(), z.unknown()).nullable().describe('evidence and facts: bytes, final URL, certificate expiry, DNS answers…'),
});

export const summaryOut = z.object({
  from: iso,
  to: iso,
  checks: z.number().int(),
  up: z.number().int(),
  degraded: z.number().int(),
  down: z.number().int(),
  uptime: z.number().nullable().describe('percent of checks up or degraded; null without checks'),
  latency: z.object({ avg: ms, min: ms, max: ms, p50: ms, p95: ms, p99: ms }),
  phases: z.object({ dns: z.number(), connect: z.number(), tls: z.number(), ttfb: z.number(), transfer: z.number() }).nullable(),
});

export const eventOut = z.object({
  id: z.number().int(),
  at: iso,
  kind: z.enum(['status', 'flapping_started', 'flapping_stopped']),
  monitorId: z.number().int(),
  monitor: z.string(),
  site: z.string(),
  siteId: z.number().int(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  message: z.string(),
  evidence: z
    .array(
      z.object({
        at: z.number().int().describe('ms since 1970'),
        status: outcome,
        message: z.string(),
        statusCode: z.number().int().optional(),
        durationMs: z.number().optional(),
      }),
    )
    .describe('the results that caused it'),
});

export const checkAccepted = z.object({ accepted: z.literal(true) }).describe('The check runs now; its result shows in status and results');

const figures = { checks: z.number().int(), uptime: z.number().nullable(), avgLatency: z.number().nullable() };
export const overviewOut = z.object({
  from: iso,
  to: iso,
  data: z.array(
    z.object({ monitorId: z.number().int(), name: z.string(), site: z.string(), type: monitorKinds.nameSchema, status: statuses, since: iso, ...figures }),
  ),
  page: z.object({ limit: z.number().int(), nextCursor: z.string().nullable() }),
});
