import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, listSchema, parseId } from '../http/schema.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import { actorOf } from '../incidents/incidents.routes.js';
import { toIso } from '../lib/clock.js';
import type { SitesService } from '../sites/sites.service.js';
import type { VersionRow } from './runbooks.repository.js';
import { runbookEdit, runbookInput, runbookPreview, type Runbook, type RunbooksService } from './runbooks.service.js';
import { siteOfPath } from '../sites/site-access.js';

const iso = z.iso.datetime({ offset: true });
const runbookOut = z.object({
  id: z.number().int(),
  siteId: z.number().int(),
  monitorId: z.number().int().nullable(),
  title: z.string(),
  version: z.number().int(),
  body: z.string().describe('Markdown as written'),
  html: z.string().describe('the Markdown rendered and sanitized'),
  author: z.string().describe('who wrote this version'),
  createdAt: iso,
  updatedAt: iso,
});
const versionOut = z.object({
  version: z.number().int(),
  title: z.string(),
  body: z.string(),
  html: z.string().describe('the Markdown rendered and sanitized, as the runbook showed it then'),
  author: z.string(),
  at: iso,
});

const show = (r: Runbook) => ({
  id: r.row.id,
  siteId: r.row.site_id,
  monitorId: r.row.monitor_id,
  title: r.row.title,
  version: r.row.version,
  body: r.latest.body,
  html: r.html,
  author: r.latest.author,
  createdAt: toIso(Number(r.row.created_at)),
  updatedAt: toIso(Number(r.row.updated_at)),
});
const showVersion = (v: VersionRow & { html: string }) => ({
  version: v.version,
  title: v.title,
  body: v.body,
  html: v.html,
  author: v.author,
  at: toIso(Number(v.at)),
});

/** Runbooks in the API: per site (or one of its monitors), versioned, and found from an incident. Scoped like the site. */
export function runbooksRoutes(app: FastifyInstance, deps: { runbooks: RunbooksService; sites: SitesService; incidents: IncidentsService }): void {
  const tag = 'runbooks';
  const one = { description: 'The runbook, newest version', schema: runbookOut };
  const many = { description: 'Runbooks', schema: listSchema(runbookOut) };
  const site = (req: FastifyRequest, need: 'read' | 'write') => siteOfPath(req, deps.sites, need);
  const runbook = async (req: FastifyRequest, need: 'read' | 'write') => {
    const r = await deps.runbooks.get(parseId(req));
    accessOf(req).require(siteRefOf.site(await deps.sites.getSite(r.row.site_id)), need, `runbook ${r.row.id}`);
    return r.row.id;
  };

  app.get(
    '/sites/:id/runbooks',
    { schema: operation({ tag, summary: "The site's runbooks (its own and its monitors')", params: idParams, ok: { 200: many } }) },
    async (req) => ({
      data: (await deps.runbooks.list(await site(req, 'read'))).map(show),
    }),
  );
  app.post(
    '/sites/:id/runbooks',
    { schema: operation({ tag, summary: 'Write a runbook for the site or one of its monitors', params: idParams, body: runbookInput, ok: { 201: one } }) },
    async (req, reply) => reply.status(201).send(show(await deps.runbooks.create(await site(req, 'write'), req.body, actorOf(req)))),
  );
  app.post(
    '/runbooks/preview',
    {
      schema: operation({
        tag,
        summary: 'Render Markdown as a runbook shows it (sanitized), to preview an edit before saving it',
        description: 'Stores nothing; open to accounts that may change something (editors), like every POST.',
        body: runbookPreview,
        ok: { 200: { description: 'The rendered HTML', schema: z.object({ html: z.string() }) } },
      }),
    },
    async (req) => ({ html: deps.runbooks.preview(req.body) }),
  );
  app.get('/runbooks/:id', { schema: operation({ tag, summary: 'A runbook', params: idParams, ok: { 200: one } }) }, async (req) =>
    show(await deps.runbooks.get(await runbook(req, 'read'))),
  );
  app.put(
    '/runbooks/:id',
    { schema: operation({ tag, summary: 'Write a new version of a runbook (the old ones stay)', params: idParams, body: runbookEdit, ok: { 200: one } }) },
    async (req) => show(await deps.runbooks.edit(await runbook(req, 'write'), req.body, actorOf(req))),
  );
  app.delete(
    '/runbooks/:id',
    { schema: operation({ tag, summary: 'Delete a runbook and its versions', params: idParams, ok: { 204: null } }) },
    async (req, reply) => {
      await deps.runbooks.delete(await runbook(req, 'write'));
      return reply.status(204).send();
    },
  );
  app.get(
    '/runbooks/:id/versions',
    {
      schema: operation({
        tag,
        summary: 'Every version, newest first',
        params: idParams,
        ok: { 200: { description: 'Versions', schema: listSchema(versionOut) } },
      }),
    },
    async (req) => ({ data: (await deps.runbooks.versions(await runbook(req, 'read'))).map(showVersion) }),
  );
  app.get(
    '/incidents/:id/runbooks',
    { schema: operation({ tag, summary: "The runbooks for an incident: its site's and its monitors'", params: idParams, ok: { 200: many } }) },
    async (req) => {
      const details = await deps.incidents.details(parseId(req));
      accessOf(req).require(siteRefOf.site(await deps.sites.getSite(details.incident.site_id)), 'read', `incident ${details.incident.id}`);
      return {
        data: (
          await deps.runbooks.forIncident(
            details.incident.site_id,
            details.monitors.map((m) => m.monitor_id),
          )
        ).map(show),
      };
    },
  );
}
