import type { FastifyRequest } from 'fastify';
import { maxId } from '../lib/ids.js';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { describeValue } from '../config/duration.js';
import { errorCodes } from '../lib/errors.js';
import { REDACTED } from '../lib/secrets.js';

/** A JSON Schema (2020-12) as it goes into the OpenAPI document. */
export type JsonSchema = Record<string, unknown>;

/** Which string fields of an object hold secrets, by path (`['smtp', 'password']`): a test, or a kind's declaration of its secrets. */
export type SecretRule = ((path: readonly string[]) => boolean) | { isSecret: (path: readonly string[]) => boolean };
export type SecretRules = SecretRule | Readonly<Record<string, SecretRule>>;

const isRule = (rules: SecretRules): rules is SecretRule => typeof rules === 'function' || typeof (rules as { isSecret?: unknown }).isSecret === 'function';
const testOf = (rule: SecretRule) => (typeof rule === 'function' ? rule : rule.isSecret);

function toJson(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

/**
 * zod is the only validator: handlers parse with it (so API bodies get the config file's messages),
 * and route `schema` blocks carry JSON Schema made from the same zod schemas, for the OpenAPI document.
 * This is what a schema accepts: bodies, queries, path parameters, and objects as the API writes them
 * back (`z.encode` answers the written form: durations as "30s").
 */
export function jsonSchema(schema: z.ZodType): JsonSchema {
  const json = toJson(schema, 'input');
  // zod drops the examples of a schema that transforms (a duration inside), taking them for outputs; ours are written as input.
  const examples = z.globalRegistry.get(schema)?.examples;
  return examples && !json.examples ? { ...json, examples } : json;
}

/** What a schema gives: answers built to a zod schema of their own. */
export function outputSchema(schema: z.ZodType): JsonSchema {
  return toJson(schema, 'output');
}

/** A path id: a positive whole number, said so when it is not ("id: expected a positive whole number, got \"Acme\""). */
const notAnId = { error: (issue: { input?: unknown }) => `expected a positive whole number, got ${describeValue(issue.input)}` };
export const idParam = z.preprocess(
  (value) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value),
  z.number(notAnId).int(notAnId).min(1, notAnId).max(maxId),
);

/** Query numbers come as text: "20" is read as 20; anything else is named in the error as it was sent. */
export const queryNumber = <T extends z.ZodNumber>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value), schema);

/** Query flags come as text: "true" or "false". */
export const queryBoolean = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());

export const idParams = z.object({ id: idParam });

export function parseId(req: FastifyRequest): number {
  return parseInput(idParams, req.params).id;
}

/** Query parameters of every list: `limit` (1–500, default 50) and `cursor` (from the previous page's `nextCursor`). */
export const pageQuery = z.object({
  limit: queryNumber(z.number().int().min(1).max(500)).default(50),
  cursor: queryNumber(z.number().int().min(0).max(maxId)).optional(),
});

/** Every error answer: `{ "error": { "code", "message", "details", "requestId" } }`. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.enum(errorCodes).describe('What kind of error; stable for programs to test'),
      message: z.string().describe('For people: what is wrong, naming the field'),
      details: z.array(z.object({ path: z.string().optional(), message: z.string() })).describe('One entry per problem, with the field it concerns'),
      requestId: z.string().describe('Quote it when reporting a problem'),
    }),
  })
  .describe('Every error answer');

const pageInfo = {
  total: z.object({
    total: z.number().int().describe('how many there are in all'),
    limit: z.number().int(),
    nextCursor: z.string().nullable().describe('`cursor` of the next page; null on the last page'),
  }),
  cursor: z.object({ limit: z.number().int(), nextCursor: z.string().nullable().describe('`cursor` of the next page; null on the last page') }),
};
const asJson = (item: z.ZodType | JsonSchema) => (item instanceof z.ZodType ? outputSchema(item) : item);
const closed = (properties: JsonSchema): JsonSchema => ({ type: 'object', properties, required: Object.keys(properties), additionalProperties: false });

/** A paged list: the items, and where the next page starts (`page.nextCursor`); `cursor` pages have no total. */
export function pageSchema(item: z.ZodType | JsonSchema, paging: 'total' | 'cursor' = 'total'): JsonSchema {
  return closed({ data: { type: 'array', items: asJson(item) }, page: outputSchema(pageInfo[paging]) });
}

