import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { errorBody, jsonSchema, parseId } from '../http/schema.js';
import type { ConfigObject, ConfigObjectsService } from '../incidents/config-objects.service.js';
import { actorOf } from '../incidents/incidents.routes.js';
import { toIso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { incidentUpdateSchema, messageTemplateSchema, statusPageSchema, type MessageTemplateSpec } from './status-page.schema.js';
import { encodePage, type StatusPage, type StatusPagesService } from './status-pages.service.js';
import type { IncidentUpdateRow, SubscriberRow } from './status-pages.repository.js';
import { StatusPagesRepository } from './status-pages.repository.js';
import { webhookSubscriberSchema, type Subscriptions } from './subscriptions.js';
import type { StatusDb } from './tables.js';
import type { IncidentUpdates } from './updates.service.js';

export interface ApiDeps {
  service: StatusPagesService;
  updates: IncidentUpdates;
  templates: ConfigObjectsService<MessageTemplateSpec>;
  subscriptions: Subscriptions;
  db: StatusDb;
  /** After a change: the public pages read it at once instead of within the second. */
  changed: () => Promise<void>;
}

const showPage = (p: StatusPage) => ({ id: p.id, ...encodePage(p.spec), managedBy: p.managedBy, createdAt: toIso(p.createdAt), updatedAt: toIso(p.updatedAt) });
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
const subscriberParams = z.object({ id: z.coerce.number().int().positive(), subscriberId: z.coerce.number().int().positive() });

const errors = { 400: jsonSchema(errorBody), 401: jsonSchema(errorBody), 404: jsonSchema(errorBody), 409: jsonSchema(errorBody) };
const patchBody = { type: 'object', description: 'A JSON merge patch (RFC 7396): fields given replace, null removes.' };

/** Status pages, their subscribers, message templates and incident updates in the API: thin routes over the services. */
export function statusPagesApiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const pages = { tags: ['status pages'], security: [{ bearer: [] }] };
  const noContent = { 204: { type: 'null' }, ...errors };
  const after = async <T>(value: T) => {
    await deps.changed();
    return value;
  };

  app.get('/status-pages', { schema: { ...pages, summary: 'List status pages', response: errors } }, async () => ({
    data: (await deps.service.list()).map(showPage),
  }));
  app.post(
    '/status-pages',
    { schema: { ...pages, summary: 'Create a status page', body: jsonSchema(statusPageSchema), response: { 201: { type: 'object' }, ...errors } } },
    async (req, reply) => reply.status(201).send(showPage(await after(await deps.service.create(req.body)))),
  );
  app.get('/status-pages/:id', { schema: { ...pages, summary: 'A status page (its password shown as ********)', response: errors } }, async (req) =>
    showPage(await deps.service.get(parseId(req))),
  );
  app.put(
    '/status-pages/:id',
    { schema: { ...pages, summary: 'Replace a status page (a password written as ******** is kept)', body: jsonSchema(statusPageSchema), response: errors } },
    async (req) => showPage(await after(await deps.service.update(parseId(req), req.body, 'replace'))),
  );
  app.patch('/status-pages/:id', { schema: { ...pages, summary: 'Change some fields of a status page', body: patchBody, response: errors } }, async (req) =>
    showPage(await after(await deps.service.update(parseId(req), req.body, 'merge'))),
  );
  app.delete('/status-pages/:id', { schema: { ...pages, summary: 'Delete a status page and its subscribers', response: noContent } }, async (req, reply) => {
    await after(await deps.service.delete(parseId(req)));
    return reply.status(204).send();
  });

  app.get('/status-pages/:id/subscribers', { schema: { ...pages, summary: 'Subscribers of a page', response: errors } }, async (req) => {
    const page = await deps.service.get(parseId(req));
    return { data: (await new StatusPagesRepository(deps.db).subscribers(page.id, false)).map(showSubscriber) };
  });
  app.post(
    '/status-pages/:id/subscribers',
    {
      schema: {
        ...pages,
        summary: 'Add a webhook subscriber (signed like the webhook channel)',
        body: jsonSchema(webhookSubscriberSchema),
        response: { 201: { type: 'object' }, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(showSubscriber(await deps.subscriptions.addWebhook(await deps.service.get(parseId(req)), req.body))),
  );
  app.delete(
    '/status-pages/:id/subscribers/:subscriberId',
    { schema: { ...pages, summary: 'Remove a subscriber', response: noContent } },
    async (req, reply) => {
      const { id, subscriberId } = parseInput(subscriberParams, req.params);
      const repo = new StatusPagesRepository(deps.db);
      const sub = await repo.subscriber(subscriberId);
      if (!sub || sub.page_id !== id) throw new AppError('not_found', `status page ${id} has no subscriber ${subscriberId}`);
      await repo.deleteSubscriber(subscriberId);
      return reply.status(204).send();
    },
  );

  const incidents = { tags: ['incidents'], security: [{ bearer: [] }] };
  app.get(
    '/incidents/:id/updates',
    { schema: { ...incidents, summary: 'Public status updates of an incident, newest first', response: errors } },
    async (req) => ({
      data: (await deps.updates.list(parseId(req))).map(showUpdate),
    }),
  );
  app.post(
    '/incidents/:id/updates',
    {
      schema: {
        ...incidents,
        summary: 'Post a public status update (Markdown); subscribers are told; "resolved" resolves the incident',
        body: jsonSchema(incidentUpdateSchema),
        response: { 201: { type: 'object' }, ...errors },
      },
    },
    async (req, reply) => {
      const { update, notified } = await deps.updates.post(parseId(req), req.body, actorOf(req));
      return reply.status(201).send({ ...showUpdate(update), notified });
    },
  );

  const templates = { tags: ['status pages'], security: [{ bearer: [] }] };
  const body = jsonSchema(messageTemplateSchema);
  app.get('/message-templates', { schema: { ...templates, summary: 'Reusable messages for incident updates', response: errors } }, async () => ({
    data: (await deps.templates.list()).map(showTemplate),
  }));
  app.post(
    '/message-templates',
    { schema: { ...templates, summary: 'Add a message template', body, response: { 201: { type: 'object' }, ...errors } } },
    async (req, reply) => reply.status(201).send(showTemplate(await deps.templates.create(req.body))),
  );
  app.get('/message-templates/:id', { schema: { ...templates, summary: 'A message template', response: errors } }, async (req) =>
    showTemplate(await deps.templates.get(parseId(req))),
  );
  app.put('/message-templates/:id', { schema: { ...templates, summary: 'Replace a message template', body, response: errors } }, async (req) =>
    showTemplate(await deps.templates.replace(parseId(req), req.body)),
  );
  app.delete('/message-templates/:id', { schema: { ...templates, summary: 'Delete a message template', response: noContent } }, async (req, reply) => {
    await deps.templates.delete(parseId(req));
    return reply.status(204).send();
  });
}
