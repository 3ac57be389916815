import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountsService, Principal } from '../accounts/accounts.service.js';
import { AppError } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Routes under /api/v1 that answer without credentials (the API description). */
    public?: boolean;
  }
}

const readOnlyMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Nothing under /api/v1 answers without credentials, apart from routes marked `config: { public: true }`. */
export function registerApiAuth(app: FastifyInstance, accounts: AccountsService): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (!req.url.startsWith('/api/v1/') && req.url !== '/api/v1') return;
    if (req.routeOptions.config.public) return;
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
