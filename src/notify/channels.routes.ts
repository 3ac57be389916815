import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { operation } from '../http/operation.js';
import { idParams, pageQuery, pageSchema, parseId, storedMeta, storedSchema } from '../http/schema.js';
import { channelObjects, type Channel } from './channel-codec.js';
import { accessOf } from '../http/auth.js';
import { channelFreeFields, channelKinds, channelSchema, type ChannelSpec } from './channel.schema.js';
import { previewRequest, type ChannelsService } from './channels.service.js';
import type { DeliveryContext } from './notification.js';
import { replaceAndPatch } from '../http/write-routes.js';

const channelQuery = pageQuery.extend({ type: channelKinds.nameSchema.optional(), q: z.string().optional() });
const deliveryOut = z
  .union([
    z.object({ ok: z.literal(true), status: z.number().int().optional(), detail: z.string().optional() }),
    z.object({
      ok: z.literal(false),
      retryable: z.boolean(),
      retryAfterMs: z.number().optional(),
      status: z.number().int().optional(),
      message: z.string().describe('the provider’s answer, or why it could not be reached'),
    }),
  ])
  .describe('How the delivery went');
const previewOut = z
  .object({ format: z.enum(['plain', 'html', 'markdown', 'slack', 'json']), title: z.string(), body: z.string() })
  .describe('The title and body the channel would send');

const show = (channel: Channel) => channelObjects.answer(channel);

/** Notification channels and template previews: thin routes, every rule lives in ChannelsService. */
export function channelsRoutes(app: FastifyInstance, channels: ChannelsService, deliveryContext: (signal: AbortSignal) => DeliveryContext): void {
  // Made when the routes are, so channel kinds registered until then are in it.
  const channelSecrets = channelKinds.secrets();
  const channelOut = storedSchema(channelSchema, { meta: storedMeta, secrets: channelSecrets });
  const tag = 'channels';
  const one = { description: 'The channel (secrets as ********)', schema: channelOut };
  const privateTargets = (req: FastifyRequest) => accessOf(req).guardPrivateTargets<ChannelSpec>(channelFreeFields);

  app.get(
    '/channels',
    {
      schema: operation({
        tag,
        summary: 'List notification channels',
        query: channelQuery,
        ok: { 200: { description: 'A page of channels (secrets as ********)', schema: pageSchema(channelOut) } },
      }),
    },
    async (req) => {
      const q = parseInput(channelQuery, req.query);
      const page = await channels.list({ limit: q.limit, afterId: q.cursor, type: q.type, search: q.q });
      return { data: page.items.map(show), page: { total: page.total, limit: q.limit, nextCursor: page.nextCursor } };
    },
  );
  app.post('/channels', { schema: operation({ tag, summary: 'Create a channel', body: channelSchema, ok: { 201: one }, errors: [409] }) }, async (req, reply) =>
    reply.status(201).send(show(await channels.create(req.body, privateTargets(req)))),
  );
  app.get('/channels/:id', { schema: operation({ tag, summary: 'Get a channel', params: idParams, ok: { 200: one } }) }, async (req) =>
    show(await channels.get(parseId(req))),
  );
  replaceAndPatch(app, '/channels/:id', {
    tag,
    what: 'a channel',
    kept: 'secrets written as ******** are kept',
    spec: channelSchema,
    secrets: channelSecrets,
    ok: one,
    write: async (req, mode) => show(await channels.update(parseId(req), req.body, mode, privateTargets(req))),
  });
  app.delete(
    '/channels/:id',
    { schema: operation({ tag, summary: 'Delete a channel', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      await channels.delete(parseId(req));
      return reply.status(204).send();
    },
  );
  app.post(
    '/channels/:id/test',
    {
      schema: operation({
        tag,
        summary: 'Send a test notification now',
        description: 'Answers how the delivery went: `ok`, or `retryable` and the provider’s `message`. A failing provider is a 200 with `ok: false`.',
        params: idParams,
        ok: { 200: deliveryOut },
      }),
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
      schema: operation({
        tag,
        summary: 'Render a channel’s title and body for an event',
        description: 'From sample data unless `data` is given; `templates` are tried over the channel’s own. A `channelId` that does not exist answers 404.',
        body: previewRequest,
        ok: { 200: previewOut },
        errors: [404],
      }),
    },
    async (req) => channels.preview(req.body),
  );
}
