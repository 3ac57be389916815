import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import type { Database } from '../db/types.js';
import { parseInput } from '../config/validate.js';
import { accessOf, SESSION_COOKIE } from '../http/auth.js';
import { errorBody, jsonSchema, parseId } from '../http/schema.js';
import { toIso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { AccountsService } from './accounts.service.js';
import type { AuthService, SessionSettings } from './auth.service.js';
import type { ActivityLog } from './activity.js';
import type { OidcLogin } from './oidc.js';
import { ssoRoutes } from './sso.routes.js';
import type { UsersService } from './users.service.js';

const errors = {
  400: jsonSchema(errorBody),
  401: jsonSchema(errorBody),
  403: jsonSchema(errorBody),
  404: jsonSchema(errorBody),
  409: jsonSchema(errorBody),
  429: jsonSchema(errorBody),
};
const tokenSchema = z
  .object({ name: z.string().trim().min(1).max(100), scope: z.enum(['read', 'write']).default('read'), expiresIn: duration({ min: 60_000 }).optional() })
  .strict();
const passwordChange = z.object({ currentPassword: z.string(), newPassword: z.string() }).strict();
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.coerce.number().int().positive().optional() });

export interface AccountRouteDeps {
  /** Single sign-on, when accounts.oidc is configured. */
  oidc: OidcLogin | undefined;
  accounts: AccountsService;
  auth: AuthService;
  users: UsersService;
  activity: ActivityLog;
  sessions: SessionSettings;
  /** Secure cookies when Upkeep is reached over HTTPS. */
  secureCookies: boolean;
  /** server.publicUrl (the base of the single sign-on callback). */
  publicUrl: string | undefined;
  db: Kysely<Database>;
  now: () => number;
}

const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });

