import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MonitoringEngine } from './engine.js';
import { MAX_PING_BODY, type PingKind } from './heartbeat.js';

/**
 * Heartbeat ping URLs, Healthchecks.io-style, open to anyone who knows the key:
 * `/ping/<key>` success, `/ping/<key>/start`, `/ping/<key>/fail`, `/ping/<key>/<exit code>`;
 * GET, POST or HEAD; `?rid=<run id>` pairs a start with its end; the first 10 kB of a body are kept.
 */
export function pingRoutes(app: FastifyInstance, engine: MonitoringEngine): void {
  const handle = (kind: PingKind) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { key } = req.params as { key: string };
    const rid = (req.query as { rid?: unknown }).rid;
    const body = typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : undefined;
    const known = engine.ping(key, kind, { runId: typeof rid === 'string' ? rid.slice(0, 100) : undefined, body: body?.slice(0, MAX_PING_BODY) });
    reply.header('cache-control', 'no-store').type('text/plain');
    return known ? reply.send('OK\n') : reply.status(404).send('not found: no heartbeat has this ping key\n');
  };

  app.register(async (scope) => {
    // A ping body is whatever the job sends (logs, output); it is read as text whatever its type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 100_000 }, (_req, text, done) => done(null, text));
    const route = (url: string, kind: PingKind | ((req: FastifyRequest) => PingKind | undefined)) =>
      scope.route({
        method: ['GET', 'POST', 'HEAD'],
        url,
        schema: { hide: true },
        handler: async (req, reply) => {
          const k = typeof kind === 'function' ? kind(req) : kind;
          if (k === undefined) return reply.status(404).type('text/plain').send('not found: use /ping/<key>, /start, /fail or /<exit code 0-255>\n');
          return handle(k)(req, reply);
        },
      });
    route('/ping/:key', 'success');
    route('/ping/:key/start', 'start');
    route('/ping/:key/fail', 'fail');
    route('/ping/:key/:code', (req) => {
      const code = (req.params as { code: string }).code;
      return /^\d{1,3}$/.test(code) && Number(code) <= 255 ? Number(code) : undefined;
    });
  });
}
