import type { FastifyInstance, FastifyRequest } from 'fastify';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import type { SitesService } from '../sites/sites.service.js';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { parseInput } from '../config/validate.js';
import { errorBody, jsonSchema, parseId } from '../http/schema.js';
import { toIso, type Clock } from '../lib/clock.js';
import { OutboxRepository } from '../notify/outbox.repository.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { IncidentRow } from './incidents.repository.js';
import type { IncidentsService } from './incidents.service.js';
import type { MaintenanceCalendar } from './maintenance.js';
import { maintenanceSchema } from './incidents.schema.js';
import type { MaintenanceService, MaintenanceWindow } from './maintenance.service.js';

const listQuery = z.object({
  status: z.enum(['open', 'resolved']).optional(),
  siteId: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
});
const upcomingQuery = z.object({ window: duration({ min: 60_000, max: 366 * 86_400_000 }).prefault('7d') });

/** Who did it, for the timeline: the person, or the API token. */
export const actorOf = (req: FastifyRequest) => req.principal?.label ?? 'someone';

const iso = (ms: number | null) => (ms === null ? null : toIso(ms));

export const showIncident = (i: IncidentRow) => ({
  id: i.id,
  siteId: i.site_id,
  title: i.title,
  severity: i.severity,
  status: i.status,
  origin: i.origin,
  summary: i.summary,
  owner: i.owner,
  openedAt: toIso(i.opened_at),
  acknowledgedAt: iso(i.acknowledged_at),
  acknowledgedBy: i.acknowledged_by,
  resolvedAt: iso(i.resolved_at),
  resolvesAt: iso(i.resolve_at),
  /** Time to acknowledge and to resolve, in seconds. */
  durations: {
    toAcknowledge: i.acknowledged_at === null ? null : Math.round((i.acknowledged_at - i.opened_at) / 1000),
    toResolve: i.resolved_at === null ? null : Math.round((i.resolved_at - i.opened_at) / 1000),
  },
  escalation: i.escalation_policy ? { policy: i.escalation_policy, step: i.escalation_step + 1, nextAt: iso(i.next_escalation_at) } : null,
  postmortem: i.postmortem ? (JSON.parse(i.postmortem) as unknown) : null,
});

const errors = { 400: jsonSchema(errorBody), 401: jsonSchema(errorBody), 404: jsonSchema(errorBody), 409: jsonSchema(errorBody) };

