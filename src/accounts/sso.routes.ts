import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { accessOf, SESSION_COOKIE } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, parseId } from '../http/schema.js';
import { AppError } from '../lib/errors.js';
import type { AuthService } from './auth.service.js';
import type { FlowState, OidcLogin } from './oidc.js';
import type { UsersService } from './users.service.js';

export interface SsoRouteDeps {
  oidc: OidcLogin | undefined;
  auth: AuthService;
  users: UsersService;
  secureCookies: boolean;
  /** server.publicUrl (the base of the callback). */
  publicUrl: string | undefined;
  /** Sets the session cookie of a login. */
  setSession: (reply: FastifyReply, token: string) => FastifyReply;
}

const OIDC_COOKIE = 'upkeep_oidc';
const linkBody = z.object({ subject: z.string().min(1).max(255).nullable() }).strict();

const redirect = {
  description: 'A redirect: to the provider, or back to the dashboard (with ?error= when it failed)',
  headers: { location: { type: 'string' } },
};
const oidcNotConfigured = { public: true, errors: [404] } as const;

const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });

/**
 * Single sign-on in the API: logging in through the provider, a logged-in person linking their
 * account (a POST with the CSRF token, so no other site can start it), and an admin linking or
 * unlinking someone's identity by the provider's subject.
 */
export function ssoRoutes(app: FastifyInstance, deps: SsoRouteDeps): void {
  const oidc = () => {
    if (!deps.oidc) throw new AppError('not_found', 'single sign-on is not configured (accounts.oidc)');
    return deps.oidc;
  };
  const remember = (reply: FastifyReply, flow: FlowState) =>
    reply.setCookie(OIDC_COOKIE, JSON.stringify(flow), {
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.secureCookies,
      path: '/api/v1/session/oidc',
      maxAge: 600,
      signed: true,
    });

  app.get(
    '/session/oidc',
    { schema: operation({ tag: 'session', summary: 'Single sign-on: sends the browser to the provider', ok: { 302: redirect }, ...oidcNotConfigured }) },
    async (_req, reply) => {
      const { url, flow } = await oidc().start();
      return remember(reply, flow).redirect(url, 302);
    },
  );
  app.post(
    '/account/sso',
    {
      schema: operation({
        tag: 'account',
        summary: 'Link my account to single sign-on: answers { url } to send the browser to (a logged-in session only)',
        ok: { 200: { description: 'Where to send the browser', schema: z.object({ url: z.string() }) } },
        errors: [404],
      }),
    },
    async (req, reply) => {
      const p = accessOf(req).principal;
      if (!p.session || p.userId === null)
        throw new AppError('forbidden', 'single sign-on is linked from a logged-in session in the browser, not with an API token');
      const { url, flow } = await oidc().start(p.userId);
      remember(reply, flow);
      return { url };
    },
  );
  app.get(
    '/session/oidc/callback',
    {
      schema: operation({ tag: 'session', summary: 'Single sign-on: where the provider sends the browser back', ok: { 302: redirect }, ...oidcNotConfigured }),
    },
    async (req, reply) => {
      const login = oidc();
      const raw = req.cookies[OIDC_COOKIE];
      const unsigned = raw ? req.unsignCookie(raw) : undefined;
      reply.clearCookie(OIDC_COOKIE, { path: '/api/v1/session/oidc' });
      try {
        if (!unsigned?.valid || !unsigned.value) throw new AppError('unauthorized', 'the sign-on attempt expired or did not start here; try again');
        const flow = JSON.parse(unsigned.value) as FlowState;
        const sessionUser = async () => {
          const cookie = req.cookies[SESSION_COOKIE];
          return cookie ? ((await deps.auth.authenticateSession(cookie).catch(() => undefined))?.userId ?? undefined) : undefined;
        };
        const done = await login.finish(new URL(req.url, deps.publicUrl), flow, meta(req), sessionUser);
        if ('linked' in done) return reply.redirect('/settings?sso=linked', 302);
        deps.setSession(reply, done.token);
        return reply.redirect('/', 302);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        return reply.redirect(`/login?error=${encodeURIComponent(err.message)}`, 302);
      }
    },
  );
  app.put(
    '/users/:id/sso',
    {
      schema: operation({
        tag: 'users',
        summary: "Link a user to the provider's subject (its user id there), or unlink with { subject: null }; owners and admins only owners",
        params: idParams,
        body: linkBody,
        ok: { 204: null },
        errors: [409],
      }),
    },
    async (req, reply) => {
      const access = accessOf(req);
      access.requireAdmin();
      const user = await deps.users.get(parseId(req));
      if ((user.role === 'owner' || user.role === 'admin') && access.principal.role !== 'owner')
        throw new AppError('forbidden', 'only owners may link the single sign-on of owners and admins');
      const { subject } = parseInput(linkBody, req.body);
      const issuer = await oidc().issuer();
      await deps.users.linkIdentity(user.id, issuer, subject);
      return reply.status(204).send();
    },
  );
}
