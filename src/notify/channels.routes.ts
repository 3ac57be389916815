import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { errorBody, idParams, jsonSchema, pageOf, pageQuery, parseId } from '../http/schema.js';
import { toIso } from '../lib/clock.js';
import type { Channel } from './channel-codec.js';
import { accessOf } from '../http/auth.js';
import { channelFreeFields, channelSchema, channelTypes, type ChannelSpec } from './channel.schema.js';
import { encodeChannel, previewRequest, type ChannelsService } from './channels.service.js';
import type { DeliveryContext } from './notification.js';

const meta = z.object({
  id: z.number().int(),
  managedBy: z.enum(['config', 'api']).describe('"config": defined in upkeep.yaml and changed there; "api": made in the API or dashboard'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const channelOut = channelSchema.and(meta);
const channelQuery = pageQuery.extend({ type: z.enum(channelTypes).optional(), q: z.string().optional() });
const deliveryOut = z.object({
  ok: z.boolean(),
  retryable: z.boolean().optional(),
  retryAfterMs: z.number().optional(),
  status: z.number().optional(),
  message: z.string().optional(),
  detail: z.string().optional(),
});
const previewOut = z.object({ format: z.enum(['plain', 'html', 'markdown', 'slack', 'json']), title: z.string(), body: z.string() });

const show = (channel: Channel) => ({
  id: channel.id,
  ...encodeChannel(channel.spec),
  managedBy: channel.managedBy,
  createdAt: toIso(channel.createdAt),
  updatedAt: toIso(channel.updatedAt),
});

const errors = { 400: jsonSchema(errorBody), 401: jsonSchema(errorBody), 404: jsonSchema(errorBody), 409: jsonSchema(errorBody) };
const patchBody = { type: 'object', description: 'A JSON merge patch (RFC 7396): fields given replace, null removes; ******** keeps a secret.' };

/** Notification channels and template previews: thin routes, every rule lives in ChannelsService. */
export function channelsRoutes(app: FastifyInstance, channels: ChannelsService, deliveryContext: (signal: AbortSignal) => DeliveryContext): void {
  const tag = { tags: ['channels'], security: [{ bearer: [] }] };
  const privateTargets = (req: FastifyRequest) => accessOf(req).guardPrivateTargets<ChannelSpec>(channelFreeFields);
  const id = jsonSchema(idParams);

  app.get(
    '/channels',
    {
      schema: {
        ...tag,
        summary: 'List notification channels',
        querystring: jsonSchema(channelQuery),
        response: { 200: jsonSchema(pageOf(channelOut)), ...errors },
      },
    },
    async (req) => {
      const q = parseInput(channelQuery, req.query);
      const page = await channels.list({ limit: q.limit, afterId: q.cursor, type: q.type, search: q.q });
      return { data: page.items.map(show), page: { total: page.total, limit: q.limit, nextCursor: page.nextCursor } };
    },
  );
  app.post(
    '/channels',
    { schema: { ...tag, summary: 'Create a channel', body: jsonSchema(channelSchema), response: { 201: jsonSchema(channelOut), ...errors } } },
    async (req, reply) => reply.status(201).send(show(await channels.create(req.body, privateTargets(req)))),
  );
  app.get('/channels/:id', { schema: { ...tag, summary: 'Get a channel', params: id, response: { 200: jsonSchema(channelOut), ...errors } } }, async (req) =>
    show(await channels.get(parseId(req))),
  );
  app.put(
    '/channels/:id',
    {
      schema: {
        ...tag,
        summary: 'Replace a channel (secrets written as ******** are kept)',
        params: id,
        body: jsonSchema(channelSchema),
        response: { 200: jsonSchema(channelOut), ...errors },
      },
    },
    async (req) => show(await channels.update(parseId(req), req.body, 'replace', privateTargets(req))),
  );
  app.patch(
    '/channels/:id',
    { schema: { ...tag, summary: 'Change some fields of a channel', params: id, body: patchBody, response: { 200: jsonSchema(channelOut), ...errors } } },
    async (req) => show(await channels.update(parseId(req), req.body, 'merge', privateTargets(req))),
  );
  app.delete(
    '/channels/:id',
    { schema: { ...tag, summary: 'Delete a channel', params: id, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      await channels.delete(parseId(req));
      return reply.status(204).send();
    },
  );
  app.post(
    '/channels/:id/test',
    {
      schema: {
        ...tag,
        summary: 'Send a test notification now',
        description: 'Answers how the delivery went: `ok`, or `retryable` and the provider’s `message`. A failing provider is a 200 with `ok: false`.',
        params: id,
        response: { 200: jsonSchema(deliveryOut), ...errors },
      },
    },
    async (req, reply) => {
      // A client that goes away before the answer cancels the send.
      const abort = new AbortController();
      reply.raw.once('close', () => reply.raw.writableFinished || abort.abort());
      return channels.sendTest(parseId(req), deliveryContext(abort.signal));
    },
  );
  app.post(
    '/templates/preview',
    {
      schema: {
        ...tag,
        summary: 'Render a channel’s title and body for an event',
        description: 'From sample data unless `data` is given; `templates` are tried over the channel’s own.',
        body: jsonSchema(previewRequest),
        response: { 200: jsonSchema(previewOut), ...errors },
      },
    },
    async (req) => channels.preview(req.body),
  );
}
