import type { FastifySchema } from 'fastify';
import { z } from 'zod';
import { errorBody, jsonSchema, outputSchema, type JsonSchema } from './schema.js';

/** The shared error schema's id: every error answer of the document refers to it. */
export const ERROR_SCHEMA_ID = 'Error';
export const errorSchema = { $id: ERROR_SCHEMA_ID, ...outputSchema(errorBody) };

/** A successful answer that is not plain JSON, or JSON with headers worth saying. */
export interface AnswerSpec {
  description: string;
  /** The JSON body (a zod schema, described as the API writes it), or JSON Schema made for the purpose. */
  schema?: z.ZodType | JsonSchema;
  /** Media types of the body (default application/json). */
  media?: readonly string[];
  headers?: Record<string, JsonSchema>;
}
/** An answer: a zod schema of its JSON body, `null` for none (204), or the full form. */
export type Answer = z.ZodType | AnswerSpec | null;

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;

const errorText: Record<ErrorStatus, string> = {
  400: 'The input is not valid: `error.message` and `error.details` name each field and what was expected',
  401: 'No valid credentials: log in, or send "Authorization: Bearer <token>"',
  403: 'Not allowed: a read-only token, a role that may not do this, or an object of the whole instance for an account limited to its teams',
  404: 'No such object, or none within your reach',
  409: 'Conflicts with what is stored: a name in use, an object defined in upkeep.yaml, the last owner',
  413: 'The body is larger than 1 MiB',
  415: 'The body is not JSON (send Content-Type: application/json)',
  429: 'Too many attempts: wait for the seconds the Retry-After header gives',
  503: 'Not available now (starting up or shutting down); try again shortly',
};
const okText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: it runs in the background',
  204: 'Done; no body',
  302: 'A redirect (Location)',
};

export interface Operation {
  tag: string;
  summary: string;
  description?: string;
  /** Answers without credentials (the document itself, logging in, first run). */
  public?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The JSON body: a zod schema, or JSON Schema made for the purpose (merge patches, bodies that keep secrets). */
  body?: z.ZodType | JsonSchema;
  /** Successful answers by status. */
  ok: Partial<Record<200 | 201 | 202 | 204 | 302, Answer>>;
  /**
   * Errors beyond those the operation's shape implies: 401 and 403 with credentials, 400 with any
   * input, 404 with a path parameter, 413 and 415 with a body.
   */
  errors?: readonly ErrorStatus[];
}

const isZod = (value: unknown): value is z.ZodType => value instanceof z.ZodType;
const bodySchema = (schema: z.ZodType | JsonSchema) => (isZod(schema) ? jsonSchema(schema) : schema);

function answer(status: number, given: Answer): JsonSchema {
  if (given === null) return { description: okText[status] ?? 'OK', type: 'null' };
  const spec: AnswerSpec = isZod(given) ? { description: given.description ?? okText[status] ?? 'OK', schema: given } : given;
  const schema = spec.schema === undefined ? {} : isZod(spec.schema) ? outputSchema(spec.schema) : spec.schema;
  return {
    description: spec.description,
    ...(spec.headers ? { headers: spec.headers } : {}),
    content: Object.fromEntries((spec.media ?? ['application/json']).map((media) => [media, { schema }])),
  };
}

/**
 * A route's `schema` block: its inputs as the handler parses them and every answer it can give, so
 * the OpenAPI document is the truth (a property-based suite, test/api/openapi-fuzz.test.ts, holds the
 * server to it). Fastify validates and serializes nothing with it: zod does, in the handlers.
 *
 * @example app.get('/sites/:id', { schema: operation({ tag: 'sites', summary: 'Get a site', params: idParams, ok: { 200: siteOut } }) }, …)
 */
export function operation(op: Operation): FastifySchema {
  const errors = new Set<ErrorStatus>(op.errors);
  if (!op.public) [401, 403].forEach((s) => errors.add(s as ErrorStatus));
  if (op.params || op.query || op.body) errors.add(400);
  if (op.params) errors.add(404);
  if (op.body) [413, 415].forEach((s) => errors.add(s as ErrorStatus));
  const response: Record<string, JsonSchema> = {};
  for (const [status, given] of Object.entries(op.ok)) response[status] = answer(Number(status), given);
  for (const status of [...errors].sort()) {
    response[status] = {
      description: errorText[status],
      ...(status === 429 ? { headers: { 'retry-after': { type: 'integer', description: 'seconds to wait' } } } : {}),
      content: { 'application/json': { schema: { $ref: `${ERROR_SCHEMA_ID}#` } } },
    };
  }
  return {
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.public ? { security: [] } : { security: [{ bearer: [] }] }),
    ...(op.params ? { params: jsonSchema(op.params) } : {}),
    ...(op.query ? { querystring: jsonSchema(op.query) } : {}),
    ...(op.body ? { body: bodySchema(op.body) } : {}),
    response,
  };
}
