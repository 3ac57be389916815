import type { FastifyInstance, FastifyRequest } from 'fastify';
import { maxId } from '../lib/ids.js';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import type { SitesService } from '../sites/sites.service.js';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { parseInput } from '../config/validate.js';
import { operation } from '../http/operation.js';
import { idParams, listSchema, pageSchema, parseId, queryNumber } from '../http/schema.js';
import { toIso, type Clock } from '../lib/clock.js';
import type { Outbox } from '../notify/outbox.service.js';
import type { IncidentRow } from './incidents.repository.js';
import { changeSchema, manualSchema, noteSchema, type IncidentsService } from './incidents.service.js';
import { incidentDetails, incidentOut, notificationsOut, upcomingOut, windowOut } from './incidents.openapi.js';
import type { MaintenanceCalendar } from './maintenance.js';
import { maintenanceSchema } from './incidents.schema.js';
import type { MaintenanceService, MaintenanceWindow } from './maintenance.service.js';

const listQuery = z.object({
  status: z.enum(['open', 'resolved']).optional(),
  siteId: queryNumber(z.number().int().positive().max(maxId)).optional(),
  limit: queryNumber(z.number().int().min(1).max(200)).default(50),
  cursor: queryNumber(z.number().int().positive().max(maxId)).optional().describe('nextCursor of the previous page'),
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

/** Incidents, their delivery log, and maintenance windows to come. */
export function incidentsRoutes(
  app: FastifyInstance,
  deps: {
    incidents: IncidentsService;
    maintenance: MaintenanceService;
    calendar: MaintenanceCalendar;
    sites: SitesService;
    outbox: Outbox;
    clock: Clock;
  },
): void {
  const { incidents, maintenance } = deps;
  /** The incident of the request, if the caller may see its site (and change things there, for `write`). */
  const incidentFor = async (req: FastifyRequest, need: 'read' | 'write') => {
    const incident = await incidents.get(parseId(req));
    accessOf(req).require(siteRefOf.site(await deps.sites.getSite(incident.site_id)), need, `incident ${incident.id}`);
    return incident.id;
  };
  const global = (req: FastifyRequest) => accessOf(req).requireGlobal(req.method === 'GET' ? 'read' : 'write');
  const tag = 'incidents';
  const one = { description: 'The incident', schema: incidentOut };

  app.get(
    '/incidents',
    {
      schema: operation({
        tag,
        summary: 'List incidents, newest first',
        query: listQuery,
        ok: { 200: { description: 'A page of incidents', schema: pageSchema(incidentOut, 'cursor') } },
      }),
    },
    async (req) => {
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
    },
  );
  app.post(
    '/incidents',
    {
      schema: operation({ tag, summary: 'Open an incident by hand', body: manualSchema, ok: { 201: one }, errors: [404] }),
    },
    async (req, reply) => {
      const spec = parseInput(manualSchema, req.body);
      accessOf(req).require(siteRefOf.site(await deps.sites.getSite(spec.siteId)), 'write');
      return reply.status(201).send(showIncident(await incidents.open(spec, actorOf(req))));
    },
  );
  app.get(
    '/incidents/:id',
    { schema: operation({ tag, summary: 'An incident with its monitors and timeline', params: idParams, ok: { 200: incidentDetails } }) },
    async (req) => {
      const { incident, monitors, timeline } = await incidents.details(await incidentFor(req, 'read'));
      return {
        ...showIncident(incident),
        monitors: monitors.map((m) => ({ monitorId: m.monitor_id, status: m.status, message: m.message, since: toIso(m.since) })),
        timeline: timeline.map((t) => ({ at: toIso(t.at), kind: t.kind, message: t.message, author: t.author })),
      };
    },
  );
  app.patch(
    '/incidents/:id',
    {
      schema: operation({
        tag,
        summary: 'Assign, change severity, write the postmortem (impact, rootCause, followUps)',
        params: idParams,
        body: changeSchema,
        ok: { 200: one },
      }),
    },
    async (req) => showIncident(await incidents.change(await incidentFor(req, 'write'), req.body, actorOf(req))),
  );
  app.post(
    '/incidents/:id/acknowledge',
    { schema: operation({ tag, summary: 'Acknowledge: stops escalation (409 once resolved)', params: idParams, ok: { 200: one }, errors: [409] }) },
    async (req) => showIncident(await incidents.acknowledge(await incidentFor(req, 'write'), actorOf(req))),
  );
  app.post('/incidents/:id/resolve', { schema: operation({ tag, summary: 'Resolve', params: idParams, ok: { 200: one } }) }, async (req) =>
    showIncident(await incidents.resolve(await incidentFor(req, 'write'), actorOf(req))),
  );
  app.post(
    '/incidents/:id/notes',
    { schema: operation({ tag, summary: 'Add a note to the timeline', params: idParams, body: noteSchema, ok: { 204: null } }) },
    async (req, reply) => {
      await incidents.note(await incidentFor(req, 'write'), req.body, actorOf(req));
      return reply.status(204).send();
    },
  );
  app.get(
    '/incidents/:id/notifications',
    {
      schema: operation({ tag, summary: 'Every message sent about an incident, with each delivery attempt', params: idParams, ok: { 200: notificationsOut } }),
    },
    async (req) => {
      const id = await incidentFor(req, 'read');
      const { messages: rows, attempts } = await deps.outbox.deliveryLog(id);
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
  const windowTag = 'maintenance';
  const showWindow = (w: MaintenanceWindow) => ({ id: w.id, ...(z.encode(maintenanceSchema, w.spec) as object), managedBy: w.managedBy });
  const window = { description: 'The maintenance window', schema: windowOut };
  app.get(
    '/maintenance',
    { schema: operation({ tag: windowTag, summary: 'List maintenance windows', ok: { 200: { description: 'Every window', schema: listSchema(windowOut) } } }) },
    async (req) => (global(req), { data: (await maintenance.list()).map(showWindow) }),
  );
  app.post(
    '/maintenance',
    { schema: operation({ tag: windowTag, summary: 'Add a maintenance window', body: maintenanceSchema, ok: { 201: window }, errors: [409] }) },
    async (req, reply) => {
      global(req);
      return reply.status(201).send(showWindow(await maintenance.create(req.body)));
    },
  );
  app.get(
    '/maintenance/:id',
    { schema: operation({ tag: windowTag, summary: 'A maintenance window', params: idParams, ok: { 200: window } }) },
    async (req) => (global(req), showWindow(await maintenance.get(parseId(req)))),
  );
  app.put(
    '/maintenance/:id',
    {
      schema: operation({
        tag: windowTag,
        summary: 'Replace a maintenance window',
        params: idParams,
        body: maintenanceSchema,
        ok: { 200: window },
        errors: [409],
      }),
    },
    async (req) => (global(req), showWindow(await maintenance.replace(parseId(req), req.body))),
  );
  app.delete(
    '/maintenance/:id',
    { schema: operation({ tag: windowTag, summary: 'Delete a maintenance window', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      global(req);
      await maintenance.delete(parseId(req));
      return reply.status(204).send();
    },
  );
  app.get(
    '/maintenance/upcoming',
    {
      schema: operation({ tag: windowTag, summary: 'Maintenance windows in force or coming, soonest first', query: upcomingQuery, ok: { 200: upcomingOut } }),
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
