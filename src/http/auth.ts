import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Access, Principal } from '../accounts/access.js';
import type { AccountsService } from '../accounts/accounts.service.js';
import type { AuthService } from '../accounts/auth.service.js';
import { AppError } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    access?: Access;
    /** The request's credentials checked again, as they stand now (for a stream that outlives the request). */
    reauthenticate?: () => Promise<Principal>;
  }
}

export const SESSION_COOKIE = 'upkeep_session';

/**
 * The routes under /api/v1 that answer without credentials: the API's description, logging in,
 * first-run setup (route patterns; a pattern also covers the routes below it).
 */
const publicRoutes: [method: string, pattern: string][] = [
  ['GET', '/api/v1/openapi.json'],
  ['GET', '/api/v1/docs'],
  ['POST', '/api/v1/session'],
  ['GET', '/api/v1/session/providers'],
  ['GET', '/api/v1/session/oidc'],
  ['POST', '/api/v1/setup'],
  // Probes authenticate with their own token, checked by the probe routes (src/probes).
  ['GET', '/api/v1/probe'],
  ['POST', '/api/v1/probe'],
];
const readOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes about the caller's own account: open to every logged-in caller, whatever their role. */
const ownAccount = ['/api/v1/session', '/api/v1/account', '/api/v1/tokens'];

const within = (pattern: string, prefix: string) => pattern === prefix || pattern.startsWith(`${prefix}/`);

/** The path as the router reads it: percent-decoded. */
function decodedPath(req: FastifyRequest): string {
  const raw = req.url.split('?')[0]!;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The access of an authenticated request (routes under /api/v1 always have one). */
export function accessOf(req: FastifyRequest): Access {
  if (!req.access) throw new AppError('unauthorized', 'credentials required');
  return req.access;
}

/**
 * Nothing under /api/v1 answers without credentials (not even a 404), apart from `publicRoutes`.
 * Credentials are an API token (`Authorization: Bearer …`) or the session cookie; with the cookie,
 * every request that changes something must also send the session's CSRF token in `X-CSRF-Token`.
 */
export function registerApiAuth(app: FastifyInstance, deps: { accounts: AccountsService; auth: AuthService; access: (principal: Principal) => Access }): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    // Decided on the route Fastify matched (`/api/v1/sites/:id`), never on the raw URL: `/api/v%31/sites`
    // reaches the route `/api/v1/sites`. A path under /api/v1 that matches no API route (a 404, or the
    // dashboard's catch-all) needs credentials too, so nothing there answers without them.
    const route = req.routeOptions.url;
    if (!within(route ?? '', '/api/v1') && !within(decodedPath(req), '/api/v1')) return;
    if (route && publicRoutes.some(([m, p]) => (req.method === m || (m === 'GET' && req.method === 'HEAD')) && within(route, p))) return;
    const header = req.headers.authorization;
    const cookie = req.cookies[SESSION_COOKIE];
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
      req.reauthenticate = () => deps.accounts.authenticateToken(match[1]!);
      req.principal = await req.reauthenticate();
      if (req.principal.scope === 'read' && !readOnlyMethods.has(req.method)) {
        throw new AppError('forbidden', 'this API token may only read; make a token with scope write to change things');
      }
    } else if (cookie) {
      req.reauthenticate = () => deps.auth.authenticateSession(cookie, false);
      req.principal = await deps.auth.authenticateSession(cookie);
      if (!readOnlyMethods.has(req.method) && req.headers['x-csrf-token'] !== req.principal.session!.csrf) {
        throw new AppError('forbidden', 'missing or wrong X-CSRF-Token header (it comes with the session: GET /api/v1/session)');
      }
    } else {
      throw new AppError('unauthorized', 'credentials required: log in, or send "Authorization: Bearer <token>" (make one with "upkeep token create")');
    }
    req.access = deps.access(req.principal);
    // Whoever may change nothing anywhere is refused every change at once, before the body is even read.
    if (!readOnlyMethods.has(req.method) && !ownAccount.some((p) => route && within(route, p))) req.access.requireSomeWrite();
  });
}
