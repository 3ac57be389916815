import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import { AppError } from '../lib/errors.js';
import type { Attempts, PageAccess } from './access.js';
import { isPrivate } from './access.js';
import type { Artifact } from './artifact.js';
import { feedOf, maintenanceCalendar, summaryJson } from './documents.js';
import { EMBED_SCRIPT, embedJson } from './embed.js';
import { sendEncoded, type FastPath } from './fast-path.js';
import { renderMessage, renderPage, translatorOf, type PageLinks } from './html.js';
import type { PageModel } from './model.js';
import type { PublicPages } from './pages.js';
import type { StatusPage } from './status-pages.service.js';
import { stylesheetOf } from './stylesheet.js';
import { sendEmbedScript } from '../http/embed.js';

export interface PublicDeps {
  pages: PublicPages;
  access: PageAccess;
  /** Subscriptions per address and minute. */
  attempts: Attempts;
  publicUrl: string | undefined;
  /** Whether the instance can send email (an `email:` section): shows the subscription form. */
  canSubscribe: boolean;
  /** Serves repeat requests for public pages before Fastify (absent: every request takes the full route). */
  fast?: FastPath | undefined;
}

const slugParams = z.object({ slug: z.string().max(63) });
const loginBody = z.object({ password: z.string().max(1_000) });

/** Where a request for a page came from: /status/<slug>/…, or a custom domain whose paths start at "/". */
export interface PageRequest {
  page: StatusPage;
  /** "" on a custom domain, else "/status/<slug>". */
  base: string;
  /** Absolute URL of the page, for feeds, JSON and emails. */
  url: string;
  origin: string;
}

/** The page's CSP: its own styles and forms only, images from itself and its logo's origin, no script at all. */
export function pageCsp(page: StatusPage): string {
  const logo = page.spec.logo ? ` ${new URL(page.spec.logo).origin}` : '';
  return `default-src 'none'; style-src 'self'; img-src 'self' data:${logo}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
}

export function linksOf(base: string, canSubscribe: boolean): PageLinks {
  return {
    css: `${base}/page.css`,
    rss: `${base}/rss`,
    atom: `${base}/atom`,
    ics: `${base}/maintenance.ics`,
    json: `${base}/summary.json`,
    subscribe: canSubscribe ? `${base}/subscribe` : null,
  };
}

/**
 * The page a request is for, if the visitor may see it. `prompt`: a password page answers with its
 * prompt; `strict`: only with access (feeds, JSON); `link`: a subscriber's confirm or unsubscribe
 * link, which stands in for the password (it went to someone who had it) but not for the address
 * list; `token`: no check at all, for a one-click unsubscribe whose signed token was verified (it
 * comes from a mail provider's servers, outside any address list).
 */
export function resolvePage(
  req: FastifyRequest,
  deps: Pick<PublicDeps, 'pages' | 'access' | 'publicUrl'>,
  mode: 'prompt' | 'strict' | 'link' | 'token',
): PageRequest & { prompt: boolean } {
  const { slug } = parseInput(slugParams, req.params);
  const page = deps.pages.page(slug);
  const check = () => {
    if (!page) return 'hidden';
    const found = deps.access.check(page.spec, { ip: req.ip, cookies: req.headers.cookie, authorization: req.headers.authorization });
    return mode === 'link' && found !== 'hidden' ? 'granted' : found;
  };
  const access = mode === 'token' && page ? 'granted' : check();
  if (page && access === 'throttled') throw throttled(deps.access.retryAfter(page.spec, req.ip));
  if (!page || access === 'hidden' || (access === 'password' && mode !== 'prompt')) {
    throw access === 'password'
      ? new AppError('unauthorized', 'this status page is private: log in on the page, or send its password as HTTP Basic auth')
      : new AppError('not_found', 'no status page here');
  }
  const viaDomain = !req.originalUrl.startsWith('/status/');
  const requestOrigin = `${req.protocol}://${req.host}`;
  const origin = viaDomain ? requestOrigin : (deps.publicUrl?.replace(/\/+$/, '') ?? requestOrigin);
  const base = viaDomain ? '' : `/status/${slug}`;
  return { page, base, origin, url: viaDomain ? `${origin}/` : `${origin}${base}`, prompt: access === 'password' };
}

const throttled = (seconds: number) =>
  new AppError('rate_limited', `too many wrong passwords for this status page; try again in ${seconds} s`, {
    details: [{ path: 'retryAfter', message: String(seconds) }],
  });

/**
 * Sends a page's artifact (see `sendEncoded`). Private pages are never kept by shared caches nor
 * answered by the fast path; every answer varies by Accept-Encoding.
 */
export function sendArtifact(
  req: FastifyRequest,
  reply: FastifyReply,
  at: { page: StatusPage; pages: PublicPages },
  artifact: Artifact,
  options: { key: string; fast?: FastPath | undefined; shared?: boolean },
) {
  const { page, pages } = at;
  const priv = isPrivate(page.spec);
  reply.header('cache-control', priv ? 'private, no-store' : 'public, max-age=15');
  reply.header('vary', priv ? 'cookie, authorization, accept-encoding' : 'accept-encoding');
  reply.header('content-security-policy', pageCsp(page));
  if (options.shared && !priv) reply.header('access-control-allow-origin', '*').header('cross-origin-resource-policy', 'cross-origin');
  const slug = page.spec.slug;
  return sendEncoded(req, reply, artifact, priv ? undefined : { path: options.fast, current: () => pages.cached(slug, options.key) });
}