/** Incidents, their delivery log, and maintenance windows to come. */
export function incidentsRoutes(
  app: FastifyInstance,
  deps: {
    incidents: IncidentsService;
    maintenance: MaintenanceService;
    calendar: MaintenanceCalendar;
    sites: SitesService;
    db: Kysely<Database>;
    clock: Clock;
  },
): void {
  const { incidents, maintenance } = deps;
  /** The incident of the request, if the caller may see its site (and change things there, for `write`). */
  const incidentFor = async (req: FastifyRequest, need: 'read' | 'write') => {
    const incident = await incidents.get(parseId(req));
    accessOf(req).require(siteRefOf.site(await deps.sites.getSite(incident.site_id)), need);
    return incident.id;
  };
  const global = (req: FastifyRequest) => accessOf(req).requireGlobal(req.method === 'GET' ? 'read' : 'write');
  const tags = { tags: ['incidents'], security: [{ bearer: [] }] };

  app.get('/incidents', { schema: { ...tags, summary: 'List incidents, newest first', querystring: jsonSchema(listQuery), response: errors } }, async (req) => {
    const q = parseInput(listQuery, req.query);
    const visible = await accessOf(req).visibleSites();
    const rows = await incidents.list({
      status: q.status,
      siteId: q.siteId,
      siteIds: visible === 'all' ? undefined : visible,
      limit: q.limit,
      beforeId: q.cursor,
    });
    return { data: rows.map(showIncident), page: { limit: q.limit, nextCursor: rows.length === q.limit ? String(rows.at(-1)!.id) : null } };
  });
  app.post(
    '/incidents',
    { schema: { ...tags, summary: 'Open an incident by hand', body: { type: 'object' }, response: { 201: { type: 'object' }, ...errors } } },
    async (req, reply) => {
      const siteId = (req.body as { siteId?: unknown } | null)?.siteId;
      if (typeof siteId === 'number') accessOf(req).require(siteRefOf.site(await deps.sites.getSite(siteId)), 'write');
      return reply.status(201).send(showIncident(await incidents.open(req.body, actorOf(req))));
    },
  );
  app.get('/incidents/:id', { schema: { ...tags, summary: 'An incident with its monitors and timeline', response: errors } }, async (req) => {
    const { incident, monitors, timeline } = await incidents.details(await incidentFor(req, 'read'));
    return {
      ...showIncident(incident),
      monitors: monitors.map((m) => ({ monitorId: m.monitor_id, status: m.status, message: m.message, since: toIso(m.since) })),
      timeline: timeline.map((t) => ({ at: toIso(t.at), kind: t.kind, message: t.message, author: t.author })),
    };
  });
  app.patch(
    '/incidents/:id',
    {
      schema: { ...tags, summary: 'Assign, change severity, write the postmortem (impact, rootCause, followUps)', body: { type: 'object' }, response: errors },
    },
    async (req) => showIncident(await incidents.change(await incidentFor(req, 'write'), req.body, actorOf(req))),
  );
  app.post('/incidents/:id/acknowledge', { schema: { ...tags, summary: 'Acknowledge: stops escalation', response: errors } }, async (req) =>
    showIncident(await incidents.acknowledge(await incidentFor(req, 'write'), actorOf(req))),
  );
  app.post('/incidents/:id/resolve', { schema: { ...tags, summary: 'Resolve', response: errors } }, async (req) =>
    showIncident(await incidents.resolve(await incidentFor(req, 'write'), actorOf(req))),
  );
  app.post(
    '/incidents/:id/notes',
    { schema: { ...tags, summary: 'Add a note to the timeline', body: { type: 'object' }, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      await incidents.note(await incidentFor(req, 'write'), req.body, actorOf(req));
      return reply.status(204).send();
    },
  );
  app.get(
    '/incidents/:id/notifications',
    { schema: { ...tags, summary: 'Every message sent about an incident, with each delivery attempt', response: errors } },
    async (req) => {
      const id = await incidentFor(req, 'read');
      const outbox = new OutboxRepository(deps.db);
      const rows = await outbox.forIncident(id);
      const attempts = await outbox.attempts(rows.map((r) => r.id));
      return {
        data: rows.map((r) => ({
          id: r.id,
          channel: r.channel_name,
          event: r.event,
          status: r.status,
          createdAt: toIso(r.created_at),
          deliveredAt: iso(r.delivered_at),
          nextAttemptAt: r.status === 'pending' ? toIso(r.next_attempt_at) : null,
          lastError: r.last_error,
          attempts: attempts
            .filter((a) => a.notification_id === r.id)
            .map((a) => ({ at: toIso(a.at), ok: a.ok === 1, statusCode: a.status_code, message: a.message, durationMs: a.duration_ms })),
        })),
      };
    },
  );
  const windowTags = { tags: ['maintenance'], security: [{ bearer: [] }] };
  const showWindow = (w: MaintenanceWindow) => ({ id: w.id, ...(z.encode(maintenanceSchema, w.spec) as object), managedBy: w.managedBy });
  const body = jsonSchema(maintenanceSchema);
  app.get(
    '/maintenance',
    { schema: { ...windowTags, summary: 'List maintenance windows', response: errors } },
    async (req) => (global(req), { data: (await maintenance.list()).map(showWindow) }),
  );
  app.post(
    '/maintenance',
    { schema: { ...windowTags, summary: 'Add a maintenance window', body, response: { 201: { type: 'object' }, ...errors } } },
    async (req, reply) => {
      global(req);
      return reply.status(201).send(showWindow(await maintenance.create(req.body)));
    },
  );
  app.get(
    '/maintenance/:id',
    { schema: { ...windowTags, summary: 'A maintenance window', response: errors } },
    async (req) => (global(req), showWindow(await maintenance.get(parseId(req)))),
  );
  app.put(
    '/maintenance/:id',
    { schema: { ...windowTags, summary: 'Replace a maintenance window', body, response: errors } },
    async (req) => (global(req), showWindow(await maintenance.replace(parseId(req), req.body))),
  );
  app.delete(
    '/maintenance/:id',
    { schema: { ...windowTags, summary: 'Delete a maintenance window', response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      global(req);
      await maintenance.delete(parseId(req));
      return reply.status(204).send();
    },
  );
  app.get(
    '/maintenance/upcoming',
    {
      schema: {
        tags: ['maintenance'],
        security: [{ bearer: [] }],
        summary: 'Maintenance windows in force or coming, soonest first',
        querystring: jsonSchema(upcomingQuery),
        response: errors,
      },
    },
    async (req) => {
      global(req);
      const q = parseInput(upcomingQuery, req.query);
      const now = deps.clock.now();
      return {
        data: deps.calendar.upcoming(now, now + q.window).map((w) => ({
          name: w.name,
          description: w.spec.description ?? null,
          start: toIso(w.occurrence.start),
          end: toIso(w.occurrence.end),
          active: w.occurrence.start <= now,
          covers: { sites: w.spec.sites ?? [], monitors: w.spec.monitors ?? [], tags: w.spec.tags ?? [] },
        })),
      };
    },
  );
}