/** A list that is not paged: `{ data: [...] }`. */
export function listSchema(item: z.ZodType | JsonSchema): JsonSchema {
  return closed({ data: { type: 'array', items: asJson(item) } });
}

/** The fields every stored object carries besides its definition. */
export const storedMeta = z.object({
  id: z.number().int(),
  managedBy: z.enum(['config', 'api']).describe('"config": defined in upkeep.yaml and changed there; "api": made in the API or dashboard'),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});

const redactedSecret = {
  type: 'string',
  const: REDACTED,
  description: 'A secret: always answered as ********; sent back as it is, it keeps the stored secret.',
};

/** The object variants of a schema (the members of a union, or the schema itself) with the rule for each. */
function eachVariant(
  node: JsonSchema,
  rules: SecretRules,
  map: (variant: JsonSchema, isSecret: (path: readonly string[]) => boolean) => JsonSchema,
): JsonSchema {
  const members = (node.oneOf ?? node.anyOf) as JsonSchema[] | undefined;
  if (members) return { ...node, [node.oneOf ? 'oneOf' : 'anyOf']: members.map((m) => eachVariant(m, rules, map)) };
  const kind = ((node.properties as Record<string, JsonSchema> | undefined)?.type?.const as string | undefined) ?? '';
  const rule = isRule(rules) ? rules : rules[kind];
  return map(node, rule ? testOf(rule) : () => false);
}

function mapSecrets(node: JsonSchema, rule: (path: readonly string[]) => boolean, path: string[], secret: (field: JsonSchema) => JsonSchema): JsonSchema {
  const properties = node.properties as Record<string, JsonSchema> | undefined;
  const out: JsonSchema = { ...node };
  if (properties)
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([key, field]) => [key, rule([...path, key]) ? secret(field) : mapSecrets(field, rule, [...path, key], secret)]),
    );
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(node[key])) out[key] = (node[key] as JsonSchema[]).map((m) => mapSecrets(m, rule, path, secret));
  }
  return out;
}

/**
 * An object Upkeep stores (site, monitor, channel, status page…) as answered: its definition as written,
 * its `meta` fields, and every secret as `********`.
 */
export function storedSchema(spec: z.ZodType, opts: { meta: z.ZodObject; secrets?: SecretRules }): JsonSchema {
  const meta = outputSchema(opts.meta) as { properties: JsonSchema; required: string[] };
  return eachVariant(jsonSchema(spec), opts.secrets ?? (() => false), (variant, rule) => {
    const shown = mapSecrets(variant, rule, [], () => redactedSecret);
    return {
      ...shown,
      properties: { ...(shown.properties as JsonSchema), ...meta.properties },
      required: [...new Set([...((shown.required as string[] | undefined) ?? []), ...meta.required])],
    };
  });
}

/** A replacing body (PUT): the definition, where `********` for a secret keeps the stored one. */
export function replacingSchema(spec: z.ZodType, secrets: SecretRules): JsonSchema {
  return eachVariant(jsonSchema(spec), secrets, (variant, rule) =>
    mapSecrets(variant, rule, [], (field) => ({ anyOf: [field, { type: 'string', const: REDACTED, description: 'keeps the stored secret' }] })),
  );
}

/** RFC 7396: a merge patch of a JSON Schema's objects — every field optional, `null` removes it, lists are replaced whole. */
function patchOf(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  delete out.required;
  delete out.default;
  const properties = node.properties as Record<string, JsonSchema> | undefined;
  if (properties) out.properties = Object.fromEntries(Object.entries(properties).map(([key, field]) => [key, { anyOf: [patchOf(field), { type: 'null' }] }]));
  const members = (node.oneOf ?? node.anyOf) as JsonSchema[] | undefined;
  if (members) {
    delete out.oneOf;
    out.anyOf = members.map(patchOf);
  }
  return out;
}

/** A merge-patch body (PATCH) for a definition: `********` for a secret keeps it. */
export function mergePatchSchema(spec: z.ZodType, secrets: SecretRules = () => false): JsonSchema {
  return {
    ...patchOf(replacingSchema(spec, secrets)),
    type: 'object',
    description: 'A JSON merge patch (RFC 7396): fields given replace, null removes, objects merge, lists are replaced whole; ******** keeps a secret.',
  };
}
