import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../lib/errors.js';
import { renderMessage, translatorOf, type MessagePage } from './html.js';
import { pageCsp, resolvePage, type PageRequest, type PublicDeps } from './public.routes.js';
import type { StatusPageSpec } from './status-page.schema.js';
import type { Subscriptions } from './subscriptions.js';

/**
 * Subscribing by email: the form posts here, the confirmation link opens a page with a button
 * (so mail scanners that open links confirm nothing), and every message carries a one-click
 * unsubscribe link (RFC 8058: a POST with "List-Unsubscribe=One-Click" unsubscribes at once).
 */
export function subscribeRoutes(
  app: FastifyInstance,
  deps: PublicDeps & {
    subscriptions: Subscriptions;
    /** The page's address for links in emails: server.publicUrl or the config, never the request's Host header. */
    pageUrl: (spec: StatusPageSpec) => string;
  },
): void {
  const hide = { schema: { hide: true } };
  const page = (reply: FastifyReply, at: PageRequest, status: number, content: MessagePage) =>
    reply
      .status(status)
      .header('content-security-policy', pageCsp(at.page))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(renderMessage(at.page.spec, `${at.base}/page.css`, content));
  const tokenOf = (req: FastifyRequest) => (req.query as { token?: unknown }).token ?? (req.body as { token?: unknown } | undefined)?.token;

  app.post('/status/:slug/subscribe', hide, async (req, reply) => {
    if (!deps.canSubscribe) throw new AppError('not_found', 'this server sends no email: add an "email:" section to its config');
    const at = resolvePage(req, deps, 'strict');
    const tr = translatorOf(at.page.spec);
    if (!deps.attempts.allow(`subscribe ${req.ip}`)) throw new AppError('rate_limited', 'too many subscriptions from this address; try again in a minute');
    try {
      await deps.subscriptions.subscribe(at.page, req.body ?? {}, deps.pageUrl(at.page.spec));
    } catch (err) {
      // A mistyped address is shown on a page like the others, not as JSON to someone using a form.
      if (isAppError(err) && err.code === 'invalid_input')
        return page(reply, at, 400, { heading: tr.t('subscribe'), message: err.message, back: { href: at.base || '/', label: tr.t('back') } });
      throw err;
    }
    return page(reply, at, 200, { heading: tr.t('subscribe'), message: tr.t('checkInbox'), back: { href: at.base || '/', label: tr.t('back') } });
  });

  /**
   * Confirm and unsubscribe links are checked like the page: an address outside its list gets the
   * same 404 as a page that does not exist, so a made-up link confirms nothing about the page. A
   * genuine unsubscribe link works from anywhere: it only ends the subscription its signed token
   * names, people read mail outside the office, and mail providers send the one-click POST (RFC
   * 8058) from their own servers. Confirming starts mail about the page, so it stays inside the list.
   */
  const linkedPage = async (req: FastifyRequest, purpose: 'confirm' | 'unsubscribe'): Promise<PageRequest> => {
    try {
      return resolvePage(req, deps, 'link');
    } catch (refusal) {
      if (purpose === 'confirm' || !isAppError(refusal) || refusal.code !== 'not_found') throw refusal;
      const at = resolvePage(req, deps, 'token');
      if (!(await deps.subscriptions.fromToken(at.page, 'unsubscribe', tokenOf(req)))) throw refusal;
      return at;
    }
  };

  for (const purpose of ['confirm', 'unsubscribe'] as const) {
    const heading = purpose === 'confirm' ? 'confirmTitle' : 'unsubscribeTitle';
    app.get(`/status/:slug/${purpose}`, hide, async (req, reply) => {
      const at = await linkedPage(req, purpose);
      const tr = translatorOf(at.page.spec);
      const token = tokenOf(req);
      if (!(await deps.subscriptions.fromToken(at.page, purpose, token))) return page(reply, at, 404, { heading: tr.t(heading), message: tr.t('invalidLink') });
      return page(reply, at, 200, {
        heading: tr.t(heading),
        form: {
          action: `${at.base}/${purpose}`,
          button: tr.t(purpose === 'confirm' ? 'confirmButton' : 'unsubscribeButton'),
          fields: [{ name: 'token', value: String(token) }],
        },
      });
    });
    app.post(`/status/:slug/${purpose}`, hide, async (req, reply) => {
      const at = await linkedPage(req, purpose);
      const tr = translatorOf(at.page.spec);
      const sub = await deps.subscriptions.fromToken(at.page, purpose, tokenOf(req));
      if (!sub) return page(reply, at, 404, { heading: tr.t(heading), message: tr.t('invalidLink') });
      if (purpose === 'confirm') await deps.subscriptions.confirm(sub);
      else await deps.subscriptions.unsubscribe(sub);
      return page(reply, at, 200, {
        heading: tr.t(heading),
        message: tr.t(purpose === 'confirm' ? 'confirmed' : 'unsubscribed'),
        back: { href: at.base || '/', label: tr.t('back') },
      });
    });
  }
}
