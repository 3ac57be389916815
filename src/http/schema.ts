import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';

/**
 * zod is the only validator: handlers parse with it (so API bodies get the config file's messages),
 * and route `schema` blocks carry JSON Schema made from the same zod schemas, for the OpenAPI document.
 */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

export const idParams = z.object({ id: z.coerce.number().int().positive('an id is a positive whole number') });

export function parseId(req: FastifyRequest): number {
  return parseInput(idParams, req.params).id;
}

/** Query parameters of every list: `limit` (1–500, default 50) and `cursor` (from the previous page's `nextCursor`). */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.coerce.number().int().min(0).optional(),
});

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string().optional(), message: z.string() })),
    requestId: z.string(),
  }),
});

export const pageOf = (item: z.ZodType) =>
  z.object({ data: z.array(item), page: z.object({ total: z.number().int(), limit: z.number().int(), nextCursor: z.string().nullable() }) });
