import type { FastifyInstance } from 'fastify';
import type { Core } from '../../src/app.js';
import { buildHttpServer } from '../../src/http/server.js';

/** The HTTP server over a test core, answering `inject` calls without a socket. */
export function testHttp(core: Core): Promise<FastifyInstance> {
  return buildHttpServer({
    logger: core.logger,
    accounts: core.accounts,
    sites: core.sites,
    audits: core.audits,
    version: 'test',
    ready: async () => ({ ok: true, checks: {} }),
  });
}