/** The public side of status pages: the page, its stylesheet, JSON, feeds, calendar, embed, and the password prompt. */
export function publicRoutes(app: FastifyInstance, deps: PublicDeps): void {
  const hide = { schema: { hide: true } };
  const serve =
    (kind: string, make: (model: PageModel, at: PageRequest) => { body: string; type: string }, shared = false) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const at = resolvePage(req, deps, kind === 'html' ? 'prompt' : 'strict');
      if (at.prompt)
        return reply
          .status(401)
          .type('text/html; charset=utf-8')
          .header('content-security-policy', pageCsp(at.page))
          .header('cache-control', 'no-store')
          .send(passwordPage(at, undefined));
      const key = `${kind} ${at.url}`;
      const artifact = await deps.pages.artifact(at.page, key, (model) => make(model, at));
      return sendArtifact(req, reply, { page: at.page, pages: deps.pages }, artifact, { key, fast: deps.fast, shared });
    };
  const passwordPage = (at: PageRequest, message: string | undefined) => {
    const tr = translatorOf(at.page.spec);
    return renderMessage(at.page.spec, `${at.base}/page.css`, {
      heading: tr.t('privatePage'),
      ...(message ? { message } : {}),
      form: { action: `${at.base}/login`, button: tr.t('open'), password: { label: tr.t('password') } },
    });
  };

  app.get(
    '/status/:slug',
    hide,
    serve('html', (model, at) => ({ body: renderPage(model, linksOf(at.base, deps.canSubscribe)), type: 'text/html; charset=utf-8' })),
  );
  // The stylesheet is needed by the password prompt too, and holds nothing private.
  app.get('/status/:slug/page.css', hide, async (req, reply) => {
    const at = resolvePage(req, deps, 'prompt');
    const artifact = await deps.pages.artifact(at.page, 'css', () => ({ body: stylesheetOf(at.page.spec), type: 'text/css; charset=utf-8' }));
    return sendArtifact(req, reply, { page: at.page, pages: deps.pages }, artifact, { key: 'css', fast: deps.fast });
  });
  app.get(
    '/status/:slug/summary.json',
    hide,
    serve('json', (model, at) => ({ body: JSON.stringify(summaryJson(model, at.url)), type: 'application/json; charset=utf-8' }), true),
  );
  const feedUrls = (at: PageRequest) => ({ rss: `${at.origin}${at.base}/rss`, atom: `${at.origin}${at.base}/atom` });
  app.get(
    '/status/:slug/rss',
    hide,
    serve('rss', (model, at) => ({ body: feedOf(model, at.url, feedUrls(at)).rss2(), type: 'application/rss+xml; charset=utf-8' })),
  );
  app.get(
    '/status/:slug/atom',
    hide,
    serve('atom', (model, at) => ({ body: feedOf(model, at.url, feedUrls(at)).atom1(), type: 'application/atom+xml; charset=utf-8' })),
  );
  app.get(
    '/status/:slug/maintenance.ics',
    hide,
    serve('ics', (model, at) => ({ body: maintenanceCalendar(model, at.url, new URL(at.origin).hostname), type: 'text/calendar; charset=utf-8' })),
  );
  app.get(
    '/status/:slug/embed.json',
    hide,
    serve('embed', (model, at) => ({ body: JSON.stringify(embedJson(model, at.url)), type: 'application/json; charset=utf-8' }), true),
  );
  app.get('/status/:slug/embed.js', hide, async (req, reply) => {
    const at = resolvePage(req, deps, 'strict');
    if (isPrivate(at.page.spec)) throw new AppError('not_found', 'no status page here');
    return sendEmbedScript(reply, EMBED_SCRIPT);
  });

  app.post('/status/:slug/login', hide, async (req, reply) => {
    const at = resolvePage(req, deps, 'prompt');
    const tr = translatorOf(at.page.spec);
    reply.header('content-security-policy', pageCsp(at.page)).header('cache-control', 'no-store');
    const { password } = parseInput(loginBody, req.body ?? {});
    const given = deps.access.verify(at.page.spec, password, req.ip);
    if (given === 'throttled')
      return reply
        .status(429)
        .header('retry-after', String(deps.access.retryAfter(at.page.spec, req.ip)))
        .type('text/html; charset=utf-8')
        .send(passwordPage(at, tr.t('wrongPassword')));
    if (given === 'wrong')
      return reply
        .status(401)
        .type('text/html; charset=utf-8')
        .send(passwordPage(at, tr.t('wrongPassword')));
    return reply.header('set-cookie', deps.access.sessionCookie(at.page.spec, at.base || '/', req.protocol === 'https')).redirect(at.base || '/', 303);
  });
}
