import { RE2JS } from 're2js';
import { z } from 'zod';
import { duration } from '../../config/duration.js';
import { httpUrl } from '../../config/fields.js';
import { secretFields } from '../../lib/secrets.js';
import { isCredentialHeader } from '../../lib/net/index.js';

const statusCode = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5]xx$|^[1-5]\d\d-[1-5]\d\d$/, 'a status is a code like 200, a class like "2xx" or a range like "200-299"'),
]);

const comparison = z.enum(['equals', 'notEquals', 'contains', 'notContains', 'matches', 'lessThan', 'greaterThan', 'exists', 'notExists']);

export const jsonAssertion = z
  .object({
    /** A path into the JSON body: `status`, `data.items[0].state`, `$.checks.db`. */
    path: z.string().min(1),
    op: comparison.default('equals'),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .strict();

export const headerAssertion = z.object({ name: z.string().min(1), op: comparison.default('exists'), value: z.string().optional() }).strict();

/** RE2 syntax (no look-around or back-references), which is what makes matching linear-time. */
const validRegex = z.string().superRefine((s, ctx) => {
  try {
    RE2JS.compile(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `expected a regular expression in RE2 syntax: ${(err as Error).message}` });
  }
});

export const httpFields = {
  url: httpUrl,
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string().min(1), z.string()).optional(),
  body: z.string().max(1_000_000).optional(),
  auth: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }).strict(),
      z.object({ type: z.literal('bearer'), token: z.string().min(1) }).strict(),
    ])
    .optional(),
  followRedirects: z.boolean().default(true),
  maxRedirects: z.number().int().min(0).max(20).default(5),
  expect: z
    .object({
      status: z.array(statusCode).min(1).optional(),
      contains: z.string().min(1).optional(),
      notContains: z.string().min(1).optional(),
      regex: validRegex.optional(),
      json: z.array(jsonAssertion).optional(),
      headers: z.array(headerAssertion).optional(),
    })
    .strict()
    .optional(),
  degradedAfter: duration({ min: 1 }).optional(),
  tls: z
    .object({ verify: z.boolean().default(true) })
    .strict()
    .optional(),
  ipFamily: z.enum(['auto', 'ipv4', 'ipv6']).default('auto'),
};

/**
 * Credentials and credential-like headers are secrets: encrypted at rest, never answered by the API,
 * and bound to the URL's origin (a path may change; another host needs them written again).
 */
export const httpSecretFields = secretFields(
  ['auth.password', 'auth.token', { path: 'headers.*', when: isCredentialHeader, note: 'credential headers: Authorization, Cookie, API keys and tokens' }],
  { url: (url) => (typeof url === 'string' && URL.canParse(url) ? new URL(url).origin : url) },
);
