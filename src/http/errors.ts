import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, httpStatusOf, type ErrorCode } from '../lib/errors.js';

const codeForStatus = (status: number): ErrorCode => {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  return status < 500 ? 'invalid_input' : 'internal';
};

/** Every error leaves as `{ "error": { "code", "message", "details", "requestId" } }`; unknown ones say nothing of their insides. */
export function registerErrorHandling(app: FastifyInstance): void {
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
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0]}`, details: [], requestId: req.id } }),
  );
}
