import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, listSchema, parseId } from '../http/schema.js';
import { toIso } from '../lib/clock.js';
import type { SitesService } from '../sites/sites.service.js';
import type { PlannedRow } from './planned-work.repository.js';
import { plannedInput, plannedKinds, plannedStates, type PlannedWorkService } from './planned-work.service.js';
import { siteOfPath } from '../sites/site-access.js';

const iso = z.iso.datetime({ offset: true });
const plannedOut = z.object({
  id: z.number().int(),
  siteId: z.number().int(),
  title: z.string(),
  kind: z.enum(plannedKinds),
  targetDate: z.string().describe('YYYY-MM-DD'),
  state: z.enum(plannedStates),
  notes: z.string(),
  maintenance: z.object({ id: z.number().int(), name: z.string() }).nullable().describe('the maintenance window it is done in'),
  managedBy: z.enum(['config', 'api']).describe('config: written in upkeep.yaml (plannedWork:), changed only there'),
  createdAt: iso,
  updatedAt: iso,
});

const show = (r: PlannedRow) => ({
  id: r.id,
  siteId: r.site_id,
  title: r.title,
  kind: r.kind,
  targetDate: r.target_date,
  state: r.state,
  notes: r.notes,
  maintenance: r.maintenance_id !== null && r.maintenance_name !== null ? { id: r.maintenance_id, name: r.maintenance_name } : null,
  managedBy: r.managed_by,
  createdAt: toIso(Number(r.created_at)),
  updatedAt: toIso(Number(r.updated_at)),
});

/** Planned work in the API: upgrades and redesigns per site, scoped like the site. */
export function plannedWorkRoutes(app: FastifyInstance, deps: { planned: PlannedWorkService; sites: SitesService }): void {
  const tag = 'planned work';
  const one = { description: 'The planned item', schema: plannedOut };
  const site = (req: FastifyRequest, need: 'read' | 'write') => siteOfPath(req, deps.sites, need);
  const item = async (req: FastifyRequest, need: 'read' | 'write') => {
    const row = await deps.planned.get(parseId(req));
    accessOf(req).require(siteRefOf.site(await deps.sites.getSite(row.site_id)), need, `planned work ${row.id}`);
    return row.id;
  };

  app.get(
    '/sites/:id/planned-work',
    {
      schema: operation({
        tag,
        summary: "The site's planned upgrades and redesigns, by target date",
        params: idParams,
        ok: { 200: { description: 'Planned work', schema: listSchema(plannedOut) } },
      }),
    },
    async (req) => ({ data: (await deps.planned.list(await site(req, 'read'))).map(show) }),
  );
  app.post(
    '/sites/:id/planned-work',
    { schema: operation({ tag, summary: 'Plan an upgrade or redesign of the site', params: idParams, body: plannedInput, ok: { 201: one }, errors: [409] }) },
    async (req, reply) => reply.status(201).send(show(await deps.planned.create(await site(req, 'write'), req.body, accessOf(req).global))),
  );
  app.get('/planned-work/:id', { schema: operation({ tag, summary: 'A planned item', params: idParams, ok: { 200: one } }) }, async (req) =>
    show(await deps.planned.get(await item(req, 'read'))),
  );
  app.put(
    '/planned-work/:id',
    {
      schema: operation({
        tag,
        summary: 'Replace a planned item (its state, date, window…)',
        params: idParams,
        body: plannedInput,
        ok: { 200: one },
        errors: [409],
      }),
    },
    async (req) => show(await deps.planned.replace(await item(req, 'write'), req.body, accessOf(req).global)),
  );
  app.delete(
    '/planned-work/:id',
    { schema: operation({ tag, summary: 'Delete a planned item', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      await deps.planned.delete(await item(req, 'write'));
      return reply.status(204).send();
    },
  );
}
