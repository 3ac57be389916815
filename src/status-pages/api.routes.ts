import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParam, idParams, listSchema, parseId } from '../http/schema.js';
import { pageOut, subscriberOut, templateOut, updateOut, updatePosted } from './status-pages.openapi.js';
import type { ConfigObject, ConfigObjectsService } from '../incidents/config-objects.service.js';
import { actorOf } from '../incidents/incidents.routes.js';
import { toIso } from '../lib/clock.js';
import { incidentUpdateSchema, messageTemplateSchema, statusPageSchema, statusPageSecrets, type MessageTemplateSpec } from './status-page.schema.js';
import { statusPageObjects, type StatusPage, type StatusPagesService } from './status-pages.service.js';
import type { IncidentUpdateRow, SubscriberRow } from './status-pages.repository.js';
import { webhookSubscriberSchema, type Subscriptions } from './subscriptions.js';
import type { IncidentUpdates } from './updates.service.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import type { SitesService } from '../sites/sites.service.js';
import { replaceAndPatch } from '../http/write-routes.js';

export interface ApiDeps {
  service: StatusPagesService;
  updates: IncidentUpdates;
  templates: ConfigObjectsService<MessageTemplateSpec>;
  subscriptions: Subscriptions;
  incidents: IncidentsService;
  sites: SitesService;
  /** After a change: the public pages read it at once instead of within the second. */
  changed: () => Promise<void>;
}

const showPage = (p: StatusPage) => statusPageObjects.answer(p);
const showUpdate = (u: IncidentUpdateRow) => ({
  id: u.id,
  incidentId: u.incident_id,
  status: u.status,
  body: u.body,
  author: u.author,
  pages: u.pages ? (JSON.parse(u.pages) as string[]) : null,
  at: toIso(u.at),
});
const showSubscriber = (s: SubscriberRow) => ({
  id: s.id,
  type: s.kind,
  address: s.address,
  components: s.components ? (JSON.parse(s.components) as string[]) : null,
  confirmed: s.confirmed_at !== null,
  createdAt: toIso(s.created_at),
});
const showTemplate = (t: ConfigObject<MessageTemplateSpec>) => ({ id: t.id, ...t.spec, managedBy: t.managedBy });
const subscriberParams = z.object({ id: idParam, subscriberId: idParam });

/** Where the request came in: the Host header and, behind a believed proxy, X-Forwarded-Host. */
const hostsOf = (req: FastifyRequest) => [req.headers.host, req.host];

/**
 * Status pages, their subscribers, message templates and incident updates in the API: thin routes
 * over the services. Pages and templates belong to the whole instance (like channels); an
 * incident's updates need access to its site, as the incident itself does.
 */
export async function statusPagesApiRoutes(api: FastifyInstance, deps: ApiDeps): Promise<void> {
  await api.register(async (scope) => {
    scope.addHook('preHandler', async (req) => accessOf(req).requireGlobal(req.method === 'GET' ? 'read' : 'write'));
    instanceRoutes(scope, deps);
  });
  incidentUpdateRoutes(api, deps);
}

function instanceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tag = 'status pages';
  const page = { description: 'The status page (its password as ********)', schema: pageOut };
  const after = async <T>(value: T) => {
    await deps.changed();
    return value;
  };

  app.get(
    '/status-pages',
    { schema: operation({ tag, summary: 'List status pages', ok: { 200: { description: 'Every page', schema: listSchema(pageOut) } } }) },
    async () => ({
      data: (await deps.service.list()).map(showPage),
    }),
  );
  app.post(
    '/status-pages',
    { schema: operation({ tag, summary: 'Create a status page', body: statusPageSchema, ok: { 201: page }, errors: [409] }) },
    async (req, reply) => reply.status(201).send(showPage(await after(await deps.service.create(req.body, hostsOf(req))))),
  );
  app.get(
    '/status-pages/:id',
    { schema: operation({ tag, summary: 'A status page (its password shown as ********)', params: idParams, ok: { 200: page } }) },
    async (req) => showPage(await deps.service.get(parseId(req))),
  );
  replaceAndPatch(app, '/status-pages/:id', {
    tag,
    what: 'a status page',
    kept: 'a password written as ******** is kept',
    spec: statusPageSchema,
    secrets: statusPageSecrets.isSecret,
    ok: page,
    write: async (req, mode) => showPage(await after(await deps.service.update(parseId(req), req.body, mode, hostsOf(req)))),
  });
  app.delete(
    '/status-pages/:id',
    { schema: operation({ tag, summary: 'Delete a status page and its subscribers', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      await after(await deps.service.delete(parseId(req)));
      return reply.status(204).send();
    },
  );

  app.get(
    '/status-pages/:id/subscribers',
    {
      schema: operation({
        tag,
        summary: 'Subscribers of a page',
        params: idParams,
        ok: { 200: { description: 'Every subscriber', schema: listSchema(subscriberOut) } },
      }),
    },
    async (req) => {
      const page = await deps.service.get(parseId(req));
      return { data: (await deps.subscriptions.list(page)).map(showSubscriber) };
    },
  );
  app.post(
    '/status-pages/:id/subscribers',
    {
      schema: operation({
        tag,
        summary: 'Add a webhook subscriber (signed like the webhook channel)',
        params: idParams,
        body: webhookSubscriberSchema,
        ok: { 201: subscriberOut },
        errors: [409],
      }),
    },
    async (req, reply) => reply.status(201).send(showSubscriber(await deps.subscriptions.addWebhook(await deps.service.get(parseId(req)), req.body))),
  );
  app.delete(
    '/status-pages/:id/subscribers/:subscriberId',
    { schema: operation({ tag, summary: 'Remove a subscriber', params: subscriberParams, ok: { 204: null } }) },
    async (req, reply) => {
      const { id, subscriberId } = parseInput(subscriberParams, req.params);
      await deps.subscriptions.remove(id, subscriberId);
      return reply.status(204).send();
    },
  );

  const template = { description: 'The message template', schema: templateOut };
  app.get(
    '/message-templates',
    {
      schema: operation({
        tag,
        summary: 'Reusable messages for incident updates',
        ok: { 200: { description: 'Every template', schema: listSchema(templateOut) } },
      }),
    },
    async () => ({
      data: (await deps.templates.list()).map(showTemplate),
    }),
  );
  app.post(
    '/message-templates',
    { schema: operation({ tag, summary: 'Add a message template', body: messageTemplateSchema, ok: { 201: template }, errors: [409] }) },
    async (req, reply) => reply.status(201).send(showTemplate(await deps.templates.create(req.body))),
  );
  app.get('/message-templates/:id', { schema: operation({ tag, summary: 'A message template', params: idParams, ok: { 200: template } }) }, async (req) =>
    showTemplate(await deps.templates.get(parseId(req))),
  );
  app.put(
    '/message-templates/:id',
    {
      schema: operation({ tag, summary: 'Replace a message template', params: idParams, body: messageTemplateSchema, ok: { 200: template }, errors: [409] }),
    },
    async (req) => showTemplate(await deps.templates.replace(parseId(req), req.body)),
  );
  app.delete(
    '/message-templates/:id',
    { schema: operation({ tag, summary: 'Delete a message template', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      await deps.templates.delete(parseId(req));
      return reply.status(204).send();
    },
  );
}

function incidentUpdateRoutes(app: FastifyInstance, deps: ApiDeps): void {
  /** The incident of the request, if the caller may see its site (and change things there, for `write`). */
  const incidentFor = async (req: FastifyRequest, need: 'read' | 'write') => {
    const incident = await deps.incidents.get(parseId(req));
    accessOf(req).require(siteRefOf.site(await deps.sites.getSite(incident.site_id)), need, `incident ${incident.id}`);
    return incident.id;
  };
  const tag = 'incidents';
  app.get(
    '/incidents/:id/updates',
    {
      schema: operation({
        tag,
        summary: 'Public status updates of an incident, newest first',
        params: idParams,
        ok: { 200: { description: 'Every update', schema: listSchema(updateOut) } },
      }),
    },
    async (req) => ({ data: (await deps.updates.list(await incidentFor(req, 'read'))).map(showUpdate) }),
  );
  app.post(
    '/incidents/:id/updates',
    {
      schema: operation({
        tag,
        summary: 'Post a public status update (Markdown); subscribers are told; "resolved" resolves the incident',
        params: idParams,
        body: incidentUpdateSchema,
        ok: { 201: updatePosted },
      }),
    },
    async (req, reply) => {
      const { update, notified } = await deps.updates.post(await incidentFor(req, 'write'), req.body, actorOf(req));
      await deps.changed();
      return reply.status(201).send({ ...showUpdate(update), notified });
    },
  );
}
