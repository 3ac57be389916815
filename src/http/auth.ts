import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountsService, Principal } from '../accounts/accounts.service.js';
import { AppError } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The documented routes under /api/v1 that answer without credentials: the API's own description. */
const publicPaths = ['/api/v1/openapi.json', '/api/v1/docs'];

const readOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Nothing under /api/v1 answers without credentials (not even a 404), apart from `publicPaths`. */
export function registerApiAuth(app: FastifyInstance, accounts: AccountsService): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const path = req.url.split('?')[0]!;
    if (path !== '/api/v1' && !path.startsWith('/api/v1/')) return;
    if (publicPaths.some((p) => path === p || path.startsWith(`${p}/`))) return;
    const header = req.headers.authorization;
    if (!header) throw new AppError('unauthorized', 'credentials required: send "Authorization: Bearer <token>" (make one with "upkeep token create")');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    req.principal = await accounts.authenticateToken(match[1]!);
    if (req.principal.scope === 'read' && !readOnlyMethods.has(req.method)) {
      throw new AppError('forbidden', 'this API token may only read; make a token with --scope write to change things');
    }
  });
}
