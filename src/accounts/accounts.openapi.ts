import { maxId } from '../lib/ids.js';
import { z } from 'zod';
import { queryBoolean, queryNumber } from '../http/schema.js';
import { accountScopes, roles } from './accounts.service.js';
import { loginSchema, passwordSchema } from './auth.service.js';
import { changeSchema, createSchema, teamSchema } from './users.service.js';

/** Inputs and answers of the account routes, for the OpenAPI document (the handlers parse with the same schemas). */

const iso = z.iso.datetime({ offset: true });

export const userOut = z.object({
  id: z.number().int(),
  email: z.string(),
  name: z.string().nullable(),
  role: z.enum(roles),
  scope: z.enum(accountScopes).describe('what the account reaches: the whole instance, or only its teams’ sites (owners and admins: always the instance)'),
  disabled: z.boolean(),
  twoFactor: z.boolean().describe('whether two-factor login is on'),
  teams: z.array(z.object({ team: z.string(), role: z.enum(roles) })).describe('the teams whose sites the user reaches (with scope teams; none: nothing)'),
  createdAt: z.number().int().describe('milliseconds since 1970'),
});

export const loginBody = loginSchema;
export const loginOut = z.object({ user: userOut, csrfToken: z.string().describe('send it as X-CSRF-Token with every change made with the cookie') });
export const sessionOut = z.object({
  kind: z.enum(['session', 'token']),
  user: userOut.nullable(),
  csrfToken: z.string().nullable(),
  label: z.string().describe('how the activity log names the caller'),
});
export const providersOut = z.object({
  password: z.literal(true),
  oidc: z.object({ label: z.string(), start: z.string() }).nullable().describe('single sign-on, when configured'),
});
export const sessionsOut = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      current: z.boolean(),
      createdAt: iso,
      lastSeenAt: iso,
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
    }),
  ),
});
export const sessionParams = z.object({ sessionId: z.string().min(1).max(100) });

export const passwordChange = z.object({ currentPassword: z.string(), newPassword: passwordSchema }).strict();
export const csrfOut = z.object({ csrfToken: z.string() });
export const totpStartOut = z.object({ secret: z.string().describe('base32'), uri: z.string().describe('otpauth:// for the authenticator app') });
export const totpCode = z.object({ code: z.string() }).strict();
export const recoveryOut = z.object({ recoveryCodes: z.array(z.string()).describe('single-use codes, shown this once') });
export const passwordOnly = z.object({ password: z.string() }).strict();

export const tokensQuery = z.object({ all: queryBoolean.optional().describe('admins: everyone’s tokens') });
export const tokensOut = z.object({
  data: z.array(
    z.object({
      id: z.number().int(),
      userId: z.number().int().nullable(),
      name: z.string(),
      prefix: z.string().describe('the first characters of the token, to recognize it'),
      scope: z.enum(['read', 'write']),
      createdAt: iso,
      lastUsedAt: iso.nullable(),
      expiresAt: iso.nullable(),
      revokedAt: iso.nullable(),
    }),
  ),
});
export const tokenMade = z.object({ id: z.number().int(), token: z.string().describe('shown this once'), scope: z.enum(['read', 'write']) });

export const newUserBody = createSchema.extend({ password: passwordSchema });
export const userChangeBody = changeSchema.extend({ password: passwordSchema.optional() });
export const teamOut = z.object({ id: z.number().int(), name: z.string(), tags: z.array(z.string()), sites: z.array(z.string()) });
export const teamBody = teamSchema;
export const teamParams = z.object({
  name: z
    .string()
    .regex(/^[\w .:-]{1,80}$/, 'a team name is 1–80 letters, digits, spaces, ".", ":", "_" or "-"')
    .describe('the team’s name (made if it does not exist)'),
});

export const activityQuery = z.object({
  limit: queryNumber(z.number().int().min(1).max(500)).default(100),
  cursor: queryNumber(z.number().int().positive().max(maxId)).optional().describe('nextCursor of the previous page: entries older than this id'),
});
export const activityOut = z.object({
  id: z.number().int(),
  at: iso,
  actor: z.string(),
  userId: z.number().int().nullable(),
  action: z.string(),
  object: z.string().nullable(),
  summary: z.string(),
  ip: z.string().nullable(),
});
export const exportQuery = z.object({ format: z.enum(['csv', 'jsonl']).default('csv') });

export const setupBody = z.object({ token: z.string(), email: z.email(), password: passwordSchema }).strict();
export const setupOut = z.object({ id: z.number().int(), email: z.string(), role: z.enum(roles) });
