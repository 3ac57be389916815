import type { FastifyInstance, FastifyRequest } from 'fastify';
import { siteRefOf, type Access } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { toIso } from '../lib/clock.js';
import { errorBody, idParams, jsonSchema, pageOf, pageQuery, parseId } from '../http/schema.js';
import { monitorFreeFields, monitorSchema, monitorTypes, type MonitorSpec } from '../monitoring/monitor.schema.js';
import { siteSchema } from './site.schema.js';
import { encodeMonitor, type Authorize, type Monitor, type Site, type SitesService } from './sites.service.js';

const meta = z.object({
  id: z.number().int(),
  managedBy: z.enum(['config', 'api']).describe('"config": defined in upkeep.yaml and changed there; "api": made in the API or dashboard'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const siteOut = siteSchema.extend(meta.shape);
const monitorOut = monitorSchema.and(meta.extend({ siteId: z.number().int(), site: z.string() }));

const siteQuery = pageQuery.extend({ tag: z.string().optional(), q: z.string().optional() });
const monitorQuery = pageQuery.extend({
  tag: z.string().optional(),
  q: z.string().optional(),
  type: z.enum(monitorTypes).optional(),
  siteId: z.coerce.number().int().positive().optional(),
});

const showSite = (site: Site) => ({
  id: site.id,
  ...(z.encode(siteSchema, site.spec) as object),
  managedBy: site.managedBy,
  createdAt: toIso(site.createdAt),
  updatedAt: toIso(site.updatedAt),
});

/**
 * `server.publicUrl` makes ping URLs absolute; without it they are paths on this server. A ping URL
 * is a secret (whoever has it can report the job as run), shown only to those who may edit the site.
 */
const monitorView = (publicUrl: string | undefined) => (monitor: Monitor, access: Access) => ({
  id: monitor.id,
  siteId: monitor.siteId,
  site: monitor.siteName,
  ...encodeMonitor(monitor.spec),
  ...(monitor.spec.type === 'heartbeat' && monitor.pingKey && access.mayWrite(siteRefOf.monitor(monitor))
    ? { pingUrl: `${publicUrl?.replace(/\/$/, '') ?? ''}/ping/${monitor.pingKey}` }
    : {}),
  managedBy: monitor.managedBy,
  createdAt: toIso(monitor.createdAt),
  updatedAt: toIso(monitor.updatedAt),
});

const errors = { 400: jsonSchema(errorBody), 401: jsonSchema(errorBody), 404: jsonSchema(errorBody), 409: jsonSchema(errorBody) };
const patchBody = { type: 'object', description: 'A JSON merge patch (RFC 7396): fields given replace, null removes.' };

/** Sites and monitors: thin routes, every rule lives in SitesService. */
/**
 * `applied` is awaited after a monitor is made, changed or deleted, so the engine runs it (or stops it)
 * before the answer: a client that reads the status right after its change sees it.
 */
export function sitesRoutes(
  app: FastifyInstance,
  sites: SitesService,
  publicUrl?: string,
  applied: (monitorId: number) => Promise<void> = async () => {},
): void {
  const after = async <T extends { id: number }>(monitor: T): Promise<T> => {
    await applied(monitor.id);
    return monitor;
  };
  const view = monitorView(publicUrl);
  const showMonitor = (req: FastifyRequest) => (monitor: Monitor) => view(monitor, accessOf(req));
  const site = { tags: ['sites'], security: [{ bearer: [] }] };
  const monitor = { tags: ['monitors'], security: [{ bearer: [] }] };
  const id = jsonSchema(idParams);
  const reach = async (req: FastifyRequest) => {
    const visible = await accessOf(req).visibleSites();
    return visible === 'all' ? undefined : visible;
  };
  const siteFor = async (req: FastifyRequest, need: 'read' | 'write') => {
    const found = await sites.getSite(parseId(req));
    accessOf(req).require(siteRefOf.site(found), need);
    return found;
  };
  /** A site may be changed when in reach, and must stay in reach as changed. */
  const writer =
    (req: FastifyRequest): Authorize =>
    (s, when) =>
      when === 'before' ? accessOf(req).require(s, 'write') : accessOf(req).requireKept(s);
  const privateTargets = (req: FastifyRequest) => accessOf(req).guardPrivateTargets<MonitorSpec>(monitorFreeFields);
  const monitorFor = async (req: FastifyRequest, need: 'read' | 'write') => {
    const found = await sites.getMonitor(parseId(req));
    accessOf(req).require(siteRefOf.monitor(found), need);
    return found;
  };

  app.get(
    '/sites',
    { schema: { ...site, summary: 'List sites', querystring: jsonSchema(siteQuery), response: { 200: jsonSchema(pageOf(siteOut)), ...errors } } },
    async (req) => {
      const q = parseInput(siteQuery, req.query);
      const page = await sites.listSites({ limit: q.limit, afterId: q.cursor, tag: q.tag, search: q.q, siteIds: await reach(req) });
      return { data: page.items.map(showSite), page: { total: page.total, limit: q.limit, nextCursor: page.nextCursor } };
    },
  );
  app.post(
    '/sites',
    { schema: { ...site, summary: 'Create a site', body: jsonSchema(siteSchema), response: { 201: jsonSchema(siteOut), ...errors } } },
    async (req, reply) => reply.status(201).send(showSite(await sites.createSite(req.body, writer(req)))),
  );
  app.get('/sites/:id', { schema: { ...site, summary: 'Get a site', params: id, response: { 200: jsonSchema(siteOut), ...errors } } }, async (req) =>
    showSite(await siteFor(req, 'read')),
  );
  app.put(
    '/sites/:id',
    { schema: { ...site, summary: 'Replace a site', params: id, body: jsonSchema(siteSchema), response: { 200: jsonSchema(siteOut), ...errors } } },
    async (req) => showSite(await sites.updateSite(parseId(req), req.body, 'replace', writer(req))),
  );
  app.patch(
    '/sites/:id',
    { schema: { ...site, summary: 'Change some fields of a site', params: id, body: patchBody, response: { 200: jsonSchema(siteOut), ...errors } } },
    async (req) => showSite(await sites.updateSite(parseId(req), req.body, 'merge', writer(req))),
  );
  app.delete(
    '/sites/:id',
    { schema: { ...site, summary: 'Delete a site and its monitors', params: id, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      await sites.deleteSite((await siteFor(req, 'write')).id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/monitors',
    { schema: { ...monitor, summary: 'List monitors', querystring: jsonSchema(monitorQuery), response: { 200: jsonSchema(pageOf(monitorOut)), ...errors } } },
    async (req) => {
      const q = parseInput(monitorQuery, req.query);
      const page = await sites.listMonitors({
        limit: q.limit,
        afterId: q.cursor,
        tag: q.tag,
        search: q.q,
        type: q.type,
        siteId: q.siteId,
        siteIds: await reach(req),
      });
      return { data: page.items.map(showMonitor(req)), page: { total: page.total, limit: q.limit, nextCursor: page.nextCursor } };
    },
  );
  app.post(
    '/sites/:id/monitors',
    {
      schema: {
        ...monitor,
        summary: 'Add a monitor to a site',
        params: id,
        body: jsonSchema(monitorSchema),
        response: { 201: jsonSchema(monitorOut), ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(showMonitor(req)(await after(await sites.createMonitor((await siteFor(req, 'write')).id, req.body, privateTargets(req))))),
  );
  app.get(
    '/monitors/:id',
    { schema: { ...monitor, summary: 'Get a monitor', params: id, response: { 200: jsonSchema(monitorOut), ...errors } } },
    async (req) => showMonitor(req)(await monitorFor(req, 'read')),
  );
  app.put(
    '/monitors/:id',
    {
      schema: {
        ...monitor,
        summary: 'Replace a monitor (secrets written as ******** are kept)',
        params: id,
        body: jsonSchema(monitorSchema),
        response: { 200: jsonSchema(monitorOut), ...errors },
      },
    },
    async (req) => showMonitor(req)(await after(await sites.updateMonitor((await monitorFor(req, 'write')).id, req.body, 'replace', privateTargets(req)))),
  );
  app.patch(
    '/monitors/:id',
    { schema: { ...monitor, summary: 'Change some fields of a monitor', params: id, body: patchBody, response: { 200: jsonSchema(monitorOut), ...errors } } },
    async (req) => showMonitor(req)(await after(await sites.updateMonitor((await monitorFor(req, 'write')).id, req.body, 'merge', privateTargets(req)))),
  );
  app.delete(
    '/monitors/:id',
    { schema: { ...monitor, summary: 'Delete a monitor', params: id, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      const { id } = await monitorFor(req, 'write');
      await sites.deleteMonitor(id);
      await applied(id);
      return reply.status(204).send();
    },
  );
}
