import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import type { Database } from '../db/types.js';
import { parseInput } from '../config/validate.js';
import { accessOf, SESSION_COOKIE } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, listSchema, pageSchema, parseId } from '../http/schema.js';
import { toIso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { AccountsService } from './accounts.service.js';
import type { AuthService, SessionSettings } from './auth.service.js';
import type { ActivityLog } from './activity.js';
import type { OidcLogin } from './oidc.js';
import { ssoRoutes } from './sso.routes.js';
import type { UsersService } from './users.service.js';
import * as doc from './accounts.openapi.js';

const tokenSchema = z
  .object({ name: z.string().trim().min(1).max(100), scope: z.enum(['read', 'write']).default('read'), expiresIn: duration({ min: 60_000 }).optional() })
  .strict();

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
      schema: operation({
        tag: 'session',
        public: true,
        summary: 'Log in: { email, password, totp? } sets the session cookie and answers the CSRF token',
        body: doc.loginBody,
        ok: { 200: { description: 'Logged in: the session cookie is set', schema: doc.loginOut } },
        errors: [401, 429],
      }),
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
    {
      schema: operation({
        tag: 'session',
        public: true,
        summary: 'How one may log in: with a password, and with single sign-on if configured',
        ok: { 200: doc.providersOut },
      }),
    },
    async () => ({
      password: true,
      oidc: deps.oidc ? { label: deps.oidc.label, start: '/api/v1/session/oidc' } : null,
    }),
  );
  ssoRoutes(app, { ...deps, setSession: setCookie });
  app.get(
    '/session',
    { schema: operation({ tag: 'session', summary: 'Who is logged in, and the CSRF token for changes', ok: { 200: doc.sessionOut } }) },
    async (req) => {
      const p = accessOf(req).principal;
      return { kind: p.kind, user: p.userId === null ? null : await users.view(await me(req)), csrfToken: p.session?.csrf ?? null, label: p.label };
    },
  );
  app.delete(
    '/session',
    {
      schema: operation({
        tag: 'session',
        summary: 'Log out (ends this session everywhere); API tokens are revoked instead (400)',
        ok: { 204: null },
        errors: [400],
      }),
    },
    async (req, reply) => {
      const p = accessOf(req).principal;
      if (!p.session) throw new AppError('invalid_input', 'log out ends a session; API tokens are revoked instead');
      await auth.logout(p.session.id, p, req.ip);
      return reply.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).send();
    },
  );
  app.get('/session/all', { schema: operation({ tag: 'session', summary: 'My sessions', ok: { 200: doc.sessionsOut } }) }, async (req) => {
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
    { schema: operation({ tag: 'session', summary: 'End one of my sessions', params: doc.sessionParams, ok: { 204: null } }) },
    async (req, reply) => {
      await auth.revokeSession((await me(req)).id, parseInput(doc.sessionParams, req.params).sessionId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/account/password',
    {
      schema: operation({
        tag: 'account',
        summary: 'Change my password: every session ends; this client gets a new one',
        body: doc.passwordChange,
        ok: { 200: doc.csrfOut },
      }),
    },
    async (req, reply) => {
      const body = parseInput(doc.passwordChange, req.body);
      const { token, csrf } = await auth.changePassword((await me(req)).id, body.currentPassword, body.newPassword, meta(req));
      setCookie(reply, token);
      return { csrfToken: csrf };
    },
  );
  app.post(
    '/account/totp',
    {
      schema: operation({
        tag: 'account',
        summary: 'Start two-factor setup (password required): a secret and an otpauth:// URI for the authenticator app',
        body: doc.passwordOnly,
        ok: { 200: doc.totpStartOut },
      }),
    },
    async (req) => auth.startTotp((await me(req)).id, parseInput(doc.passwordOnly, req.body).password),
  );
  app.post(
    '/account/totp/confirm',
    {
      schema: operation({
        tag: 'account',
        summary: 'Finish two-factor setup with a code; answers recovery codes once',
        body: doc.totpCode,
        ok: { 200: doc.recoveryOut },
      }),
    },
    async (req) => ({
      recoveryCodes: await auth.confirmTotp((await me(req)).id, parseInput(doc.totpCode, req.body).code, req.ip),
    }),
  );
  app.post(
    '/account/totp/disable',
    {
      schema: operation({ tag: 'account', summary: 'Turn two-factor login off (password required)', body: doc.passwordOnly, ok: { 204: null } }),
    },
    async (req, reply) => {
      await auth.disableTotp((await me(req)).id, parseInput(doc.passwordOnly, req.body).password, req.ip);
      return reply.status(204).send();
    },
  );

  app.get(
    '/tokens',
    { schema: operation({ tag: 'tokens', summary: 'My API tokens (admins: ?all=true for everyone’s)', query: doc.tokensQuery, ok: { 200: doc.tokensOut } }) },
    async (req) => {
      const access = accessOf(req);
      const all = parseInput(doc.tokensQuery, req.query).all === true;
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
    },
  );
  app.post(
    '/tokens',
    {
      schema: operation({ tag: 'tokens', summary: 'Make an API token for me: shown once', body: tokenSchema, ok: { 201: doc.tokenMade } }),
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
    { schema: operation({ tag: 'tokens', summary: 'Revoke an API token', params: idParams, ok: { 204: null } }) },
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
  app.get(
    '/users',
    { schema: operation({ tag: 'users', summary: 'Users', ok: { 200: { description: 'Every user', schema: listSchema(doc.userOut) } } }) },
    async (req) => (admin(req), { data: await users.list() }),
  );
  app.post(
    '/users',
    {
      schema: operation({
        tag: 'users',
        summary: 'Make a user: { email, password, role, name?, teams?: [{ team, role }] }',
        body: doc.newUserBody,
        ok: { 201: doc.userOut },
        errors: [409],
      }),
    },
    async (req, reply) => reply.status(201).send(await users.create(admin(req), req.body)),
  );
  app.patch(
    '/users/:id',
    {
      schema: operation({
        tag: 'users',
        summary: 'Change a user: role, name, disabled, password, teams',
        params: idParams,
        body: doc.userChangeBody,
        ok: { 200: doc.userOut },
        errors: [409],
      }),
    },
    async (req) => users.change(admin(req), parseId(req), req.body),
  );
  app.delete(
    '/users/:id',
    { schema: operation({ tag: 'users', summary: 'Delete a user', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      await users.delete(admin(req), parseId(req));
      return reply.status(204).send();
    },
  );
  app.get(
    '/teams',
    {
      schema: operation({
        tag: 'users',
        summary: 'Teams (clients): the sites each sees, by tag or name',
        ok: { 200: { description: 'Every team', schema: listSchema(doc.teamOut) } },
      }),
    },
    async (req) => (admin(req), { data: await users.teams() }),
  );
  app.put(
    '/teams/:name',
    {
      schema: operation({
        tag: 'users',
        summary: 'Make or change a team: { tags, sites }',
        params: doc.teamParams,
        body: doc.teamBody,
        ok: { 200: doc.teamOut },
        errors: [409],
      }),
    },
    async (req) => {
      admin(req);
      return users.putTeam(parseInput(doc.teamParams, req.params).name, req.body);
    },
  );
  app.delete('/teams/:id', { schema: operation({ tag: 'users', summary: 'Delete a team', params: idParams, ok: { 204: null } }) }, async (req, reply) => {
    admin(req);
    await users.deleteTeam(parseId(req));
    return reply.status(204).send();
  });

  app.get(
    '/activity',
    {
      schema: operation({
        tag: 'activity',
        summary: 'Who changed what, when: newest first',
        query: doc.activityQuery,
        ok: { 200: { description: 'A page of the log', schema: pageSchema(doc.activityOut, 'cursor') } },
      }),
    },
    async (req) => {
      admin(req);
      const q = parseInput(doc.activityQuery, req.query);
      const rows = await activity.list({ limit: q.limit, beforeId: q.cursor });
      return { data: rows, page: { limit: q.limit, nextCursor: rows.length === q.limit ? String(rows.at(-1)!.id) : null } };
    },
  );
  app.get(
    '/activity/export',
    {
      schema: operation({
        tag: 'activity',
        summary: 'The whole activity log as CSV (?format=csv) or JSON lines (?format=jsonl)',
        query: doc.exportQuery,
        ok: { 200: { description: 'The log, as a file to save', media: ['text/csv', 'application/x-ndjson'], schema: { type: 'string' } } },
      }),
    },
    async (req, reply) => {
      admin(req);
      const { format } = parseInput(doc.exportQuery, req.query);
      const text = await activity.export(format);
      return reply
        .header('content-disposition', `attachment; filename="upkeep-activity.${format}"`)
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .send(text);
    },
  );
}
