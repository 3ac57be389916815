import type { FastifyInstance, FastifyReply } from 'fastify';
import { isAppError } from '../lib/errors.js';
import type { IncidentsService } from './incidents.service.js';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page of a link from a message (acknowledge, approve): no scripts, not cached, no referrer. */
export function linkPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Upkeep</title>` +
        `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font:inherit;padding:.6rem 1.2rem}</style></head>` +
        `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

/** A link that failed as the service said (used, expired, unknown): its reason on a page, never a stack trace. */
export function linkFailed(reply: FastifyReply, err: unknown): FastifyReply {
  if (!isAppError(err)) throw err;
  return linkPage(reply, err.code === 'conflict' ? 409 : err.code === 'not_found' ? 404 : 400, 'This link does not work', `<p>${escapeHtml(err.message)}</p>`);
}

/**
 * Acknowledge links from messages, no login needed. Opening the link only shows a button: link
 * scanners in mail systems open links, and must not acknowledge anything by doing so.
 */
export function ackRoutes(app: FastifyInstance, incidents: IncidentsService): void {
  app.get('/ack/:token', { schema: { hide: true } }, async (req, reply) => {
    const { token } = req.params as { token: string };
    const action = `/ack/${escapeHtml(encodeURIComponent(token))}`;
    return linkPage(
      reply,
      200,
      'Acknowledge this incident?',
      `<p>Acknowledging stops the escalation and tells everyone who was told so far.</p><form method="post" action="${action}"><button type="submit">Acknowledge</button></form>`,
    );
  });
  // The button posts an empty form; its body says nothing the link does not.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1_024 }, (_req, _body, done) => done(null, {}));
  app.post('/ack/:token', { schema: { hide: true } }, async (req, reply) => {
    const { token } = req.params as { token: string };
    try {
      const incident = await incidents.acknowledgeByLink(token);
      return linkPage(reply, 200, 'Acknowledged', `<p>Incident #${incident.id} “${escapeHtml(incident.title)}” is acknowledged. Thank you.</p>`);
    } catch (err) {
      return linkFailed(reply, err);
    }
  });
}