/** Logging in and out, one's own account, users, teams, API tokens and the activity log. */
export function accountRoutes(app: FastifyInstance, deps: AccountRouteDeps): void {
  const { auth, users, accounts, activity } = deps;
  const tags = (t: string) => ({ tags: [t], security: [{ bearer: [] }] });
  const setCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies,
      path: '/',
      maxAge: Math.floor(deps.sessions.maxAgeMs / 1000),
    });
  const me = async (req: FastifyRequest) => {
    const id = accessOf(req).principal.userId;
    if (id === null) throw new AppError('forbidden', 'this API token does not belong to a user');
    return users.get(id);
  };

  app.post(
    '/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Log in: { email, password, totp? } sets the session cookie and answers the CSRF token',
        body: { type: 'object' },
        response: errors,
      },
    },
    async (req, reply) => {
      try {
        const { token, csrf, user } = await auth.login(req.body, meta(req));
        setCookie(reply, token);
        return { user: await users.view(user), csrfToken: csrf };
      } catch (err) {
        if (err instanceof AppError && err.code === 'rate_limited')
          reply.header('retry-after', err.details.find((d) => d.path === 'retryAfter')?.message ?? '60');
        throw err;
      }
    },
  );
  app.get(
    '/session/providers',
    { schema: { tags: ['session'], summary: 'How one may log in: with a password, and with single sign-on if configured' } },
    async () => ({
      password: true,
      oidc: deps.oidc ? { label: deps.oidc.label, start: '/api/v1/session/oidc' } : null,
    }),
  );
  ssoRoutes(app, { ...deps, setSession: setCookie });
  app.get('/session', { schema: { ...tags('session'), summary: 'Who is logged in, and the CSRF token for changes', response: errors } }, async (req) => {
    const p = accessOf(req).principal;
    return { kind: p.kind, user: p.userId === null ? null : await users.view(await me(req)), csrfToken: p.session?.csrf ?? null, label: p.label };
  });
  app.delete(
    '/session',
    { schema: { ...tags('session'), summary: 'Log out (ends this session everywhere)', response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      const p = accessOf(req).principal;
      if (!p.session) throw new AppError('invalid_input', 'log out ends a session; API tokens are revoked instead');
      await auth.logout(p.session.id, p, req.ip);
      return reply.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).send();
    },
  );
  app.get('/session/all', { schema: { ...tags('session'), summary: 'My sessions', response: errors } }, async (req) => {
    const user = await me(req);
    const current = accessOf(req).principal.session?.id;
    return {
      data: (await auth.sessions(user.id)).map((s) => ({
        id: s.id,
        current: s.id === current,
        createdAt: toIso(s.created_at),
        lastSeenAt: toIso(s.last_seen_at),
        ip: s.ip,
        userAgent: s.user_agent,
      })),
    };
  });
  app.delete(
    '/session/all/:sessionId',
    { schema: { ...tags('session'), summary: 'End one of my sessions', response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      await auth.revokeSession((await me(req)).id, (req.params as { sessionId: string }).sessionId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/account/password',
    {
      schema: { ...tags('account'), summary: 'Change my password: every session ends; this client gets a new one', body: { type: 'object' }, response: errors },
    },
    async (req, reply) => {
      const body = parseInput(passwordChange, req.body);
      const { token, csrf } = await auth.changePassword((await me(req)).id, body.currentPassword, body.newPassword, meta(req));
      setCookie(reply, token);
      return { csrfToken: csrf };
    },
  );
  app.post(
    '/account/totp',
    { schema: { ...tags('account'), summary: 'Start two-factor setup: a secret and an otpauth:// URI for the authenticator app', response: errors } },
    async (req) => auth.startTotp((await me(req)).id),
  );
  app.post(
    '/account/totp/confirm',
    { schema: { ...tags('account'), summary: 'Finish two-factor setup with a code; answers recovery codes once', body: { type: 'object' }, response: errors } },
    async (req) => ({
      recoveryCodes: await auth.confirmTotp((await me(req)).id, parseInput(z.object({ code: z.string() }).strict(), req.body).code, req.ip),
    }),
  );
  app.post(
    '/account/totp/disable',
    {
      schema: {
        ...tags('account'),
        summary: 'Turn two-factor login off (password required)',
        body: { type: 'object' },
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (req, reply) => {
      await auth.disableTotp((await me(req)).id, parseInput(z.object({ password: z.string() }).strict(), req.body).password, req.ip);
      return reply.status(204).send();
    },
  );

  app.get('/tokens', { schema: { ...tags('tokens'), summary: 'My API tokens (admins: ?all=true for everyone’s)', response: errors } }, async (req) => {
    const access = accessOf(req);
    const all = (req.query as { all?: string }).all === 'true';
    if (all) access.requireAdmin();
    const list = await accounts.listTokens(all ? undefined : (await me(req)).id);
    return {
      data: list.map((t) => ({
        ...t,
        createdAt: toIso(t.createdAt),
        lastUsedAt: t.lastUsedAt && toIso(t.lastUsedAt),
        expiresAt: t.expiresAt && toIso(t.expiresAt),
        revokedAt: t.revokedAt && toIso(t.revokedAt),
      })),
    };
  });
  app.post(
    '/tokens',
    {
      schema: {
        ...tags('tokens'),
        summary: 'Make an API token for me: shown once',
        body: jsonSchema(tokenSchema),
        response: { 201: { type: 'object' }, ...errors },
      },
    },
    async (req, reply) => {
      const spec = parseInput(tokenSchema, req.body);
      const made = await accounts.createToken({
        name: spec.name,
        scope: spec.scope,
        userId: (await me(req)).id,
        ...(spec.expiresIn ? { expiresInMs: spec.expiresIn } : {}),
      });
      return reply.status(201).send({ id: made.id, token: made.token, scope: spec.scope });
    },
  );
  app.delete(
    '/tokens/:id',
    { schema: { ...tags('tokens'), summary: 'Revoke an API token', response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      const access = accessOf(req);
      await accounts.revokeToken(parseId(req), access.isAdmin ? undefined : (await me(req)).id);
      return reply.status(204).send();
    },
  );

  const admin = (req: FastifyRequest) => {
    const access = accessOf(req);
    access.requireAdmin();
    return access;
  };
  app.get('/users', { schema: { ...tags('users'), summary: 'Users', response: errors } }, async (req) => (admin(req), { data: await users.list() }));
  app.post(
    '/users',
    {
      schema: {
        ...tags('users'),
        summary: 'Make a user: { email, password, role, name?, teams?: [{ team, role }] }',
        body: { type: 'object' },
        response: { 201: { type: 'object' }, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await users.create(admin(req), req.body)),
  );
  app.patch(
    '/users/:id',
    { schema: { ...tags('users'), summary: 'Change a user: role, name, disabled, password, teams', body: { type: 'object' }, response: errors } },
    async (req) => users.change(admin(req), parseId(req), req.body),
  );
  app.delete('/users/:id', { schema: { ...tags('users'), summary: 'Delete a user', response: { 204: { type: 'null' }, ...errors } } }, async (req, reply) => {
    await users.delete(admin(req), parseId(req));
    return reply.status(204).send();
  });
  app.get(
    '/teams',
    { schema: { ...tags('users'), summary: 'Teams (clients): the sites each sees, by tag or name', response: errors } },
    async (req) => (admin(req), { data: await users.teams() }),
  );
  app.put(
    '/teams/:name',
    { schema: { ...tags('users'), summary: 'Make or change a team: { tags, sites }', body: { type: 'object' }, response: errors } },
    async (req) => {
      admin(req);
      return users.putTeam((req.params as { name: string }).name, req.body);
    },
  );
  app.delete('/teams/:id', { schema: { ...tags('users'), summary: 'Delete a team', response: { 204: { type: 'null' }, ...errors } } }, async (req, reply) => {
    admin(req);
    await users.deleteTeam(parseId(req));
    return reply.status(204).send();
  });

  app.get(
    '/activity',
    { schema: { ...tags('activity'), summary: 'Who changed what, when: newest first', querystring: jsonSchema(pageQuery), response: errors } },
    async (req) => {
      admin(req);
      const q = parseInput(pageQuery, req.query);
      const rows = await activity.list({ limit: q.limit, beforeId: q.cursor });
      return { data: rows, page: { limit: q.limit, nextCursor: rows.length === q.limit ? String(rows.at(-1)!.id) : null } };
    },
  );
  app.get(
    '/activity/export',
    { schema: { ...tags('activity'), summary: 'The whole activity log as CSV (?format=csv) or JSON lines (?format=jsonl)', response: errors } },
    async (req, reply) => {
      admin(req);
      const format = (req.query as { format?: string }).format === 'jsonl' ? 'jsonl' : 'csv';
      const text = await activity.export(format);
      return reply
        .header('content-disposition', `attachment; filename="upkeep-activity.${format}"`)
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .send(text);
    },
  );
}
