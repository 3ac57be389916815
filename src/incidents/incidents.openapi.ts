import { z } from 'zod';
import { storedSchema } from '../http/schema.js';
import { maintenanceSchema, severities } from './incidents.schema.js';

/** Answers of the incident and maintenance routes, for the OpenAPI document. */

const iso = z.iso.datetime({ offset: true });

export const incidentOut = z.object({
  id: z.number().int(),
  siteId: z.number().int(),
  title: z.string(),
  severity: z.enum(severities),
  status: z.enum(['open', 'acknowledged', 'resolved']),
  origin: z
    .enum(['auto', 'manual', 'audit', 'objective', 'updates'])
    .describe(
      'auto: opened by monitors; audit: by an audit’s regressions; objective: by an objective’s burn rate; updates: by a vulnerable or end-of-life component; manual: by a person',
    ),
  summary: z.string(),
  owner: z.string().nullable(),
  openedAt: iso,
  acknowledgedAt: iso.nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: iso.nullable(),
  resolvesAt: iso.nullable().describe('when it resolves by itself, once its monitors are up'),
  durations: z.object({ toAcknowledge: z.number().int().nullable(), toResolve: z.number().int().nullable() }).describe('in seconds'),
  escalation: z.object({ policy: z.string(), step: z.number().int(), nextAt: iso.nullable() }).nullable(),
  postmortem: z.object({ impact: z.string().optional(), rootCause: z.string().optional(), followUps: z.array(z.string()).optional() }).nullable(),
});

export const incidentDetails = incidentOut.extend({
  monitors: z.array(z.object({ monitorId: z.number().int(), status: z.string(), message: z.string(), since: iso })),
  timeline: z.array(z.object({ at: iso, kind: z.string(), message: z.string(), author: z.string().nullable() })),
});

export const notificationsOut = z.object({
  data: z.array(
    z.object({
      id: z.string().describe('the Idempotency-Key receivers see on every attempt'),
      channel: z.string(),
      event: z.string(),
      status: z.enum(['pending', 'delivered', 'failed', 'cancelled']),
      createdAt: iso,
      deliveredAt: iso.nullable(),
      nextAttemptAt: iso.nullable(),
      lastError: z.string().nullable(),
      attempts: z.array(
        z.object({ at: iso, ok: z.boolean(), statusCode: z.number().int().nullable(), message: z.string().nullable(), durationMs: z.number() }),
      ),
    }),
  ),
});

export const windowOut = storedSchema(maintenanceSchema, {
  meta: z.object({
    id: z.number().int(),
    managedBy: z.enum(['config', 'api']).describe('"config": defined in upkeep.yaml and changed there; "api": made in the API or dashboard'),
  }),
});

export const upcomingOut = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      description: z.string().nullable(),
      start: iso,
      end: iso,
      active: z.boolean(),
      covers: z.object({ sites: z.array(z.string()), monitors: z.array(z.string()), tags: z.array(z.string()) }),
    }),
  ),
});
