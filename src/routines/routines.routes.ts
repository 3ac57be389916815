import type { FastifyInstance, FastifyRequest } from 'fastify';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, listSchema, parseId } from '../http/schema.js';
import { actorOf } from '../incidents/incidents.routes.js';
import { toIso, type Clock } from '../lib/clock.js';
import type { SitesService } from '../sites/sites.service.js';
import { checklistOf, completionInput, routineSchema, routineTemplates } from './routine.schema.js';
import { routineOut, runOut, templateOut } from './routines.openapi.js';
import type { RunRow } from './routines.repository.js';
import { encodeRoutine, type Routine, type RoutinesService } from './routines.service.js';
import { siteOfPath } from '../sites/site-access.js';

export interface RoutineRouteDeps {
  routines: RoutinesService;
  sites: SitesService;
  clock: Clock;
}

const showRun = (r: RunRow) => ({
  id: r.id,
  routineId: r.routine_id,
  dueAt: r.due_at === null ? null : toIso(Number(r.due_at)),
  completedAt: toIso(Number(r.completed_at)),
  completedBy: r.completed_by,
  notes: r.notes,
  evidence: JSON.parse(r.evidence) as string[],
  checklist: JSON.parse(r.checklist) as { text: string; done: boolean }[],
});

/** Routines in the API: per site, scoped like the site; done with notes and evidence; their history. */
export function routinesRoutes(app: FastifyInstance, deps: RoutineRouteDeps): void {
  const tag = 'routines';
  const show = (r: Routine) => ({
    id: r.id,
    siteId: r.siteId,
    ...encodeRoutine(r.spec),
    checklist: [...checklistOf(r.spec)],
    managedBy: r.managedBy,
    dueAt: r.dueAt === null ? null : toIso(r.dueAt),
    overdue: r.dueAt !== null && r.dueAt <= deps.clock.now(),
    createdAt: toIso(r.createdAt),
    updatedAt: toIso(r.updatedAt),
  });
  const site = (req: FastifyRequest, need: 'read' | 'write') => siteOfPath(req, deps.sites, need);
  const routine = async (req: FastifyRequest, need: 'read' | 'write') => {
    const r = await deps.routines.get(parseId(req));
    accessOf(req).require(siteRefOf.site(await deps.sites.getSite(r.siteId)), need, `routine ${r.id}`);
    return r;
  };
  const one = { description: 'The routine', schema: routineOut };

  app.get(
    '/routine-templates',
    {
      schema: operation({
        tag,
        summary: 'Checklists routines can start from',
        ok: { 200: { description: 'Every template', schema: listSchema(templateOut) } },
      }),
    },
    async () => ({ data: Object.entries(routineTemplates).map(([name, t]) => ({ name, title: t.title, items: [...t.items] })) }),
  );
  app.get(
    '/sites/:id/routines',
    {
      schema: operation({
        tag,
        summary: "The site's routines",
        params: idParams,
        ok: { 200: { description: 'Its routines', schema: listSchema(routineOut) } },
      }),
    },
    async (req) => ({ data: (await deps.routines.list(await site(req, 'read'))).map(show) }),
  );
  app.post(
    '/sites/:id/routines',
    { schema: operation({ tag, summary: 'Add a routine to the site', params: idParams, body: routineSchema, ok: { 201: one }, errors: [409] }) },
    async (req, reply) => reply.status(201).send(show(await deps.routines.create(await site(req, 'write'), req.body, { who: accessOf(req).principal }))),
  );
  app.get('/routines/:id', { schema: operation({ tag, summary: 'A routine', params: idParams, ok: { 200: one } }) }, async (req) =>
    show(await routine(req, 'read')),
  );
  app.put(
    '/routines/:id',
    {
      schema: operation({
        tag,
        summary: 'Replace a routine (one from upkeep.yaml: 409)',
        params: idParams,
        body: routineSchema,
        ok: { 200: one },
        errors: [409],
      }),
    },
    async (req) => show(await deps.routines.replace((await routine(req, 'write')).id, req.body, { who: accessOf(req).principal })),
  );
  app.delete(
    '/routines/:id',
    { schema: operation({ tag, summary: 'Delete a routine (one from upkeep.yaml: 409)', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      await deps.routines.delete((await routine(req, 'write')).id);
      return reply.status(204).send();
    },
  );
  app.post(
    '/routines/:id/complete',
    {
      schema: operation({
        tag,
        summary: 'Record that it was done (notes, evidence links, items done); it moves to its next due time',
        params: idParams,
        body: completionInput,
        ok: { 201: { description: 'The entry in its history', schema: runOut } },
      }),
    },
    async (req, reply) => reply.status(201).send(showRun(await deps.routines.complete((await routine(req, 'write')).id, req.body, actorOf(req)))),
  );
  app.get(
    '/routines/:id/history',
    {
      schema: operation({
        tag,
        summary: 'When it was done, by whom, with what',
        params: idParams,
        ok: { 200: { description: 'Newest first', schema: listSchema(runOut) } },
      }),
    },
    async (req) => ({ data: (await deps.routines.history((await routine(req, 'read')).id)).map(showRun) }),
  );
}
