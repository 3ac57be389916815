import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { AppError, describeError } from '../lib/errors.js';
import type { FeedbackIntake } from './intake.service.js';
import { FORM_CSP, formPage, WIDGET_SCRIPT } from './widget.js';
import { sendEmbedScript } from '../http/embed.js';

const keyParams = z.object({ siteKey: z.string().regex(/^[\w-]{16,64}$/, 'expected a site key') });
const scriptParams = z.object({ file: z.string().regex(/^[\w-]{16,64}\.js$/, 'expected <site key>.js') });

/** The browser's Origin when it may send reports: one the site declared, or Upkeep's own (the plain form). */
function allowedOrigin(req: FastifyRequest, origins: readonly string[]): string | undefined {
  const origin = req.headers.origin;
  if (!origin || origin === 'null' || origin === `${req.protocol}://${req.host}`) return undefined;
  if (origins.includes(origin)) return origin;
  throw new AppError('forbidden', `reports are taken from this site's declared origins only, not from ${origin}`);
}

/** CORS for a declared origin only; nothing is shared with any other. */
function cors(reply: FastifyReply, origin: string | undefined): FastifyReply {
  reply.header('vary', 'origin').header('cross-origin-resource-policy', 'cross-origin');
  return origin ? reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', 'retry-after') : reply;
}

/**
 * The public side of feedback, outside /api/v1 and without credentials: the widget script, a form
 * token, the report itself (JSON from the widget, url-encoded from the plain form) and the plain form.
 * Form bodies are parsed only in this scope.
 */
export function feedbackPublicRoutes(app: FastifyInstance, intake: FeedbackIntake): void {
  const hide = { schema: { hide: true } };
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get('/feedback/:file', hide, async (req, reply) => {
    const { file } = parseInput(scriptParams, req.params);
    await intake.widget(file.slice(0, -3));
    return sendEmbedScript(reply, WIDGET_SCRIPT);
  });

  app.get('/feedback/:siteKey/token', hide, async (req, reply) => {
    const { siteKey } = parseInput(keyParams, req.params);
    const { origins } = await intake.widget(siteKey);
    const origin = allowedOrigin(req, origins);
    return cors(reply, origin)
      .header('cache-control', 'no-store')
      .send({ token: await intake.token(siteKey) });
  });

  app.options('/feedback/:siteKey', hide, async (req, reply) => {
    const { siteKey } = parseInput(keyParams, req.params);
    const origin = allowedOrigin(req, (await intake.widget(siteKey)).origins);
    return cors(reply, origin)
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'content-type')
      .header('access-control-max-age', '600')
      .status(204)
      .send();
  });

  app.post('/feedback/:siteKey', hide, async (req, reply) => {
    const { siteKey } = parseInput(keyParams, req.params);
    const origin = allowedOrigin(req, (await intake.widget(siteKey)).origins);
    cors(reply, origin).header('cache-control', 'no-store');
    const sender = { ip: req.ip, userAgent: req.headers['user-agent'] };
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      try {
        return reply.status(201).send(await intake.submit(siteKey, req.body, sender));
      } catch (err) {
        if (err instanceof AppError && err.code === 'rate_limited') reply.header('retry-after', '60');
        throw err;
      }
    }
    // The plain form: answered with a page, never JSON.
    reply.type('text/html; charset=utf-8').header('content-security-policy', FORM_CSP);
    try {
      await intake.submit(siteKey, req.body, sender);
      return reply.status(201).send(formPage({ title: 'Thank you', message: 'Your report was sent.' }));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'rate_limited') reply.header('retry-after', '60');
      const status = { rate_limited: 429, not_found: 404, forbidden: 403 }[err.code as string] ?? 400;
      return reply.status(status).send(formPage({ title: 'Not sent', message: describeError(err) }));
    }
  });

  app.get('/feedback/:siteKey/form', hide, async (req, reply) => {
    const { siteKey } = parseInput(keyParams, req.params);
    const url = z.object({ url: z.string().max(2_000).optional() }).safeParse(req.query).data?.url ?? '';
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', FORM_CSP)
      .header('cache-control', 'no-store')
      .send(formPage({ title: 'Report a problem', form: { action: `/feedback/${siteKey}`, token: await intake.token(siteKey), url } }));
  });
}
