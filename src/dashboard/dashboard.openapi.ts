import { z } from 'zod';
import { monitorKinds } from '../monitoring/monitor.schema.js';
import { statuses } from '../monitoring/monitoring.openapi.js';
import { pillarNames } from './pillars.js';

/** Answers of the dashboard's routes, for the OpenAPI document. */

const iso = z.iso.datetime({ offset: true });
const managedBy = z.enum(['config', 'api']);
const pillar = z.object({
  state: z.enum(['good', 'warning', 'bad', 'unknown', 'not_set_up']),
  summary: z.string().describe('one line: "3 of 3 up · 99.98 % (24h)"'),
});
const page = z.object({ total: z.number().int(), limit: z.number().int(), nextCursor: z.string().nullable() });

export const portfolioOut = z.object({
  data: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      url: z.string().nullable(),
      tags: z.array(z.string()),
      managedBy,
      owner: z.string().nullable().describe("the owner's email (new incidents are assigned to it)"),
      deputy: z.string().nullable(),
      ownerFlag: z
        .enum(['no_owner', 'no_account'])
        .nullable()
        .describe('no_owner: nobody is named; no_account: the named owner has no account here; null: the owner is an account'),
      monitors: z.number().int(),
      overdueRoutines: z.number().int().describe('routines of the site past their due time, not done'),
      pillars: z.object(Object.fromEntries(pillarNames.map((name) => [name, pillar])) as Record<(typeof pillarNames)[number], typeof pillar>),
      incident: z.object({ id: z.number().int(), title: z.string(), severity: z.string(), status: z.string(), openedAt: iso }).nullable(),
    }),
  ),
  totals: z.object({
    sites: z.number().int(),
    monitors: z.object(Object.fromEntries(statuses.options.map((s) => [s, z.number().int()])) as Record<z.infer<typeof statuses>, z.ZodNumber>),
    openIncidents: z.number().int(),
    overdueRoutines: z.number().int(),
    withoutOwner: z.number().int().describe('sites in reach (matching the search and tag) without an owner'),
  }),
  page,
});

export const monitorStatesOut = z.object({
  data: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      siteId: z.number().int(),
      site: z.string(),
      type: monitorKinds.nameSchema,
      managedBy,
      status: statuses,
      since: iso,
      flapping: z.boolean(),
      slow: z.string().nullable(),
      lastCheckAt: iso.nullable(),
      lastMessage: z.string().nullable(),
      checks: z.number().int(),
      uptime: z.number().nullable(),
      avgLatency: z.number().nullable(),
    }),
  ),
  page,
});

const ms = z.number().nullable();
export const seriesOut = z.object({
  from: iso,
  to: iso,
  bucketSeconds: z.number().int(),
  data: z.array(
    z.object({
      at: iso,
      checks: z.number().int(),
      up: z.number().int(),
      degraded: z.number().int(),
      down: z.number().int(),
      uptime: z.number().nullable(),
      latency: z.object({ avg: ms, p95: ms }),
      phases: z.object({ dns: z.number(), connect: z.number(), tls: z.number(), ttfb: z.number(), transfer: z.number() }).nullable(),
    }),
  ),
});
