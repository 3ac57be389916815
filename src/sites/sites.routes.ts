import type { FastifyInstance, FastifyRequest } from 'fastify';
import { maxId } from '../lib/ids.js';
import { siteRefOf, type Access } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { toIso } from '../lib/clock.js';
import { operation } from '../http/operation.js';
import { idParams, mergePatchSchema, pageQuery, pageSchema, parseId, queryNumber, storedMeta, storedSchema } from '../http/schema.js';
import { monitorFreeFields } from '../monitoring/monitor-fields.js';
import { monitorKinds, monitorSchema, type MonitorSpec } from '../monitoring/monitor.schema.js';
import { siteSchema } from './site.schema.js';
import { encodeMonitor, siteObjects, type Authorize, type Monitor, type Site, type SitesService } from './sites.service.js';
import { replaceAndPatch } from '../http/write-routes.js';

const siteOut = storedSchema(siteSchema, { meta: storedMeta });
/** A monitor as answered; made when the routes are, so kinds registered until then are in it. */
const monitorOutSchema = () =>
  storedSchema(monitorSchema, {
    meta: storedMeta.extend({
      siteId: z.number().int(),
      site: z.string().describe('the site’s name'),
      pingUrl: z.string().optional().describe('heartbeats: where the job reports (a secret: whoever has it can report for the job)'),
    }),
    secrets: monitorKinds.secrets(),
  });

const siteQuery = pageQuery.extend({ tag: z.string().optional(), q: z.string().optional() });
const monitorQuery = pageQuery.extend({
  tag: z.string().optional(),
  q: z.string().optional(),
  type: monitorKinds.nameSchema.optional(),
  siteId: queryNumber(z.number().int().positive().max(maxId)).optional(),
});

const showSite = (site: Site) => siteObjects.answer(site);

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
  const monitorOut = monitorOutSchema();
  const secrets = monitorKinds.secrets();
  const after = async <T extends { id: number }>(monitor: T): Promise<T> => {
    await applied(monitor.id);
    return monitor;
  };
  const view = monitorView(publicUrl);
  const showMonitor = (req: FastifyRequest) => (monitor: Monitor) => view(monitor, accessOf(req));
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
    accessOf(req).require(siteRefOf.monitor(found), need, `monitor ${found.id}`);
    return found;
  };

  app.get(
    '/sites',
    {
      schema: operation({
        tag: 'sites',
        summary: 'List sites',
        query: siteQuery,
        ok: { 200: { description: 'A page of sites', schema: pageSchema(siteOut) } },
      }),
    },
    async (req) => {
      const q = parseInput(siteQuery, req.query);
      const page = await sites.listSites({ limit: q.limit, afterId: q.cursor, tag: q.tag, search: q.q, siteIds: await reach(req) });
      return { data: page.items.map(showSite), page: { total: page.total, limit: q.limit, nextCursor: page.nextCursor } };
    },
  );
  app.post(
    '/sites',
    {
      schema: operation({ tag: 'sites', summary: 'Create a site', body: siteSchema, ok: { 201: { description: 'The site', schema: siteOut } }, errors: [409] }),
    },
    async (req, reply) => reply.status(201).send(showSite(await sites.createSite(req.body, writer(req), accessOf(req).principal))),
  );
  app.get(
    '/sites/:id',
    { schema: operation({ tag: 'sites', summary: 'Get a site', params: idParams, ok: { 200: { description: 'The site', schema: siteOut } } }) },
    async (req) => showSite(await siteFor(req, 'read')),
  );
  app.put(
    '/sites/:id',
    {
      schema: operation({
        tag: 'sites',
        summary: 'Replace a site',
        params: idParams,
        body: siteSchema,
        ok: { 200: { description: 'The site as changed', schema: siteOut } },
        errors: [409],
      }),
    },
    async (req) => showSite(await sites.updateSite(parseId(req), req.body, 'replace', writer(req), accessOf(req).principal)),
  );
  app.patch(
    '/sites/:id',
    {
      schema: operation({
        tag: 'sites',
        summary: 'Change some fields of a site',
        params: idParams,
        body: mergePatchSchema(siteSchema),
        ok: { 200: { description: 'The site as changed', schema: siteOut } },
        errors: [409],
      }),
    },
    async (req) => showSite(await sites.updateSite(parseId(req), req.body, 'merge', writer(req), accessOf(req).principal)),
  );
  app.delete(
    '/sites/:id',
    { schema: operation({ tag: 'sites', summary: 'Delete a site and its monitors', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      await sites.deleteSite((await siteFor(req, 'write')).id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/monitors',
    {
      schema: operation({
        tag: 'monitors',
        summary: 'List monitors',
        query: monitorQuery,
        ok: { 200: { description: 'A page of monitors', schema: pageSchema(monitorOut) } },
      }),
    },
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
      schema: operation({
        tag: 'monitors',
        summary: 'Add a monitor to a site',
        params: idParams,
        body: monitorSchema,
        ok: { 201: { description: 'The monitor', schema: monitorOut } },
        errors: [409],
      }),
    },
    async (req, reply) =>
      reply.status(201).send(showMonitor(req)(await after(await sites.createMonitor((await siteFor(req, 'write')).id, req.body, privateTargets(req))))),
  );
  app.get(
    '/monitors/:id',
    { schema: operation({ tag: 'monitors', summary: 'Get a monitor', params: idParams, ok: { 200: { description: 'The monitor', schema: monitorOut } } }) },
    async (req) => showMonitor(req)(await monitorFor(req, 'read')),
  );
  replaceAndPatch(app, '/monitors/:id', {
    tag: 'monitors',
    what: 'a monitor',
    kept: 'secrets written as ******** are kept',
    spec: monitorSchema,
    secrets,
    ok: { description: 'The monitor as changed', schema: monitorOut },
    write: async (req, mode) =>
      showMonitor(req)(await after(await sites.updateMonitor((await monitorFor(req, 'write')).id, req.body, mode, privateTargets(req)))),
  });
  app.delete(
    '/monitors/:id',
    { schema: operation({ tag: 'monitors', summary: 'Delete a monitor', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      const { id } = await monitorFor(req, 'write');
      await sites.deleteMonitor(id);
      await applied(id);
      return reply.status(204).send();
    },
  );
}
