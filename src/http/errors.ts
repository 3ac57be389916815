import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, httpStatusOf, type ErrorCode } from '../lib/errors.js';

const codeForStatus = (status: number): ErrorCode => {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  return status < 500 ? 'invalid_input' : 'internal';
};

/** A route's path as a pattern: `/sites/:id` matches `/sites/7`; a wildcard matches the rest. */
function patternOf(url: string): RegExp {
  const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const source = url
    .split('/')
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : escape(part)))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Which methods each path supports, from the routes as they are registered: a request with another
 * method answers 405 with an Allow header, not 404. The dashboard's catch-all (`/*`) is left out: it
 * serves pages to GET, and other methods on unknown paths stay 404.
 */
function trackRoutes(app: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url === '/*' || route.url === '*') return;
    const methods = [route.method].flat();
    routes.push({ pattern: patternOf(route.url), methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods });
  });
  return (path) => [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))].sort();
}

/**
 * Errors of Fastify's router, before any route or hook (a path part longer than 100 characters, a
 * malformed %-escape): answered like every other error, 400.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const message = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a part of the path is longer than 100 characters' : 'the path is not a valid URL';
  void reply.status(400).send({ error: { code: 'invalid_input', message, details: [], requestId: req.id } });
}

/** Every error leaves as `{ "error": { "code", "message", "details", "requestId" } }`; unknown ones say nothing of their insides. */
export function registerErrorHandling(app: FastifyInstance): void {
  const allowedOn = trackRoutes(app);
  app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
    if (err instanceof AppError) {
      const status = httpStatusOf[err.code];
      if (status >= 500) req.log.error({ err }, err.message);
      // A throttle says how long to wait in the detail "retryAfter" (seconds).
      if (err.code === 'rate_limited') reply.header('retry-after', err.details.find((d) => d.path === 'retryAfter')?.message ?? '60');
      return reply.status(status).send({ error: { code: err.code, message: err.message, details: err.details, requestId: req.id } });
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply
        .status(500)
        .send({ error: { code: 'internal', message: `internal error; quote request id ${req.id} when reporting it`, details: [], requestId: req.id } });
    }
    // Fastify's own client errors (bad JSON, unsupported media type, body too large, rate limit) are safe to show.
    if (status === 429) reply.header('retry-after', reply.getHeader('retry-after') ?? '60');
    return reply.status(status).send({ error: { code: codeForStatus(status), message: err.message, details: [], requestId: req.id } });
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const allowed = allowedOn(path);
    if (allowed.length) {
      const message = `${req.method} is not allowed on ${path}; it answers ${allowed.join(', ')}`;
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({ error: { code: 'method_not_allowed', message, details: [], requestId: req.id } });
    }
    return reply.status(404).send({ error: { code: 'not_found', message: `no route for ${req.method} ${path}`, details: [], requestId: req.id } });
  });
}
