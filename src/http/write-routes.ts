import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { operation, type Answer } from './operation.js';
import { idParams, mergePatchSchema, replacingSchema, type SecretRules } from './schema.js';

/**
 * PUT and PATCH of a stored object at `path`: a replacement, or a JSON merge patch of some fields,
 * where `********` for a secret keeps the stored one; both answer the object as changed.
 *
 * @example replaceAndPatch(app, '/channels/:id', { tag, what: 'a channel', kept: 'secrets written as ******** are kept', spec: channelSchema, secrets, ok: one, write: (req, mode) => … })
 */
export function replaceAndPatch(
  app: FastifyInstance,
  path: string,
  o: {
    tag: string;
    /** The object as the summaries name it: "a channel". */
    what: string;
    /** What the replacement keeps, for its summary: "secrets written as ******** are kept". */
    kept: string;
    spec: z.ZodType;
    secrets: SecretRules;
    ok: Answer;
    write: (req: FastifyRequest, mode: 'replace' | 'merge') => Promise<unknown>;
  },
): void {
  const schema = (summary: string, body: ReturnType<typeof replacingSchema>) =>
    operation({ tag: o.tag, summary, params: idParams, body, ok: { 200: o.ok }, errors: [409] });
  app.put(path, { schema: schema(`Replace ${o.what} (${o.kept})`, replacingSchema(o.spec, o.secrets)) }, (req) => o.write(req, 'replace'));
  app.patch(path, { schema: schema(`Change some fields of ${o.what}`, mergePatchSchema(o.spec, o.secrets)) }, (req) => o.write(req, 'merge'));
}
